#include "oauth/google.hpp"

#include "common/time.hpp"
#include "http/outbound.hpp"
#include "security/hash.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <charconv>

namespace oauth {
namespace {

constexpr std::int64_t kClockSkewMs = 60'000;  // tolerated difference between Google's clock and ours

std::string string_claim(const boost::json::object& claims, const char* name) {
    auto it = claims.find(name);
    return it != claims.end() && it->value().is_string() ? std::string(it->value().as_string()) : std::string();
}

std::optional<std::int64_t> number_claim(const boost::json::object& claims, const char* name) {
    auto it = claims.find(name);
    if (it == claims.end()) return std::nullopt;
    if (it->value().is_int64()) return it->value().as_int64();
    if (it->value().is_uint64())
        return static_cast<std::int64_t>(std::min<std::uint64_t>(it->value().as_uint64(), INT64_MAX / 1000));
    if (it->value().is_double()) return static_cast<std::int64_t>(it->value().as_double());
    return std::nullopt;
}

bool audience_is(const boost::json::object& claims, const std::string& client_id) {
    auto it = claims.find("aud");
    if (it == claims.end()) return false;
    if (it->value().is_string()) return it->value().as_string() == client_id;
    if (!it->value().is_array()) return false;
    const auto& list = it->value().as_array();
    bool listed =
        std::any_of(list.begin(), list.end(), [&](const auto& a) { return a.is_string() && a.as_string() == client_id; });
    // With several audiences, the authorized party must be us (OpenID Connect
    // Core 3.1.3.7).
    return listed && (list.size() == 1 || string_claim(claims, "azp") == client_id);
}

bool email_verified(const boost::json::object& claims) {
    auto it = claims.find("email_verified");
    if (it == claims.end()) return false;
    if (it->value().is_bool()) return it->value().as_bool();
    return it->value().is_string() && it->value().as_string() == "true";
}

// max-age from a Cache-Control header, or nullopt.
std::optional<std::chrono::seconds> max_age(std::string_view cache_control) {
    auto at = cache_control.find("max-age=");
    if (at == std::string_view::npos) return std::nullopt;
    auto digits = cache_control.substr(at + 8);
    long long value = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc{} || ptr == digits.data() || value < 0) return std::nullopt;
    return std::chrono::seconds(value);
}

}  // namespace

security::RsaPublicKey JwksCache::key(const std::string& kid) {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    const bool stale = !fetched_ || now >= fresh_until_;
    const bool known = keys_.contains(kid);
    // An unknown kid means Google rotated keys, or a forged token: refetch, but
    // not on every request.
    const bool may_force = !last_forced_fetch_ || now - *last_forced_fetch_ >= forced_fetch_interval_;
    if (!stale && !known && may_force) last_forced_fetch_ = now;
    if (stale || (!known && may_force)) {
        try {
            refresh(now);
        } catch (const ProviderError&) {
            if (!known) throw;  // a stale but known key is still Google's key
        }
    }
    auto it = keys_.find(kid);
    if (it == keys_.end()) throw ProviderError("ID token signed with an unknown key id");
    return it->second;
}

