-- Social sign-in in flight. Only hashes are stored: a state is known by sha256(state),
-- the browser that started it by sha256(its cookie); the PKCE verifier and nonce are
-- derived from that cookie, so this table holds nothing an attacker could replay.
CREATE TABLE oauth_states (
    state_hash TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    browser_hash TEXT NOT NULL,
    redirect_to TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);

-- One-time login codes handed to the front end after a social sign-in (60 s, single use).
-- `meta` is the signing-in browser's IP, user agent, device and location (JSON), so the
-- session made when the code is redeemed describes that browser.
CREATE TABLE oauth_login_codes (
    code_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    meta TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX oauth_login_codes_expiry ON oauth_login_codes (expires_at);
