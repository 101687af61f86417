#include "support/fake_providers.hpp"

#include "http/outbound.hpp"
#include "security/hash.hpp"
#include "security/jwt.hpp"
#include "security/random.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <ctime>

namespace testing_support {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

std::string value_of(const http::Fields& fields, const std::string& name) {
    for (const auto& [n, v] : fields)
        if (n == name) return v;
    return "";
}

std::string bn_param(EVP_PKEY* key, const char* name) {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) throw std::runtime_error("EVP_PKEY_get_bn_param");
    std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
    BN_free(bn);
    return security::base64url_encode(bytes);
}

}  // namespace

struct FakeProviders::Key {
    std::string kid;
    std::shared_ptr<EVP_PKEY> pkey;

    static Key generate(std::string kid) {
        EVP_PKEY* raw = EVP_RSA_gen(2048);
        if (!raw) throw std::runtime_error("EVP_RSA_gen failed");
        return {std::move(kid), std::shared_ptr<EVP_PKEY>(raw, EVP_PKEY_free)};
    }
    std::string sign(const std::string& data) const {
        std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
        std::size_t len = 0;
        if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey.get()) != 1 ||
            EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
            throw std::runtime_error("sign init failed");
        std::string sig(len, '\0');
        if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                           reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
            throw std::runtime_error("sign failed");
        sig.resize(len);
        return sig;
    }
    boost::json::object jwk() const {
        return {{"kty", "RSA"},
                {"use", "sig"},
                {"alg", "RS256"},
                {"kid", kid},
                {"n", bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_N)},
                {"e", bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_E)}};
    }
};

struct FakeProviders::Grant {
    std::string provider;
    std::string redirect_uri;
    std::string code_challenge;
    std::string nonce;
    Person person;
};

struct FakeProviders::State {
    mutable std::mutex mutex;
    Person person{"google-sub-1", "jane.doe@example.com"};
    IdTokenTweaks tweaks;
    int token_failure = 0;
    std::chrono::milliseconds token_delay{0};
    std::vector<Key> keys;  // published; the last one signs
    Key foreign = Key::generate("foreign");
    std::map<std::string, Grant> codes;           // authorization code -> grant
    std::map<std::string, Person> access_tokens;  // Facebook access token -> person
    std::vector<std::string> authorization_queries;
};

FakeProviders::FakeProviders() : s_(std::make_unique<State>()) {
    s_->keys.push_back(Key::generate("test-key-1"));
    server_ = std::make_unique<LoopbackServer>([this](const Received& r) { return handle(r); });
}

FakeProviders::~FakeProviders() {
    stopping_ = true;  // a handler sleeping in a delay returns, so the server can stop
    server_.reset();
}

config::OAuthProviderSettings FakeProviders::google_settings() const {
    return {kGoogleClientId, kGoogleSecret, base_url() + "/o/oauth2/v2/auth", base_url() + "/token",
            base_url() + "/oauth2/v3/certs"};
}

config::OAuthProviderSettings FakeProviders::github_settings() const {
    return {kGitHubClientId, kGitHubSecret, base_url() + "/login/oauth/authorize", base_url() + "/login/oauth/access_token",
            base_url() + "/api"};
}

config::OAuthProviderSettings FakeProviders::facebook_settings() const {
    return {kFacebookAppId, kFacebookSecret, base_url() + "/v19.0/dialog/oauth", base_url() + "/v19.0/oauth/access_token",
            base_url() + "/v19.0"};
}

void FakeProviders::consent_as(const Person& p) {
    std::lock_guard lock(s_->mutex);
    s_->person = p;
}
void FakeProviders::tweak_id_tokens(const IdTokenTweaks& t) {
    std::lock_guard lock(s_->mutex);
    s_->tweaks = t;
}
void FakeProviders::fail_token_endpoint(int status) {
    std::lock_guard lock(s_->mutex);
    s_->token_failure = status;
}
void FakeProviders::delay_token_endpoint(std::chrono::milliseconds d) {
    std::lock_guard lock(s_->mutex);
    s_->token_delay = d;
}
void FakeProviders::rotate_signing_key() {
    auto key = Key::generate("test-key-" + security::random_hex(3));
    std::lock_guard lock(s_->mutex);
    s_->keys.push_back(std::move(key));
}
std::vector<std::string> FakeProviders::authorization_queries() const {
    std::lock_guard lock(s_->mutex);
    return s_->authorization_queries;
}

