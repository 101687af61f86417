#pragma once
// A provider set up by a client id, secret and fixed endpoints (config::OAuthProviderSettings):
// what Facebook and GitHub share.
#include "config/settings.hpp"
#include "oauth/provider.hpp"

#include <chrono>

namespace oauth {

class ConfiguredProvider : public Provider {
public:
    ConfiguredProvider(const config::OAuthProviderSettings& settings, std::chrono::milliseconds timeout)
        : settings_(settings), timeout_(timeout) {}

protected:
    config::OAuthProviderSettings settings_;
    std::chrono::milliseconds timeout_;  // each call to the provider
};

}  // namespace oauth
