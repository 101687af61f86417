#pragma once
// Facebook Login (authorization code flow). The identity is read from the Graph
// API's /me with an appsecret_proof, so a leaked access token alone cannot be
// replayed.
#include "config/settings.hpp"
#include "oauth/provider.hpp"

#include <chrono>

namespace oauth {

class FacebookProvider final : public Provider {
public:
    FacebookProvider(const config::OAuthProviderSettings& settings, std::chrono::milliseconds timeout)
        : settings_(settings), timeout_(timeout) {}

    std::string_view name() const override { return "facebook"; }
    std::string authorization_url(const AuthorizationRequest& request) const override;
    Identity identify(const std::string& code, const std::string& redirect_uri, const std::string& code_verifier,
                      const std::string& nonce) override;

private:
    config::OAuthProviderSettings settings_;
    std::chrono::milliseconds timeout_;
};

}  // namespace oauth