std::string FakeProviders::id_token_for(const Person& p, const std::string& nonce) {
    std::lock_guard lock(s_->mutex);
    const auto& t = s_->tweaks;
    const long long now = std::time(nullptr);
    boost::json::object claims{{"iss", t.iss.value_or("https://accounts.google.com")},
                               {"azp", kGoogleClientId},
                               {"aud", t.aud.value_or(kGoogleClientId)},
                               {"sub", p.subject},
                               {"email", p.email},
                               {"email_verified", p.email_verified},
                               {"name", p.name},
                               {"nonce", t.nonce.value_or(nonce)},
                               {"iat", now},
                               {"exp", now + t.exp_offset_s.value_or(3600)}};
    const Key& signer = s_->keys.back();
    boost::json::object header{{"alg", "RS256"}, {"kid", signer.kid}, {"typ", "JWT"}};
    std::string input = security::base64url_encode(boost::json::serialize(header)) + "." +
                        security::base64url_encode(boost::json::serialize(claims));
    const Key& key = t.sign_with_foreign_key ? s_->foreign : signer;
    return input + "." + security::base64url_encode(key.sign(input));
}

Reply FakeProviders::handle(const Received& request) {
    Reply reply;
    reply.body = respond(request, reply);
    return reply;
}

std::string FakeProviders::respond(const Received& request, Reply& reply) {
    const std::string& method = request.method;
    const std::string& target = request.target;
    const std::string& body = request.body;
    int& status = reply.status;
    auto& headers = reply.headers;
    auto q = target.find('?');
    const std::string path = target.substr(0, q);
    const std::string query = q == std::string::npos ? "" : target.substr(q + 1);
    const auto params = http::form_decode(query);
    auto error = [&](int code, const std::string& what) {
        status = code;
        return boost::json::serialize(boost::json::object{{"error", what}});
    };

    if (method == "GET" && (path == "/o/oauth2/v2/auth" || path == "/v19.0/dialog/oauth" || path == "/login/oauth/authorize")) {
        const std::string provider = path.starts_with("/o/") ? "google" : path.starts_with("/v19") ? "facebook" : "github";
        std::lock_guard lock(s_->mutex);
        s_->authorization_queries.push_back(query);
        const char* client = provider == "google" ? kGoogleClientId : provider == "facebook" ? kFacebookAppId : kGitHubClientId;
        if (value_of(params, "client_id") != client) return error(400, "invalid_client");
        if (provider != "github" && value_of(params, "response_type") != "code") return error(400, "unsupported_response_type");
        if (provider != "facebook" && value_of(params, "code_challenge_method") != "S256")
            return error(400, "invalid_request: PKCE S256 required");
        Grant g{provider, value_of(params, "redirect_uri"), value_of(params, "code_challenge"), value_of(params, "nonce"),
                s_->person};
        if (g.redirect_uri.empty()) return error(400, "redirect_uri_mismatch");
        std::string code = "4/" + security::random_hex(16);
        s_->codes[code] = g;
        status = 302;
        headers.emplace_back("Location",
                             g.redirect_uri + "?" + http::form_encode({{"code", code}, {"state", value_of(params, "state")}}));
        return "";
    }

    if (method == "POST" && path == "/token") {
        std::chrono::milliseconds delay;
        {
            std::lock_guard lock(s_->mutex);
            delay = s_->token_delay;
            if (s_->token_failure) return error(s_->token_failure, "server_error");
        }
        for (auto until = std::chrono::steady_clock::now() + delay; std::chrono::steady_clock::now() < until && !stopping_;)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        const auto form = http::form_decode(body);
        Grant g;
        {
            std::lock_guard lock(s_->mutex);
            auto it = s_->codes.find(value_of(form, "code"));
            if (it == s_->codes.end() || it->second.provider != "google") return error(400, "invalid_grant");
            g = it->second;
            s_->codes.erase(it);  // codes are single use
        }
        if (value_of(form, "client_id") != kGoogleClientId || value_of(form, "client_secret") != kGoogleSecret)
            return error(401, "invalid_client");
        if (value_of(form, "grant_type") != "authorization_code" || value_of(form, "redirect_uri") != g.redirect_uri)
            return error(400, "invalid_grant");
        if (security::base64url_encode(security::sha256_bytes(value_of(form, "code_verifier"))) != g.code_challenge)
            return error(400, "invalid_grant: code_verifier does not match the challenge");
        return boost::json::serialize(boost::json::object{{"access_token", "ya29." + security::random_hex(16)},
                                                          {"expires_in", 3599},
                                                          {"token_type", "Bearer"},
                                                          {"scope", "openid email profile"},
                                                          {"id_token", id_token_for(g.person, g.nonce)}});
    }

    if (method == "GET" && path == "/oauth2/v3/certs") {
        ++jwks_fetches_;
        std::lock_guard lock(s_->mutex);
        boost::json::array keys;
        for (const auto& k : s_->keys) keys.push_back(k.jwk());
        headers.emplace_back("Cache-Control", "public, max-age=3600, must-revalidate, no-transform");
        return boost::json::serialize(boost::json::object{{"keys", std::move(keys)}});
    }

    if (method == "GET" && path == "/v19.0/oauth/access_token") {
        std::lock_guard lock(s_->mutex);
        if (s_->token_failure) return error(s_->token_failure, "server_error");
        auto it = s_->codes.find(value_of(params, "code"));
        if (it == s_->codes.end() || it->second.provider != "facebook") return error(400, "invalid code");
        Grant g = it->second;
        s_->codes.erase(it);
        if (value_of(params, "client_id") != kFacebookAppId || value_of(params, "client_secret") != kFacebookSecret ||
            value_of(params, "redirect_uri") != g.redirect_uri)
            return error(400, "Error validating verification code");
        std::string token = "EAAB" + security::random_hex(16);
        s_->access_tokens[token] = g.person;
        return boost::json::serialize(
            boost::json::object{{"access_token", token}, {"token_type", "bearer"}, {"expires_in", 5183944}});
    }

    if (method == "POST" && path == "/login/oauth/access_token") {
        // GitHub answers a bad exchange with 200 and an error member.
        const auto form = http::form_decode(body);
        std::lock_guard lock(s_->mutex);
        if (s_->token_failure) return error(s_->token_failure, "server_error");
        auto it = s_->codes.find(value_of(form, "code"));
        if (it == s_->codes.end() || it->second.provider != "github") return error(200, "bad_verification_code");
        Grant g = it->second;
        s_->codes.erase(it);
        if (value_of(form, "client_id") != kGitHubClientId || value_of(form, "client_secret") != kGitHubSecret)
            return error(200, "incorrect_client_credentials");
        if (value_of(form, "redirect_uri") != g.redirect_uri) return error(200, "redirect_uri_mismatch");
        if (security::base64url_encode(security::sha256_bytes(value_of(form, "code_verifier"))) != g.code_challenge)
            return error(200, "bad_verification_code");
        std::string token = "gho_" + security::random_hex(18);
        s_->access_tokens[token] = g.person;
        return boost::json::serialize(
            boost::json::object{{"access_token", token}, {"token_type", "bearer"}, {"scope", "read:user,user:email"}});
    }

    if (method == "GET" && (path == "/api/user" || path == "/api/user/emails")) {
        std::lock_guard lock(s_->mutex);
        auto auth = request.headers.find("authorization");
        auto it = auth == request.headers.end() || !auth->second.starts_with("Bearer ")
                      ? s_->access_tokens.end()
                      : s_->access_tokens.find(auth->second.substr(7));
        if (it == s_->access_tokens.end()) return error(401, "Bad credentials");
        const Person& p = it->second;
        if (path == "/api/user")
            return boost::json::serialize(boost::json::object{
                {"id", std::stoll(p.subject)}, {"login", "octo" + p.subject}, {"name", p.name}, {"email", nullptr}});
        boost::json::array emails{{{"email", "old." + p.subject + "@example.org"}, {"primary", false}, {"verified", true}}};
        if (!p.email.empty()) emails.push_back({{"email", p.email}, {"primary", true}, {"verified", p.email_verified}});
        return boost::json::serialize(emails);
    }

    if (method == "GET" && path == "/v19.0/me") {
        std::lock_guard lock(s_->mutex);
        auto token = value_of(params, "access_token");
        auto it = s_->access_tokens.find(token);
        if (it == s_->access_tokens.end()) return error(400, "Invalid OAuth access token");
        if (value_of(params, "appsecret_proof") != security::hmac_sha256_hex(kFacebookSecret, token))
            return error(400, "Invalid appsecret_proof provided in the API argument");
        boost::json::object me{{"id", it->second.subject}, {"name", it->second.name}};
        if (!it->second.email.empty()) me["email"] = it->second.email;
        return boost::json::serialize(me);
    }
    return error(404, "no such endpoint");
}

