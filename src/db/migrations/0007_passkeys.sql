-- Passkeys: WebAuthn credentials. id is the credential id (base64url); public_key its COSE
-- key (base64url; public, nothing to seal); sign_count the last signature counter seen,
-- which must grow when the authenticator keeps one. Times are Unix epoch milliseconds.
CREATE TABLE passkeys (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    public_key TEXT NOT NULL,
    algorithm INTEGER NOT NULL,
    sign_count BIGINT NOT NULL,
    aaguid TEXT NOT NULL,
    backed_up INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX passkeys_user ON passkeys (user_id);

-- Challenges of WebAuthn ceremonies, by their sha256: single use, five minutes. A
-- registration's is bound to its user; a sign-in's to its second-factor ticket, or to
-- nobody for a passwordless sign-in (the credential then names the user).
CREATE TABLE webauthn_challenges (
    challenge_hash TEXT PRIMARY KEY,
    purpose TEXT NOT NULL CHECK (purpose IN ('register', 'sign_in')),
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    ticket_hash TEXT,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
