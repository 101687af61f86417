#include "accounts/users.hpp"

#include "accounts/validation.hpp"

#include <soci/soci.h>

namespace accounts {

std::optional<User> UserRepository::one(soci::session& s, const std::string& column, const std::string& value) const {
    // `column` is one of our own constants, never user input.
    soci::rowset<soci::row> rows =
        (s.prepare << "SELECT id, username, email, password_hash, created_at, updated_at, last_login_at FROM users WHERE " +
                          column + " = :v",
         soci::use(value));
    std::optional<User> out;
    for (const auto& r : rows) {
        User u;
        u.id = r.get<std::string>(0);
        u.username = r.get<std::string>(1);
        u.email = r.get<std::string>(2);
        if (r.get_indicator(3) == soci::i_ok) u.password_hash = r.get<std::string>(3);
        u.created_at = r.get<long long>(4);
        u.updated_at = r.get<long long>(5);
        if (r.get_indicator(6) == soci::i_ok) u.last_login_at = r.get<long long>(6);
        out = std::move(u);
    }
    if (out) {
        soci::rowset<std::string> providers =
            (s.prepare << "SELECT provider FROM oauth_accounts WHERE user_id = :id ORDER BY provider", soci::use(out->id));
        for (const auto& p : providers) out->oauth_providers.push_back(p);
    }
    return out;
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
