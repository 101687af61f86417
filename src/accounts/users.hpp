#pragma once
// The users table (and the social links that make up `auth_providers`).
#include "db/pool.hpp"

#include <soci/session.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace accounts {

// A provider identity linked to an account, as its owner sees it.
struct LinkedIdentity {
    std::string provider;  // "google", "github", an OAUTH_PROVIDERS name
    std::string email;     // the address the provider gave; "" when it gave none
};

struct User {
    std::string id;
    std::string username;
    std::string email;
    std::optional<std::string> password_hash;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::optional<std::int64_t> last_login_at;
    std::vector<LinkedIdentity> oauth_providers;  // by provider name
    bool mfa_enabled = false;                     // a confirmed second factor: sign-in asks for it
    std::optional<std::int64_t> disabled_at;      // by an operator: every sign-in is refused
    std::optional<std::int64_t> erase_after;      // deletion asked for: erased then, unless a sign-in comes first
    std::string role = "user";                    // or "admin": may use /api/admin
    std::string locale = "en";                    // the language of their emails (notify::kLocales)

    bool has_password() const { return password_hash.has_value(); }
    bool linked_to(std::string_view provider) const {
        return std::any_of(oauth_providers.begin(), oauth_providers.end(),
                           [&](const LinkedIdentity& l) { return l.provider == provider; });
    }
    bool is_admin() const { return role == "admin"; }
};

// A live (not logged out) session row and its user, read together.
struct SessionUser {
    std::string session_id;
    std::int64_t session_created_at = 0;
    std::int64_t session_last_active_at = 0;
    User user;
};

class UserRepository {
public:
    std::optional<User> by_id(soci::session& s, const std::string& id) const;
    std::optional<User> by_id(db::Lease& lease, const std::string& id) const;  // prepared once per connection
    // The session whose token has this sha256, with its user, in one prepared statement.
    std::optional<SessionUser> by_session_token_hash(db::Lease& lease, const std::string& token_hash) const;
    std::optional<User> by_email(soci::session& s, const std::string& email) const;  // case-insensitive
    // Locks the account's row until the transaction ends (PostgreSQL: FOR UPDATE; SQLite's
    // transactions hold the write lock already) and says whether it may sign in now: false
    // when it is disabled, nullopt when it is gone.
    std::optional<bool> lock_for_sign_in(soci::session& tx, const std::string& id) const;
    std::optional<User> by_username(soci::session& s, const std::string& username) const;  // case-insensitive
    void insert(soci::session& s, const User& u) const;
    // The writes below change what a session's viewer sees: each tells on_change() once its
    // transaction commits.
    void set_password(db::Transaction& tx, const std::string& id, const std::string& hash, std::int64_t now) const;
    // In a transaction: locks the user's row until it ends and tells whether its password
    // hash is still `expected` (nullopt: no password). A change decided on a hash read
    // before the transaction (a login, a password change) goes ahead only when this holds,
    // so two requests that verified the same password cannot both act on it.
    bool password_still(soci::session& tx, const std::string& id, const std::optional<std::string>& expected) const;
    void set_username(db::Transaction& tx, const std::string& id, const std::string& username, std::int64_t now) const;
    void set_email(db::Transaction& tx, const std::string& id, const std::string& email, std::int64_t now) const;
    void touch_login(db::Transaction& tx, const std::string& id, std::int64_t now) const;
    void set_mfa_enabled(db::Transaction& tx, const std::string& id, bool enabled, std::int64_t now) const;
    void set_disabled(db::Transaction& tx, const std::string& id, std::optional<std::int64_t> since, std::int64_t now) const;
    void set_role(db::Transaction& tx, const std::string& id, const std::string& role, std::int64_t now) const;
    void set_locale(db::Transaction& tx, const std::string& id, const std::string& locale, std::int64_t now) const;
    // An identity was linked to or unlinked from the user (oauth_accounts): the user's
    // linked_providers changed, so updated_at moves and on_change() is told.
    void identities_changed(db::Transaction& tx, const std::string& id, std::int64_t now) const;
    // Users whose username or email starts with `prefix` (case-insensitive; empty: all), by
    // username, those after `after_username` (a previous page's last), `limit` at most.
    std::vector<User> search(soci::session& s, const std::string& prefix, const std::string& after_username, int limit) const;
    // Schedules (a time) or cancels (nullopt) the account's erasure.
    void set_erase_after(db::Transaction& tx, const std::string& id, std::optional<std::int64_t> at, std::int64_t now) const;
    // The accounts whose erasure is due at `now`, `limit` at most.
    std::vector<std::string> due_for_erasure(soci::session& s, std::int64_t now, int limit) const;
    // Deletes the user's row; every row that references it goes with it (ON DELETE CASCADE).
    void remove(db::Transaction& tx, const std::string& id) const;
    // Told the user's id after each committed write above (null: nobody listens).
    void on_change(std::function<void(const std::string& user_id)> hook) { changed_ = std::move(hook); }

private:
    // Sets (a time) or clears (nullopt) one of the users' nullable time columns (ours, never input).
    void set_time(db::Transaction& tx, const std::string& id, const char* column, std::optional<std::int64_t> at,
                  std::int64_t now) const;
    std::optional<User> one(soci::session& s, const std::string& column, const std::string& value) const;
    void changed(db::Transaction& tx, const std::string& id) const;

    std::function<void(const std::string&)> changed_;
};

}  // namespace accounts
