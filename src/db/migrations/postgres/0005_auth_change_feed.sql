-- Each server keeps who a bearer token belongs to in memory (accounts::ViewerCache), so
-- GET /api/users/@me need not query the database every time. Every change that could alter
-- that answer is announced at commit on the channel starter_auth with the user's id,
-- whichever process or person made it; each server LISTENs and forgets that user.
CREATE FUNCTION starter_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('starter_auth', OLD.id);
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM pg_notify('starter_auth', NEW.user_id);
    ELSE
        PERFORM pg_notify('starter_auth', OLD.user_id);
        IF TG_OP = 'UPDATE' AND NEW.user_id IS DISTINCT FROM OLD.user_id THEN
            PERFORM pg_notify('starter_auth', NEW.user_id);
        END IF;
    END IF;
    RETURN NULL;
END
$fn$;

-- A user row: name, email, password, login time, deletion.
CREATE TRIGGER users_auth_changed AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION starter_auth_changed();
-- A session: logout, revocation, deletion (a last_active_at refresh is not announced).
CREATE TRIGGER sessions_auth_deleted AFTER DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION starter_auth_changed();
CREATE TRIGGER sessions_auth_changed AFTER UPDATE ON sessions
    FOR EACH ROW
    WHEN (OLD.token_hash IS DISTINCT FROM NEW.token_hash OR OLD.logged_out_at IS DISTINCT FROM NEW.logged_out_at
          OR OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION starter_auth_changed();
-- A linked Google or Facebook account (the user's auth_providers).
CREATE TRIGGER oauth_accounts_auth_changed AFTER INSERT OR UPDATE OR DELETE ON oauth_accounts
    FOR EACH ROW EXECUTE FUNCTION starter_auth_changed();
