#pragma once
// Facebook Login (authorization code flow). The identity is read from the Graph
// API's /me with an appsecret_proof, so a leaked access token alone cannot be
// replayed.
#include "oauth/oauth2.hpp"

namespace oauth {

class FacebookProvider final : public ConfiguredProvider {
public:
    using ConfiguredProvider::ConfiguredProvider;

    std::string_view name() const override { return "facebook"; }
    std::string authorization_url(const AuthorizationRequest& request) const override;
    Identity identify(const std::string& code, const std::string& redirect_uri, const std::string& code_verifier,
                      const std::string& nonce) override;
};

}  // namespace oauth
