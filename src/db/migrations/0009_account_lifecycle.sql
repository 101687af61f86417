-- Account lifecycle. disabled_at: an operator disabled the account (every sign-in is
-- refused). erase_after: its owner asked for deletion; the account's data is erased then,
-- unless a sign-in cancels it first. Times are Unix epoch milliseconds.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
ALTER TABLE users ADD COLUMN erase_after BIGINT;
CREATE INDEX users_erase_after ON users (erase_after);
