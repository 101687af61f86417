#pragma once
// The SQL of social sign-in: flows in flight (states), one-time login codes,
// and the links between provider identities and users (oauth_accounts).
#include <soci/session.h>

#include <cstdint>
#include <optional>
#include <string>

namespace oauth {

struct PendingSignIn {
    std::string provider;
    std::string browser_hash;
    std::string redirect_to;
    std::int64_t expires_at = 0;
    std::optional<std::string> link_user_id;  // a link flow: the identity goes to this user
};

struct LoginGrant {
    std::string user_id;
    std::string provider;
    std::string meta_json;
};

class OAuthStore {
public:
    // Also drops expired states, so the table only holds flows in flight.
    void save_state(soci::session& s, const std::string& state_hash, const PendingSignIn& p, std::int64_t now) const;
    std::optional<PendingSignIn> find_state(soci::session& s, const std::string& state_hash) const;
    // True when this call removed the state (and so owns the flow).
    bool delete_state(soci::session& s, const std::string& state_hash) const;

    void save_login_code(soci::session& s, const std::string& code_hash, const LoginGrant& g, std::int64_t expires_at,
                         std::int64_t now) const;
    // The unexpired grant, removed in the same step so it is redeemed once.
    std::optional<LoginGrant> take_login_code(soci::session& s, const std::string& code_hash, std::int64_t now) const;

    std::optional<std::string> linked_user(soci::session& s, const std::string& provider, const std::string& subject) const;
    void link(soci::session& s, const std::string& user_id, const std::string& provider, const std::string& subject,
              const std::string& email, std::int64_t now) const;
    // True when the user had an identity of this provider, now gone.
    bool unlink(soci::session& s, const std::string& user_id, const std::string& provider) const;
};

}  // namespace oauth
