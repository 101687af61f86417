#pragma once
// Google, Facebook and GitHub as the starter sees them, on a loopback port: the
// authorization endpoints (which consent at once, as the configured person, and
// redirect back), the token endpoints (client secret, redirect_uri and PKCE
// checked), Google's JWKS with a test RSA key, Facebook's Graph /me
// (appsecret_proof checked) and GitHub's /user and /user/emails (the person's address
// primary, verified or not as configured, next to an older verified one). Knobs make it misbehave the ways real providers
// and attackers do.
#include "config/settings.hpp"
#include "support/http_client.hpp"
#include "support/loopback_server.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace testing_support {

// Where the tests' sign-ins ask to land: a page of the default APP_URL.
inline constexpr const char* kAfterSignIn = "http://localhost:3000/auth/done";

struct Person {
    std::string subject;
    std::string email;  // "" = the provider shares none
    std::string name = "Jane Doe";
    bool email_verified = true;
};

// Changes to the next ID tokens Google issues.
struct IdTokenTweaks {
    std::optional<std::string> aud{};
    std::optional<std::string> iss{};
    std::optional<long long> exp_offset_s{};  // from now; default +3600
    std::optional<std::string> nonce{};
    bool sign_with_foreign_key = false;  // same kid, another key: signature must fail
};

class FakeProviders {
public:
    static constexpr const char* kGoogleClientId = "test-client.apps.googleusercontent.com";
    static constexpr const char* kGoogleSecret = "google-test-secret";
    static constexpr const char* kFacebookAppId = "1234567890";
    static constexpr const char* kFacebookSecret = "facebook-test-secret";
    static constexpr const char* kGitHubClientId = "Iv1.0123456789abcdef";
    static constexpr const char* kGitHubSecret = "github-test-secret";

    FakeProviders();
    ~FakeProviders();

    std::uint16_t port() const { return server_->port(); }
    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port()); }
    config::OAuthProviderSettings google_settings() const;
    config::OAuthProviderSettings facebook_settings() const;
    config::OAuthProviderSettings github_settings() const;

    void consent_as(const Person& p);
    void tweak_id_tokens(const IdTokenTweaks& t);
    void fail_token_endpoint(int status);
    void delay_token_endpoint(std::chrono::milliseconds d);
    void rotate_signing_key();  // a new key under a new kid, published in the JWKS
    int jwks_fetches() const { return jwks_fetches_; }
    // Query strings the authorization endpoints received, in order.
    std::vector<std::string> authorization_queries() const;

private:
    struct Grant;
    struct Key;
    Reply handle(const Received& request);
    std::string respond(const Received& request, Reply& reply);  // the body; sets status and headers
    std::string id_token_for(const Person& p, const std::string& nonce);

    struct State;
    std::unique_ptr<State> s_;
    std::atomic<int> jwks_fetches_{0};
    std::atomic<bool> stopping_{false};
    std::unique_ptr<LoopbackServer> server_;  // last: stops before the state it uses goes
};

// A browser: follows nothing by itself, keeps cookies (Path and Max-Age
// honoured), talks to any loopback port. Enough to walk the sign-in redirects
// by hand.
class Browser {
public:
    explicit Browser(std::string user_agent =
                         "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) "
                         "Gecko/20100101 Firefox/121.0")
        : user_agent_(std::move(user_agent)) {}
    HttpResponse get(const std::string& url);
    HttpResponse post_form(const std::string& url, const std::string& form);
    // A fetch() from a page: JSON, with the page's cookies (and any extra headers).
    HttpResponse request_json(const std::string& method, const std::string& url, const std::string& json,
                              std::vector<std::pair<std::string, std::string>> headers = {});
    bool has_cookie(const std::string& name) const { return cookies_.contains(name); }
    void forget_cookies() { cookies_.clear(); }

private:
    HttpResponse send(const std::string& method, const std::string& url, const std::string& body,
                      std::vector<std::pair<std::string, std::string>> headers);
    struct Cookie {
        std::string value;
        std::string path;
    };
    std::string user_agent_;
    std::map<std::string, Cookie> cookies_;
};

// The value of query parameter `name` in `url` (decoded), or "".
std::string query_value(const std::string& url, const std::string& name);

}  // namespace testing_support
