-- What a session's device and country were, for new-device and new-country alerts.
ALTER TABLE sessions ADD COLUMN device_key TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN country_code TEXT;
CREATE INDEX sessions_user_device ON sessions (user_id, device_key);