// --- Browser
// -------------------------------------------------------------------------

namespace {

struct Target {
    std::uint16_t port = 0;
    std::string path;  // with query
};

Target split_url(const std::string& url) {
    // Only loopback URLs: http://127.0.0.1:PORT/... or http://localhost:PORT/...
    auto rest = url.substr(url.find("://") + 3);
    auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    auto colon = authority.rfind(':');
    Target t;
    t.port = static_cast<std::uint16_t>(std::stoi(authority.substr(colon + 1)));
    t.path = slash == std::string::npos ? "/" : rest.substr(slash);
    return t;
}

}  // namespace

HttpResponse Browser::get(const std::string& url) { return send("GET", url, "", {}); }

HttpResponse Browser::request_json(const std::string& method, const std::string& url, const std::string& json,
                                   std::vector<std::pair<std::string, std::string>> headers) {
    headers.emplace_back("Content-Type", "application/json");
    return send(method, url, json, std::move(headers));
}

HttpResponse Browser::post_form(const std::string& url, const std::string& form) {
    return send("POST", url, form, {{"Content-Type", "application/x-www-form-urlencoded"}});
}

HttpResponse Browser::send(const std::string& method, const std::string& url, const std::string& body,
                           std::vector<std::pair<std::string, std::string>> headers) {
    auto t = split_url(url);
    const std::string path_only = t.path.substr(0, t.path.find('?'));
    std::string cookie_header;
    for (const auto& [name, c] : cookies_)
        if (path_only.starts_with(c.path)) cookie_header += (cookie_header.empty() ? "" : "; ") + name + "=" + c.value;
    if (!cookie_header.empty()) headers.emplace_back("Cookie", cookie_header);
    headers.emplace_back("User-Agent", user_agent_);
    headers.emplace_back("Host", "127.0.0.1:" + std::to_string(t.port));  // as browsers send it
    HttpClient client(t.port);
    auto res = client.request(method, t.path, body, headers);
    for (const auto& set : res.set_cookies) {
        auto eq = set.find('=');
        auto semi = set.find(';');
        std::string name = set.substr(0, eq), value = set.substr(eq + 1, semi - eq - 1);
        Cookie c{value, "/"};
        bool expired = false;
        for (std::size_t at = semi; at != std::string::npos;) {
            auto next = set.find(';', at + 1);
            auto attr = set.substr(at + 1, next == std::string::npos ? std::string::npos : next - at - 1);
            while (!attr.empty() && attr.front() == ' ') attr.erase(0, 1);
            std::string lower = attr;
            for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            if (lower.starts_with("path=")) c.path = attr.substr(5);
            if (lower == "max-age=0" || lower.find("expires=thu, 01 jan 1970") == 0) expired = true;
            at = next;
        }
        if (expired)
            cookies_.erase(name);
        else
            cookies_[name] = c;
    }
    return res;
}

std::string query_value(const std::string& url, const std::string& name) {
    auto q = url.find('?');
    if (q == std::string::npos) return "";
    auto end = url.find('#', q);
    return value_of(http::form_decode(url.substr(q + 1, end == std::string::npos ? std::string::npos : end - q - 1)), name);
}

}  // namespace testing_support
