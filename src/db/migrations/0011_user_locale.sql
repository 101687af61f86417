-- The language of a user's emails (one of notify::kLocales), from Accept-Language at
-- registration, changeable with PATCH /api/users/@me.
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT 'en';
