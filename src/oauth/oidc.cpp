#include "oauth/oidc.hpp"

#include "common/time.hpp"
#include "common/url.hpp"
#include "config/settings.hpp"
#include "security/hash.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <charconv>

namespace oauth {
namespace {

constexpr std::int64_t kClockSkewMs = 60'000;  // tolerated difference between the provider's clock and ours
constexpr auto kDiscoveryLife = std::chrono::hours(24);

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
    // With several audiences, the authorized party must be us (OpenID Connect Core 3.1.3.7).
    return listed && (list.size() == 1 || text_member(claims, "azp") == client_id);
}

// email_verified as a boolean, or as the string "true" some providers send.
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

http::OutboundResponse get(const std::string& url, std::chrono::milliseconds timeout, std::string_view what) {
    http::OutboundRequest request;
    request.url = url;
    request.timeout = timeout;
    request.headers = {{"Accept", "application/json"}};
    auto response = call(request, what);
    if (response.status != 200) throw ProviderError(std::string(what) + " answered HTTP " + std::to_string(response.status));
    return response;
}

}  // namespace

std::map<std::string, security::PublicJwk> parse_jwks(std::string_view body, std::string_view what) {
    boost::system::error_code ec;
    auto doc = boost::json::parse(body, ec);
    const boost::json::value* list = !ec && doc.is_object() ? doc.as_object().if_contains("keys") : nullptr;
    if (!list || !list->is_array()) throw ProviderError(std::string(what) + " is not a key set");
    std::map<std::string, security::PublicJwk> keys;
    for (const auto& entry : list->as_array()) {
        if (!entry.is_object()) continue;
        const auto& jwk = entry.as_object();
        auto use = text_member(jwk, "use");
        if (!use.empty() && use != "sig") continue;  // encryption keys
        try {
            keys.insert_or_assign(text_member(jwk, "kid"), security::PublicJwk::from_jwk(jwk));
        } catch (const security::JwtError&) {
            // one unusable key (another algorithm, a weak one) does not spoil the others
        }
    }
    if (keys.empty()) throw ProviderError(std::string(what) + " holds no usable RS256 or ES256 key");
    return keys;
}

Discovered parse_discovery(std::string_view body, const std::string& issuer) {
    boost::system::error_code ec;
    auto doc = boost::json::parse(body, ec);
    if (ec || !doc.is_object()) throw ProviderError("the discovery document is not a JSON object");
    const auto& o = doc.as_object();
    // An issuer that serves another's document would have us trust the other's tokens.
    if (text_member(o, "issuer") != issuer)
        throw ProviderError("the discovery document is for issuer '" + text_member(o, "issuer").substr(0, 200) + "', not '" +
                            issuer + "'");
    Discovered d{text_member(o, "authorization_endpoint"), text_member(o, "token_endpoint"), text_member(o, "jwks_uri"),
                 text_member(o, "userinfo_endpoint")};
    for (auto [name, url] : {std::pair{"authorization_endpoint", &d.authorization_url}, std::pair{"token_endpoint", &d.token_url},
                             std::pair{"jwks_uri", &d.jwks_url}})
        if (!common::is_provider_endpoint(*url))
            throw ProviderError(std::string("the discovery document's ") + name + " is missing or not https");
    if (!d.userinfo_url.empty() && !common::is_provider_endpoint(d.userinfo_url)) d.userinfo_url.clear();
    if (auto* methods = o.if_contains("code_challenge_methods_supported"); methods && methods->is_array()) {
        const auto& list = methods->as_array();
        if (std::none_of(list.begin(), list.end(), [](const auto& m) { return m.is_string() && m.as_string() == "S256"; }))
            throw ProviderError("the provider does not support PKCE with S256");
    }
    return d;
}

security::PublicJwk JwksCache::key(const std::string& url, const std::string& kid) {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    const bool stale = !fetched_ || now >= fresh_until_;
    const bool known = keys_.contains(kid) || (kid.empty() && keys_.size() == 1);
    // An unknown kid means the provider rotated keys, or a forged token: refetch, but
    // not on every request.
    const bool may_force = !last_forced_fetch_ || now - *last_forced_fetch_ >= forced_fetch_interval_;
    if (!stale && !known && may_force) last_forced_fetch_ = now;
    if (stale || (!known && may_force)) {
        try {
            refresh(url, now);
        } catch (const ProviderError&) {
            if (!known) throw;  // a stale but known key is still the provider's key
        }
    }
    if (auto it = keys_.find(kid); it != keys_.end()) return it->second;
    if (kid.empty() && keys_.size() == 1) return keys_.begin()->second;
    throw ProviderError("ID token signed with an unknown key id");
}

void JwksCache::refresh(const std::string& url, std::chrono::steady_clock::time_point now) {
    auto response = get(url, timeout_, what_);
    keys_ = parse_jwks(response.body, what_);
    fetched_ = true;
    auto ttl = std::clamp(max_age(response.cache_control).value_or(std::chrono::seconds(3600)), std::chrono::seconds(0),
                          std::chrono::seconds(24 * 3600));
    fresh_until_ = now + ttl;
}

OidcProvider::OidcProvider(OidcSettings settings, std::chrono::milliseconds timeout)
    : settings_(std::move(settings)), timeout_(timeout), jwks_(settings_.name + " JWKS", timeout) {
    if (!settings_.authorization_url.empty())
        discovered_ = Discovered{settings_.authorization_url, settings_.token_url, settings_.jwks_url, settings_.userinfo_url};
}

