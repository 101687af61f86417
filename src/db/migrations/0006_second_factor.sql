-- Second factors. Times are Unix epoch milliseconds (UTC).
--
-- One TOTP authenticator per user. Its secret is sealed (AES-256-GCM under the
-- data-encryption key, bound to the user's id), so a dump of this table alone does not
-- give the codes away. confirmed_at is NULL while the enrolment waits for its first code:
-- such a row does not count as a factor. last_used_step refuses a code seen before.
CREATE TABLE totp_factors (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed TEXT NOT NULL,
    confirmed_at BIGINT,
    last_used_step BIGINT,
    created_at BIGINT NOT NULL
);

-- Single-use recovery codes; only a keyed hash of each is stored.
CREATE TABLE recovery_codes (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- A sign-in whose password (or social provider) was proven and whose second factor is
-- still owed. Only the ticket's sha256 is stored; `meta` is the request's device as JSON.
CREATE TABLE mfa_tickets (
    ticket_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    meta TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Whether sign-in asks for a second factor (a confirmed one exists): kept on the user's row,
-- which every authenticated read has already, in the transaction that adds or removes a factor.
ALTER TABLE users ADD COLUMN mfa_enabled INTEGER NOT NULL DEFAULT 0;

-- When the session last proved its owner again (password or factor), for the calls that
-- need a recent authentication.
ALTER TABLE sessions ADD COLUMN reauthenticated_at BIGINT;
