#include "accounts/users.hpp"

#include "accounts/validation.hpp"
#include "common/text.hpp"
#include "db/like.hpp"

#include <soci/soci.h>

namespace accounts {

namespace {

// The columns of a user (table alias `u`) as SOCI binds them, shared by every statement
// that reads users: the providers come aggregated into one comma-separated column.
struct UserColumns {
    std::string id, username, email, hash, linked, role, locale;
    long long created = 0, updated = 0, last_login = 0, disabled = 0, erase = 0;
    int mfa = 0;
    soci::indicator hash_ind = soci::i_null, login_ind = soci::i_null, linked_ind = soci::i_null, disabled_ind = soci::i_null,
                    erase_ind = soci::i_null;

    static std::string select(bool pg) {
        // "provider email" per linked identity, one per line (neither holds a space or a line end).
        const std::string providers =
            pg ? "(SELECT string_agg(provider || ' ' || COALESCE(email, ''), E'\\n' ORDER BY provider) FROM oauth_accounts "
                 "WHERE user_id = u.id)"
               : "(SELECT group_concat(provider || ' ' || COALESCE(email, ''), char(10)) FROM (SELECT provider, email FROM "
                 "oauth_accounts WHERE user_id = u.id ORDER BY provider))";
        return "u.id, u.username, u.email, u.password_hash, u.created_at, u.updated_at, u.last_login_at, " + providers +
               ", u.mfa_enabled, u.disabled_at, u.erase_after, u.role, u.locale";
    }

    soci::details::prepare_temp_type& bind(soci::details::prepare_temp_type& p) {
        return p, soci::into(id), soci::into(username), soci::into(email), soci::into(hash, hash_ind), soci::into(created),
               soci::into(updated), soci::into(last_login, login_ind), soci::into(linked, linked_ind), soci::into(mfa),
               soci::into(disabled, disabled_ind), soci::into(erase, erase_ind), soci::into(role), soci::into(locale);
    }

    User take() const {
        User u;
        u.id = id;
        u.username = username;
        u.email = email;
        if (hash_ind == soci::i_ok) u.password_hash = hash;
        u.created_at = created;
        u.updated_at = updated;
        if (login_ind == soci::i_ok) u.last_login_at = last_login;
        u.mfa_enabled = mfa != 0;
        if (disabled_ind == soci::i_ok) u.disabled_at = disabled;
        if (erase_ind == soci::i_ok) u.erase_after = erase;
        u.role = role;
        u.locale = locale;
        if (linked_ind == soci::i_ok) {
            std::string_view rest = linked;
            while (!rest.empty()) {
                auto line = rest.substr(0, rest.find('\n'));
                auto space = line.find(' ');
                u.oauth_providers.push_back({std::string(line.substr(0, space)), space == std::string_view::npos
                                                                                     ? std::string()
                                                                                     : std::string(line.substr(space + 1))});
                rest = line.size() == rest.size() ? std::string_view() : rest.substr(line.size() + 1);
            }
        }
        return u;
    }
};

bool is_postgres(soci::session& s) { return s.get_backend_name() == "postgresql"; }

// A user by one column. `column` is one of our own constants, never user input.
struct UserLookup : db::Prepared {
    std::string value;
    UserColumns row;
    soci::statement st;

    UserLookup(soci::session& s, const std::string& column)
        : st(row.bind((s.prepare << "SELECT " + UserColumns::select(is_postgres(s)) + " FROM users u WHERE u." + column + " = :v",
                       soci::use(value)))) {}

    std::optional<User> run(std::string key) {
        // libpq reads a bound string up to its first NUL: such a key must match nothing
        // rather than the account named by its prefix (the API refuses these with a 422).
        if (key.find('\0') != std::string::npos) return std::nullopt;
        value = std::move(key);
        if (!st.execute(true)) return std::nullopt;  // no row: the into variables keep stale values
        auto user = row.take();
        db::finish(st);
        return user;
    }
};

// Every authenticated request reads its user by id: prepared once per connection.
struct UserById : UserLookup {
    explicit UserById(soci::session& s) : UserLookup(s, "id") {}
};

// GET /api/users/@me, the hottest authenticated read: the live session of a token hash and
// its user in one statement (one round trip on PostgreSQL instead of two).
struct UserBySessionToken : db::Prepared {
    std::string hash, session_id;
    long long session_created = 0, session_active = 0;
    UserColumns row;
    soci::statement st;

