#include "accounts/users.hpp"

#include "accounts/validation.hpp"

#include <soci/soci.h>

namespace accounts {

namespace {

// A user by one column, in one statement with typed columns: the providers come aggregated
// into one comma-separated column. `column` is one of our own constants, never user input.
struct UserLookup : db::Prepared {
    std::string value;
    std::string id, username, email, hash, linked;
    long long created = 0, updated = 0, last_login = 0;
    soci::indicator hash_ind = soci::i_null, login_ind = soci::i_null, linked_ind = soci::i_null;
    soci::statement st;

    UserLookup(soci::session& s, const std::string& column)
        : st((s.prepare << sql(s.get_backend_name() == "postgresql", column), soci::use(value), soci::into(id),
              soci::into(username), soci::into(email), soci::into(hash, hash_ind), soci::into(created), soci::into(updated),
              soci::into(last_login, login_ind), soci::into(linked, linked_ind))) {}

    static std::string sql(bool pg, const std::string& column) {
        const std::string providers =
            pg ? "(SELECT string_agg(provider, ',' ORDER BY provider) FROM oauth_accounts WHERE user_id = users.id)"
               : "(SELECT group_concat(provider, ',') FROM (SELECT provider FROM oauth_accounts "
                 "WHERE user_id = users.id ORDER BY provider))";
        return "SELECT id, username, email, password_hash, created_at, updated_at, last_login_at, " + providers +
               " FROM users WHERE " + column + " = :v";
    }

    std::optional<User> run(std::string key) {
        value = std::move(key);
        if (!st.execute(true)) return std::nullopt;  // no row: the into variables keep stale values
        User u;
        u.id = id;
        u.username = username;
        u.email = email;
        if (hash_ind == soci::i_ok) u.password_hash = hash;
        u.created_at = created;
        u.updated_at = updated;
        if (login_ind == soci::i_ok) u.last_login_at = last_login;
        if (linked_ind == soci::i_ok) {
            std::string_view rest = linked;
            while (!rest.empty()) {
                auto comma = rest.find(',');
                u.oauth_providers.emplace_back(rest.substr(0, comma));
                rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
            }
        }
        return u;
    }
};

// Every authenticated request reads its user by id: prepared once per connection.
struct UserById : UserLookup {
    explicit UserById(soci::session& s) : UserLookup(s, "id") {}
};

}  // namespace

std::optional<User> UserRepository::one(soci::session& s, const std::string& column, const std::string& value) const {
    return UserLookup(s, column).run(value);
}

std::optional<User> UserRepository::by_id(db::Lease& lease, const std::string& id) const {
    return lease.prepared<UserById>().run(id);
}
std::optional<User> UserRepository::by_id(soci::session& s, const std::string& id) const { return one(s, "id", id); }
std::optional<User> UserRepository::by_email(soci::session& s, const std::string& email) const {
    return one(s, "email_key", lower(email));
}
std::optional<User> UserRepository::by_username(soci::session& s, const std::string& username) const {
    return one(s, "username_key", lower(username));
}

void UserRepository::insert(soci::session& s, const User& u) const {
    std::string ukey = lower(u.username), ekey = lower(u.email);
    soci::indicator hash_ind = u.password_hash ? soci::i_ok : soci::i_null;
    std::string hash = u.password_hash.value_or("");
    long long created = u.created_at, updated = u.updated_at;
    s << "INSERT INTO users (id, username, username_key, email, email_key, password_hash, created_at, updated_at) "
         "VALUES (:id, :username, :ukey, :email, :ekey, :hash, :created, :updated)",
        soci::use(u.id), soci::use(u.username), soci::use(ukey), soci::use(u.email), soci::use(ekey), soci::use(hash, hash_ind),
        soci::use(created), soci::use(updated);
}

void UserRepository::set_password(soci::session& s, const std::string& id, const std::string& hash, std::int64_t now) const {
    long long t = now;
    s << "UPDATE users SET password_hash = :h, updated_at = :t WHERE id = :id", soci::use(hash), soci::use(t), soci::use(id);
}

void UserRepository::set_username(soci::session& s, const std::string& id, const std::string& username, std::int64_t now) const {
    std::string key = lower(username);
    long long t = now;
    s << "UPDATE users SET username = :u, username_key = :k, updated_at = :t WHERE id = :id", soci::use(username), soci::use(key),
        soci::use(t), soci::use(id);
}

void UserRepository::set_email(soci::session& s, const std::string& id, const std::string& email, std::int64_t now) const {
    std::string key = lower(email);
    long long t = now;
    s << "UPDATE users SET email = :e, email_key = :k, updated_at = :t WHERE id = :id", soci::use(email), soci::use(key),
        soci::use(t), soci::use(id);
}

void UserRepository::touch_login(soci::session& s, const std::string& id, std::int64_t now) const {
    long long t = now;
    s << "UPDATE users SET last_login_at = :t WHERE id = :id", soci::use(t), soci::use(id);
}

}  // namespace accounts
