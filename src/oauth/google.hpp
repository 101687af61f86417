#pragma once
// Google sign-in (OpenID Connect, authorization code + PKCE). The identity
// comes from the ID token, trusted only after its RS256 signature (keys from
// Google's JWKS, cached as long as Cache-Control allows and refreshed on an
// unknown `kid`), issuer, audience, expiry, nonce and email_verified are
// checked.
#include "config/settings.hpp"
#include "oauth/provider.hpp"
#include "security/jwt.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>

namespace oauth {

// Google's signing keys by `kid`.
class JwksCache {
public:
    JwksCache(std::string url, std::chrono::milliseconds timeout) : url_(std::move(url)), timeout_(timeout) {}
    // The key for `kid`, fetching the set when it is stale, or when it lacks the
    // kid (a rotation) unless an unknown kid already forced a fetch in the last
    // 10 s. Throws ProviderError.
    security::RsaPublicKey key(const std::string& kid);

private:
    void refresh(std::chrono::steady_clock::time_point now);

    std::string url_;
    std::chrono::milliseconds timeout_;
    std::chrono::seconds forced_fetch_interval_{10};
    std::mutex mutex_;
    std::map<std::string, security::RsaPublicKey> keys_;
    std::chrono::steady_clock::time_point fresh_until_{};
    std::optional<std::chrono::steady_clock::time_point> last_forced_fetch_;
    bool fetched_ = false;
};

class GoogleProvider final : public Provider {
public:
    GoogleProvider(const config::OAuthProviderSettings& settings, std::chrono::milliseconds timeout)
        : settings_(settings), timeout_(timeout), jwks_(settings.identity_url, timeout) {}

    std::string_view name() const override { return "google"; }
    std::string authorization_url(const AuthorizationRequest& request) const override;
    Identity identify(const std::string& code, const std::string& redirect_uri, const std::string& code_verifier,
                      const std::string& nonce) override;

    // Checks a compact ID token as described above; `now_ms` is the current epoch
    // time.
    Identity verify_id_token(const std::string& id_token, const std::string& nonce, std::int64_t now_ms);

private:
    config::OAuthProviderSettings settings_;
    std::chrono::milliseconds timeout_;
    JwksCache jwks_;
};

}  // namespace oauth
