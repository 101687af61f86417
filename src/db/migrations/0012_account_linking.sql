-- Explicit account linking: the address a provider gave for a linked identity (its owner
-- sees it in GET /api/users/@me; it goes with the account), and the user a flow in flight
-- links the identity to (NULL: a sign-in).
ALTER TABLE oauth_accounts ADD COLUMN email TEXT;
ALTER TABLE oauth_states ADD COLUMN link_user_id TEXT;