void JwksCache::refresh(std::chrono::steady_clock::time_point now) {
    http::OutboundRequest request;
    request.url = url_;
    request.timeout = timeout_;
    request.headers = {{"Accept", "application/json"}};
    http::OutboundResponse response;
    try {
        response = http::fetch(request);
    } catch (const http::OutboundError& e) {
        throw ProviderError(std::string("Google JWKS: ") + e.what());
    }
    if (response.status != 200) throw ProviderError("Google JWKS answered HTTP " + std::to_string(response.status));
    boost::system::error_code ec;
    auto doc = boost::json::parse(response.body, ec);
    const boost::json::value* list = doc.is_object() ? doc.as_object().if_contains("keys") : nullptr;
    if (ec || !list || !list->is_array()) throw ProviderError("Google JWKS is not a key set");
    std::map<std::string, security::RsaPublicKey> keys;
    for (const auto& entry : list->as_array()) {
        if (!entry.is_object()) continue;
        const auto& jwk = entry.as_object();
        auto kid = string_claim(jwk, "kid");
        auto use = string_claim(jwk, "use");
        auto alg = string_claim(jwk, "alg");
        if (kid.empty() || (!use.empty() && use != "sig") || (!alg.empty() && alg != "RS256")) continue;
        try {
            keys.insert_or_assign(kid, security::RsaPublicKey::from_jwk(jwk));
        } catch (const security::JwtError&) {
            // one unusable key does not spoil the others
        }
    }
    if (keys.empty()) throw ProviderError("Google JWKS holds no usable RS256 key");
    keys_ = std::move(keys);
    fetched_ = true;
    auto ttl = std::clamp(max_age(response.cache_control).value_or(std::chrono::seconds(3600)), std::chrono::seconds(0),
                          std::chrono::seconds(24 * 3600));
    fresh_until_ = now + ttl;
}

std::string GoogleProvider::authorization_url(const AuthorizationRequest& r) const {
    return settings_.authorization_url + "?" +
           http::form_encode({{"response_type", "code"},
                              {"client_id", settings_.client_id},
                              {"redirect_uri", r.redirect_uri},
                              {"scope", "openid email profile"},
                              {"state", r.state},
                              {"code_challenge", r.code_challenge},
                              {"code_challenge_method", "S256"},
                              {"nonce", r.nonce},
                              {"access_type", "online"}});
}

Identity GoogleProvider::identify(const std::string& code, const std::string& redirect_uri, const std::string& code_verifier,
                                  const std::string& nonce) {
    http::OutboundRequest request;
    request.method = "POST";
    request.url = settings_.token_url;
    request.timeout = timeout_;
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
    request.body = http::form_encode({{"grant_type", "authorization_code"},
                                      {"code", code},
                                      {"redirect_uri", redirect_uri},
                                      {"client_id", settings_.client_id},
                                      {"client_secret", settings_.client_secret},
                                      {"code_verifier", code_verifier}});
    auto answer = call_json(request, "Google token endpoint");
    auto id_token = string_claim(answer, "id_token");
    if (id_token.empty()) throw ProviderError("Google token endpoint returned no id_token");
    return verify_id_token(id_token, nonce, common::now_ms());
}

Identity GoogleProvider::verify_id_token(const std::string& id_token, const std::string& nonce, std::int64_t now_ms) {
    security::Jwt jwt;
    try {
        jwt = security::Jwt::parse(id_token);
    } catch (const security::JwtError& e) {
        throw ProviderError(std::string("ID token: ") + e.what());
    }
    if (string_claim(jwt.header, "alg") != "RS256") throw ProviderError("ID token is not RS256-signed");
    auto key = jwks_.key(string_claim(jwt.header, "kid"));
    if (!key.verify_rs256(jwt.signing_input, jwt.signature)) throw ProviderError("ID token signature does not verify");

    const auto& c = jwt.claims;
    auto iss = string_claim(c, "iss");
    if (iss != "https://accounts.google.com" && iss != "accounts.google.com")
        throw ProviderError("ID token issuer is not Google");
    if (!audience_is(c, settings_.client_id)) throw ProviderError("ID token is for another client (aud)");
    auto exp = number_claim(c, "exp");
    if (!exp || *exp * 1000 + kClockSkewMs < now_ms) throw ProviderError("ID token has expired");
    if (auto iat = number_claim(c, "iat"); iat && *iat * 1000 - kClockSkewMs > now_ms)
        throw ProviderError("ID token is issued in the future");
    if (!security::constant_time_equal(string_claim(c, "nonce"), nonce)) throw ProviderError("ID token nonce does not match");
    Identity identity{string_claim(c, "sub"), string_claim(c, "email"), string_claim(c, "name")};
    if (identity.subject.empty()) throw ProviderError("ID token has no subject");
    if (identity.email.empty() || !email_verified(c)) throw ProviderError("Google account email is not verified");
    return identity;
}

}  // namespace oauth
