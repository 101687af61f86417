#pragma once
// GitHub sign-in (OAuth 2 authorization code with PKCE; GitHub is not an OpenID provider).
// The identity is the account's numeric id from /user; the email is the one GitHub marks
// primary and verified in /user/emails, and nothing else.
#include "oauth/oauth2.hpp"

namespace oauth {

class GitHubProvider final : public ConfiguredProvider {
public:
    using ConfiguredProvider::ConfiguredProvider;

    std::string_view name() const override { return "github"; }
    std::string authorization_url(const AuthorizationRequest& request) const override;
    Identity identify(const std::string& code, const std::string& redirect_uri, const std::string& code_verifier,
                      const std::string& nonce) override;
};

// The primary, verified address of a /user/emails answer, or "". Exposed for the fuzz target.
std::string primary_verified_email(std::string_view emails_json);

}  // namespace oauth