Discovered OidcProvider::endpoints() const {
    std::lock_guard lock(discovery_mutex_);
    const bool given = !settings_.authorization_url.empty();
    const auto now = std::chrono::steady_clock::now();
    if (discovered_ && (given || now - discovered_at_ < kDiscoveryLife)) return *discovered_;
    try {
        auto response = get(settings_.issuer + "/.well-known/openid-configuration", timeout_, settings_.name + " discovery");
        discovered_ = parse_discovery(response.body, settings_.issuer);
        discovered_at_ = now;
    } catch (const ProviderError&) {
        if (!discovered_) throw;  // a day-old document still serves while the provider is down
    }
    return *discovered_;
}

std::string OidcProvider::authorization_url(const AuthorizationRequest& r) const {
    http::Fields fields{{"response_type", "code"},
                        {"client_id", settings_.client_id},
                        {"redirect_uri", r.redirect_uri},
                        {"scope", settings_.scopes},
                        {"state", r.state},
                        {"code_challenge", r.code_challenge},
                        {"code_challenge_method", "S256"},
                        {"nonce", r.nonce}};
    fields.insert(fields.end(), settings_.authorization_params.begin(), settings_.authorization_params.end());
    const auto url = endpoints().authorization_url;
    return url + (url.find('?') == std::string::npos ? "?" : "&") + http::form_encode(fields);
}

Identity OidcProvider::identify(const std::string& code, const std::string& redirect_uri, const std::string& code_verifier,
                                const std::string& nonce) {
    const auto where = endpoints();
    http::OutboundRequest request;
    request.method = "POST";
    request.url = where.token_url;
    request.timeout = timeout_;
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
    http::Fields form{
        {"grant_type", "authorization_code"}, {"code", code}, {"redirect_uri", redirect_uri}, {"code_verifier", code_verifier}};
    if (settings_.secret_in_body) {
        form.emplace_back("client_id", settings_.client_id);
        form.emplace_back("client_secret", settings_.client_secret);
    } else {
        // RFC 6749 2.3.1: both form-encoded, then Basic.
        request.basic_auth = {common::url_encode(settings_.client_id), common::url_encode(settings_.client_secret)};
    }
    request.body = http::form_encode(form);
    auto answer = call_json(request, settings_.name + " token endpoint");
    auto id_token = text_member(answer, "id_token");
    if (id_token.empty()) throw ProviderError(settings_.name + " token endpoint returned no id_token");
    auto identity = verify_id_token(id_token, nonce, common::now_ms());
    if (!identity.email.empty()) return identity;

    // The email is a userinfo claim at this provider (OpenID Connect Core 5.4).
    auto access_token = text_member(answer, "access_token");
    if (where.userinfo_url.empty() || access_token.empty())
        throw ProviderError(settings_.name + " shared no verified email address");
    http::OutboundRequest info;
    info.url = where.userinfo_url;
    info.timeout = timeout_;
    info.headers = {{"Accept", "application/json"}, {"Authorization", "Bearer " + access_token}};
    auto claims = call_json(info, settings_.name + " userinfo");
    // Userinfo about someone else is a substitution attack (Core 5.3.2).
    if (text_member(claims, "sub") != identity.subject) throw ProviderError(settings_.name + " userinfo is for another subject");
    if (text_member(claims, "email").empty() || !email_verified(claims))
        throw ProviderError(settings_.name + " account email is not verified");
    identity.email = text_member(claims, "email");
    if (identity.name.empty()) identity.name = text_member(claims, "name");
    return identity;
}

Identity OidcProvider::verify_id_token(const std::string& id_token, const std::string& nonce, std::int64_t now_ms) {
    security::Jwt jwt;
    try {
        jwt = security::Jwt::parse(id_token);
    } catch (const security::JwtError& e) {
        throw ProviderError(std::string("ID token: ") + e.what());
    }
    const auto alg = text_member(jwt.header, "alg");
    if (alg != "RS256" && alg != "ES256") throw ProviderError("ID token is not RS256- or ES256-signed");
    auto key = jwks_.key(endpoints().jwks_url, text_member(jwt.header, "kid"));
    if (!key.verify(alg, jwt.signing_input, jwt.signature)) throw ProviderError("ID token signature does not verify");

    const auto& c = jwt.claims;
    auto iss = text_member(c, "iss");
    if (iss != settings_.issuer &&
        std::find(settings_.other_issuers.begin(), settings_.other_issuers.end(), iss) == settings_.other_issuers.end())
        throw ProviderError("ID token issuer is not " + settings_.issuer);
    if (!audience_is(c, settings_.client_id)) throw ProviderError("ID token is for another client (aud)");
    auto exp = number_claim(c, "exp");
    if (!exp || *exp * 1000 + kClockSkewMs < now_ms) throw ProviderError("ID token has expired");
    if (auto iat = number_claim(c, "iat"); iat && *iat * 1000 - kClockSkewMs > now_ms)
        throw ProviderError("ID token is issued in the future");
    if (!security::constant_time_equal(text_member(c, "nonce"), nonce)) throw ProviderError("ID token nonce does not match");
    Identity identity{text_member(c, "sub"), text_member(c, "email"), text_member(c, "name")};
    if (identity.subject.empty()) throw ProviderError("ID token has no subject");
    // An email the provider has not verified is not an email: identify() asks userinfo,
    // which applies the same rule.
    if (!identity.email.empty() && !email_verified(c)) throw ProviderError(settings_.name + " account email is not verified");
    return identity;
}

OidcSettings google_settings(const config::OAuthProviderSettings& google) {
    OidcSettings s;
    s.name = "google";
    s.issuer = "https://accounts.google.com";
    s.other_issuers = {"accounts.google.com"};
    s.client_id = google.client_id;
    s.client_secret = google.client_secret;
    s.authorization_url = google.authorization_url;
    s.token_url = google.token_url;
    s.jwks_url = google.identity_url;
    s.authorization_params = {{"access_type", "online"}};
    s.secret_in_body = true;
    return s;
}

}  // namespace oauth
