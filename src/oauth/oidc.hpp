#pragma once
// Sign-in with any OpenID Connect provider (authorization code + PKCE + nonce): Google,
// Keycloak, Authentik, Okta, Microsoft Entra, a company's own. Its endpoints come from
// the issuer's discovery document (or are given, as for Google); the identity comes from
// the ID token, trusted only after its signature (RS256 or ES256, keys from the
// provider's JWKS, refetched when it rotates), issuer, audience, expiry and nonce are
// checked; the email counts only when the provider says it is verified. A provider that
// keeps the email out of the ID token is asked at its userinfo endpoint.
#include "http/outbound.hpp"
#include "oauth/provider.hpp"
#include "security/jwt.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace config {
struct OAuthProviderSettings;
}

namespace oauth {

struct OidcSettings {
    std::string name;                        // in the routes: /api/oauth/<name>/...
    std::string issuer;                      // exactly as its ID tokens' `iss` and its discovery document say
    std::vector<std::string> other_issuers;  // also accepted as `iss` (Google: "accounts.google.com")
    std::string client_id;
    std::string client_secret;
    // All empty: discovered from <issuer>/.well-known/openid-configuration.
    std::string authorization_url, token_url, jwks_url, userinfo_url;
    std::string scopes = "openid email profile";
    http::Fields authorization_params;  // added to the authorization redirect (Google: access_type)
    bool secret_in_body = false;        // client_secret_post; else HTTP Basic (client_secret_basic)
};

// A provider's signing keys by `kid`.
class JwksCache {
public:
    JwksCache(std::string what, std::chrono::milliseconds timeout) : what_(std::move(what)), timeout_(timeout) {}
    // The key for `kid` from the set at `url`, fetching the set when it is stale, or when it
    // lacks the kid (a rotation) unless an unknown kid already forced a fetch in the last
    // 10 s. A token without a kid takes the set's only key. Throws ProviderError.
    security::PublicJwk key(const std::string& url, const std::string& kid);

private:
    void refresh(const std::string& url, std::chrono::steady_clock::time_point now);

    std::string what_;  // "Google JWKS", for errors
    std::chrono::milliseconds timeout_;
    std::chrono::seconds forced_fetch_interval_{10};
    std::mutex mutex_;
    std::map<std::string, security::PublicJwk> keys_;
    std::chrono::steady_clock::time_point fresh_until_{};
    std::optional<std::chrono::steady_clock::time_point> last_forced_fetch_;
    bool fetched_ = false;
};

// The keys a JWKS document holds for signing ID tokens (RS256, ES256), by kid ("" for a
// key without one); unusable keys are skipped. Throws ProviderError when none is usable.
std::map<std::string, security::PublicJwk> parse_jwks(std::string_view body, std::string_view what);

// The endpoints of a discovery document, which must be for `issuer` (OpenID Connect
// Discovery 4.3) and name https endpoints (http only on loopback). Throws ProviderError.
struct Discovered {
    std::string authorization_url, token_url, jwks_url, userinfo_url;
};
Discovered parse_discovery(std::string_view body, const std::string& issuer);

class OidcProvider final : public Provider {
public:
    OidcProvider(OidcSettings settings, std::chrono::milliseconds timeout);

    std::string_view name() const override { return settings_.name; }
    std::string_view issuer() const override { return settings_.issuer; }
    std::string authorization_url(const AuthorizationRequest& request) const override;
    Identity identify(const std::string& code, const std::string& redirect_uri, const std::string& code_verifier,
                      const std::string& nonce) override;

    // Checks a compact ID token as described above; `now_ms` is the current epoch time.
    // The identity's email is empty when the token carries none (identify() then asks
    // userinfo).
    Identity verify_id_token(const std::string& id_token, const std::string& nonce, std::int64_t now_ms);

private:
    // The endpoints, discovered on first use and again a day later (or after a failure).
    Discovered endpoints() const;

    OidcSettings settings_;
    std::chrono::milliseconds timeout_;
    mutable JwksCache jwks_;
    mutable std::mutex discovery_mutex_;
    mutable std::optional<Discovered> discovered_;
    mutable std::chrono::steady_clock::time_point discovered_at_{};
};

// Google as an OpenID provider: its fixed endpoints (settings, so tests can point them at
// a fake), both issuer spellings, the secret in the body.
OidcSettings google_settings(const config::OAuthProviderSettings& google);

}  // namespace oauth
