-- The security activity of accounts, append-only (src/audit): what happened (kind, one of
-- audit::kKinds), to which account (user_id; NULL for a failed sign-in that named none), by
-- which operator (actor_id), from where (as sessions keep it) and what else is worth knowing
-- (details, a JSON object; never a secret). ids are UUIDv7s, which sort by time: a user's
-- activity pages by id. Times are Unix epoch milliseconds. Rows go when they are older than
-- SECURITY_EVENTS_RETENTION.
CREATE TABLE security_events (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    user_id TEXT,
    actor_id TEXT,
    ip_address TEXT,
    device TEXT,
    location TEXT,
    details TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL
);
CREATE INDEX security_events_user ON security_events (user_id, id);
CREATE INDEX security_events_created ON security_events (created_at);