    explicit UserBySessionToken(soci::session& s)
        : st(row.bind((s.prepare << "SELECT s.id, s.created_at, s.last_active_at, " + UserColumns::select(is_postgres(s)) +
                                        " FROM sessions s JOIN users u ON u.id = s.user_id"
                                        " WHERE s.token_hash = :h AND s.logged_out_at IS NULL",
                       soci::use(hash), soci::into(session_id), soci::into(session_created), soci::into(session_active)))) {}
};

}  // namespace

std::optional<User> UserRepository::one(soci::session& s, const std::string& column, const std::string& value) const {
    return UserLookup(s, column).run(value);
}

std::optional<User> UserRepository::by_id(db::Lease& lease, const std::string& id) const {
    return lease.prepared<UserById>().run(id);
}

std::optional<SessionUser> UserRepository::by_session_token_hash(db::Lease& lease, const std::string& token_hash) const {
    auto& q = lease.prepared<UserBySessionToken>();
    q.hash = token_hash;
    if (!q.st.execute(true)) return std::nullopt;
    SessionUser out{q.session_id, q.session_created, q.session_active, q.row.take()};
    db::finish(q.st);
    return out;
}
std::optional<User> UserRepository::by_id(soci::session& s, const std::string& id) const { return one(s, "id", id); }
std::optional<User> UserRepository::by_email(soci::session& s, const std::string& email) const {
    return one(s, "email_key", common::ascii_lower(email));
}
std::optional<User> UserRepository::by_username(soci::session& s, const std::string& username) const {
    return one(s, "username_key", common::ascii_lower(username));
}

void UserRepository::insert(soci::session& s, const User& u) const {
    std::string ukey = common::ascii_lower(u.username), ekey = common::ascii_lower(u.email);
    soci::indicator hash_ind = u.password_hash ? soci::i_ok : soci::i_null;
    std::string hash = u.password_hash.value_or("");
    long long created = u.created_at, updated = u.updated_at;
    s << "INSERT INTO users (id, username, username_key, email, email_key, password_hash, created_at, updated_at, locale) "
         "VALUES (:id, :username, :ukey, :email, :ekey, :hash, :created, :updated, :locale)",
        soci::use(u.id), soci::use(u.username), soci::use(ukey), soci::use(u.email), soci::use(ekey), soci::use(hash, hash_ind),
        soci::use(created), soci::use(updated), soci::use(u.locale);
}

void UserRepository::changed(db::Transaction& tx, const std::string& id) const {
    if (changed_) tx.after_commit([hook = changed_, id] { hook(id); });
}

void UserRepository::set_password(db::Transaction& tx, const std::string& id, const std::string& hash, std::int64_t now) const {
    long long t = now;
    changed(tx, id);
    tx.session() << "UPDATE users SET password_hash = :h, updated_at = :t WHERE id = :id", soci::use(hash), soci::use(t),
        soci::use(id);
}

std::optional<bool> UserRepository::lock_for_sign_in(soci::session& tx, const std::string& id) const {
    std::string found;
    long long disabled = 0;
    soci::indicator disabled_ind = soci::i_null;
    const std::string sql =
        std::string("SELECT id, disabled_at FROM users WHERE id = :id") + (is_postgres(tx) ? " FOR UPDATE" : "");
    tx << sql, soci::use(id), soci::into(found), soci::into(disabled, disabled_ind);
    if (!tx.got_data()) return std::nullopt;
    return disabled_ind != soci::i_ok;
}

bool UserRepository::password_still(soci::session& tx, const std::string& id, const std::optional<std::string>& expected) const {
    std::string hash, found;
    soci::indicator hash_ind = soci::i_null;
    // SQLite: the transaction already holds the database's write lock (BEGIN IMMEDIATE).
    const std::string sql =
        std::string("SELECT id, password_hash FROM users WHERE id = :id") + (is_postgres(tx) ? " FOR UPDATE" : "");
    tx << sql, soci::use(id), soci::into(found), soci::into(hash, hash_ind);
    if (!tx.got_data()) return false;
    if (!expected) return hash_ind != soci::i_ok;
    return hash_ind == soci::i_ok && hash == *expected;
}

void UserRepository::set_username(db::Transaction& tx, const std::string& id, const std::string& username,
                                  std::int64_t now) const {
    std::string key = common::ascii_lower(username);
    long long t = now;
    changed(tx, id);
    tx.session() << "UPDATE users SET username = :u, username_key = :k, updated_at = :t WHERE id = :id", soci::use(username),
        soci::use(key), soci::use(t), soci::use(id);
}

void UserRepository::set_email(db::Transaction& tx, const std::string& id, const std::string& email, std::int64_t now) const {
    std::string key = common::ascii_lower(email);
    long long t = now;
    changed(tx, id);
    tx.session() << "UPDATE users SET email = :e, email_key = :k, updated_at = :t WHERE id = :id", soci::use(email),
        soci::use(key), soci::use(t), soci::use(id);
}

void UserRepository::touch_login(db::Transaction& tx, const std::string& id, std::int64_t now) const {
    long long t = now;
    changed(tx, id);
    tx.session() << "UPDATE users SET last_login_at = :t WHERE id = :id", soci::use(t), soci::use(id);
}

void UserRepository::set_mfa_enabled(db::Transaction& tx, const std::string& id, bool enabled, std::int64_t now) const {
    long long t = now;
    int value = enabled ? 1 : 0;
    changed(tx, id);
    tx.session() << "UPDATE users SET mfa_enabled = :m, updated_at = :t WHERE id = :id", soci::use(value), soci::use(t),
        soci::use(id);
}

void UserRepository::set_time(db::Transaction& tx, const std::string& id, const char* column, std::optional<std::int64_t> at,
                              std::int64_t now) const {
    long long t = now, when = at.value_or(0);
    soci::indicator when_ind = at ? soci::i_ok : soci::i_null;
    changed(tx, id);
    tx.session() << "UPDATE users SET " + std::string(column) + " = :a, updated_at = :t WHERE id = :id",
        soci::use(when, when_ind), soci::use(t), soci::use(id);
}

void UserRepository::set_erase_after(db::Transaction& tx, const std::string& id, std::optional<std::int64_t> at,
                                     std::int64_t now) const {
    set_time(tx, id, "erase_after", at, now);
}

void UserRepository::set_disabled(db::Transaction& tx, const std::string& id, std::optional<std::int64_t> since,
                                  std::int64_t now) const {
    set_time(tx, id, "disabled_at", since, now);
}

void UserRepository::set_role(db::Transaction& tx, const std::string& id, const std::string& role, std::int64_t now) const {
    long long t = now;
    changed(tx, id);
    tx.session() << "UPDATE users SET role = :r, updated_at = :t WHERE id = :id", soci::use(role), soci::use(t), soci::use(id);
}

void UserRepository::set_locale(db::Transaction& tx, const std::string& id, const std::string& locale, std::int64_t now) const {
    long long t = now;
    changed(tx, id);
    tx.session() << "UPDATE users SET locale = :l, updated_at = :t WHERE id = :id", soci::use(locale), soci::use(t),
        soci::use(id);
}

void UserRepository::identities_changed(db::Transaction& tx, const std::string& id, std::int64_t now) const {
    long long t = now;
    changed(tx, id);
    tx.session() << "UPDATE users SET updated_at = :t WHERE id = :id", soci::use(t), soci::use(id);
}

std::vector<User> UserRepository::search(soci::session& s, const std::string& prefix, const std::string& after_username,
                                         int limit) const {
    const std::string pattern = db::like_escaped(common::ascii_lower(prefix)) + "%";
    const std::string after = common::ascii_lower(after_username);
    UserColumns row;
    soci::statement st =
        row.bind((s.prepare << "SELECT " + UserColumns::select(is_postgres(s)) +
                                   " FROM users u WHERE (u.username_key LIKE :p ESCAPE '!' OR u.email_key LIKE "
                                   ":p2 ESCAPE '!') AND u.username_key > :after ORDER BY u.username_key LIMIT :n",
                  soci::use(pattern), soci::use(pattern), soci::use(after), soci::use(limit)));
    st.execute();
    std::vector<User> out;
    while (st.fetch()) {
        out.push_back(row.take());
        row = UserColumns{};
    }
    return out;
}

std::vector<std::string> UserRepository::due_for_erasure(soci::session& s, std::int64_t now, int limit) const {
    long long t = now;
    std::vector<std::string> ids;
    soci::rowset<std::string> rows = (s.prepare << "SELECT id FROM users WHERE erase_after <= :t ORDER BY erase_after LIMIT :n",
                                      soci::use(t), soci::use(limit));
    for (const auto& id : rows) ids.push_back(id);
    return ids;
}

void UserRepository::remove(db::Transaction& tx, const std::string& id) const {
    changed(tx, id);
    tx.session() << "DELETE FROM users WHERE id = :id", soci::use(id);
}

}  // namespace accounts
