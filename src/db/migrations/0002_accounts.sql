-- Accounts, sessions and one-time email codes. Times are Unix epoch milliseconds (UTC).
-- Uniqueness of usernames and emails is case-insensitive through the *_key columns
-- (lower-cased copies), the same on SQLite and PostgreSQL.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    username_key TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_login_at BIGINT
);

-- Social sign-in links (Google, Facebook).
CREATE TABLE oauth_accounts (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    provider_user_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (provider, provider_user_id)
);
CREATE INDEX oauth_accounts_user ON oauth_accounts (user_id);

-- One row per login. token_hash (sha256 of the bearer token) is NULL once the session is
-- logged out or revoked; the row stays so the device remains known.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT UNIQUE,
    ip_address TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    device TEXT NOT NULL,
    location TEXT,
    created_at BIGINT NOT NULL,
    last_active_at BIGINT NOT NULL,
    logged_out_at BIGINT
);
CREATE INDEX sessions_user ON sessions (user_id, created_at);

-- 8-digit codes sent by email; only their sha256 is stored. purpose: verify | reset | email_change.
CREATE TABLE email_codes (
    id TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    email_key TEXT NOT NULL,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX email_codes_lookup ON email_codes (purpose, email_key);
