#pragma once
// Social sign-in: start a flow (state bound to the browser,
// PKCE), finish it on the callback (verify, apply the account rules, hand out a
// one-time login code), and redeem that code for a session.
#include "accounts/service.hpp"
#include "mfa/passkey_store.hpp"
#include "db/pool.hpp"
#include "oauth/provider.hpp"
#include "oauth/store.hpp"
#include "sessions/session_store.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace oauth {

struct SignInPolicy {
    std::string public_url;                    // this server, for the callback URLs
    std::vector<std::string> allowed_origins;  // where redirect_to may point
    std::string default_redirect;              // redirect_to when none is given (APP_URL)
    std::chrono::milliseconds state_ttl{std::chrono::minutes(10)};
    std::chrono::milliseconds login_code_ttl{std::chrono::seconds(60)};
};

// What the login route answers: send the browser to `authorization_url` and
// give it the `browser_secret` cookie.
struct SignInStart {
    std::string authorization_url;
    std::string browser_secret;
};

// What the provider sent back to the callback.
struct CallbackParams {
    std::optional<std::string> state;
    std::optional<std::string> code;
    std::optional<std::string> error;
    std::optional<std::string> iss;  // RFC 9207: the issuer that answered, when it says
};

class SocialSignIn {
public:
    SocialSignIn(db::Pool& pool, accounts::AccountService& accounts, SignInPolicy policy)
        : pool_(pool), accounts_(accounts), policy_(std::move(policy)) {}

    void add(std::unique_ptr<Provider> provider);
    bool enabled(std::string_view provider) const { return providers_.contains(std::string(provider)); }
    std::vector<std::string> enabled_providers() const;
    std::string callback_url(std::string_view provider) const;

    // Refuses (common::Refusal) a disabled provider (not found) and a redirect_to
    // outside the allowed origins. `link_user_id`: the flow links the identity to that
    // user instead of signing in.
    SignInStart begin(const std::string& provider, const std::optional<std::string>& redirect_to,
                      const std::optional<std::string>& link_user_id = std::nullopt);
    // A flow that links the provider's identity to the caller's account (recent sign-in
    // required). Its callback ends on redirect_to with ?linked=<provider>, or with
    // ?error_code=oauth_identity_in_use (linked to another account) or
    // oauth_provider_already_linked (the caller has another identity of this provider).
    SignInStart begin_link(const std::string& provider, const sessions::Authenticated& viewer,
                           const std::optional<std::string>& redirect_to);
    // Removes the caller's identity of `provider` (recent sign-in required). Refuses when
    // none is linked (404) and when it is the account's last way to sign in (no password,
    // passkey or other provider).
    void unlink(const std::string& provider, const sessions::Authenticated& viewer, const sessions::RequestMeta& meta);
    // Always answers where to send the browser: redirect_to with ?code=..., or
    // with
    // ?error_code=oauth_callback|oauth_account_create|oauth_account_not_linked.
    std::string complete(const std::string& provider, const CallbackParams& params,
                         const std::optional<std::string>& browser_secret, const sessions::RequestMeta& meta);
    // The login code's session. Refuses (invalid input) a code that is unknown, used
    // or expired.
    accounts::SignInOutcome redeem(const std::string& login_code);

private:
    Provider& provider(const std::string& name) const;
    // The user this identity signs in as; creates a password-less account when
    // the email is free. Throws SignInRefused.
    accounts::User resolve_account(db::Transaction& tx, const std::string& provider, const Identity& identity,
                                   const sessions::RequestMeta& meta, std::int64_t now);
    std::string unique_username(soci::session& s, const std::string& email) const;
    // The end of a link flow: where to send the browser.
    std::string finish_link(const std::string& provider, const PendingSignIn& pending, const Identity& identity,
                            const sessions::RequestMeta& meta);

    db::Pool& pool_;
    accounts::AccountService& accounts_;
    SignInPolicy policy_;
    std::map<std::string, std::unique_ptr<Provider>> providers_;
    OAuthStore store_;
    accounts::UserRepository users_;
    mfa::PasskeyStore passkeys_;
};

}  // namespace oauth
