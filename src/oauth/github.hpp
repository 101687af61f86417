#pragma once
// GitHub sign-in (OAuth 2 authorization code with PKCE; GitHub is not an OpenID provider).
// The identity is the account's numeric id from /user; the email is the one GitHub marks
// primary and verified in /user/emails, and nothing else.
#include "config/settings.hpp"
#include "oauth/provider.hpp"

#include <chrono>

namespace oauth {

class GitHubProvider final : public Provider {
public:
    GitHubProvider(const config::OAuthProviderSettings& settings, std::chrono::milliseconds timeout)
        : settings_(settings), timeout_(timeout) {}

    std::string_view name() const override { return "github"; }
    std::string authorization_url(const AuthorizationRequest& request) const override;
    Identity identify(const std::string& code, const std::string& redirect_uri, const std::string& code_verifier,
                      const std::string& nonce) override;

private:
    config::OAuthProviderSettings settings_;
    std::chrono::milliseconds timeout_;
};

// The primary, verified address of a /user/emails answer, or "". Exposed for the fuzz target.
std::string primary_verified_email(std::string_view emails_json);

}  // namespace oauth
