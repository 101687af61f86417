// Sign-in with any OpenID Connect provider, against a real one: panva's oidc-provider
// (OpenID-certified) on loopback, configured only by its issuer URL, client id and secret.
// The browser walks the whole flow — our login route, the provider's login and consent
// pages, our callback — with cookies, state, PKCE and nonce; ID tokens are signed ES256
// or RS256, and the email comes from userinfo, where this provider keeps it.
#include "common/url.hpp"
#include "support/accounts_fixture.hpp"
#include "support/fake_providers.hpp"
#include "support/process.hpp"

#include <gtest/gtest.h>

#include <regex>

using namespace testing_support;

namespace {

constexpr const char* kClientId = "starter-test";
constexpr const char* kClientSecret = "a-client-secret-of-the-test-realm";

class OpenIdProvider : public AccountsFixture {
protected:
    virtual std::string alg() const { return "ES256"; }

    void SetUp() override {
        tools_ = env_or_empty("STARTER_TEST_NODE_TOOLS");
        if (tools_.empty()) GTEST_SKIP() << "STARTER_TEST_NODE_TOOLS is not set (scripts/test sets it)";
        starter_port_ = free_port();
        // Started a second time if the first process is not listening after 20 s: once in a
        // CI run, a provider stopped after loading its modules (the stages it printed and
        // where the kernel had it waiting are in the test's output).
        std::string printed;
        for (int attempt = 1; attempt <= 2 && op_port_ == 0; ++attempt) {
            printed = start_provider();
            if (op_port_ == 0) {
                const auto state =
                    op_->exited() ? "exited with status " + std::to_string(op_->wait()) : process_state(op_->pid());
                std::cerr << "oidc-provider (attempt " << attempt << ") did not start; it printed:\n"
                          << printed << "\nand was " << state << "\n";
                op_->kill(SIGKILL);
                op_->wait();
            }
        }
        ASSERT_NE(op_port_, 0) << "oidc-provider did not start twice; it printed:\n" << printed;
        AccountsFixture::SetUp();
    }
    void TearDown() override {
        if (op_) op_->kill(SIGTERM);
    }

    void configure(config::Settings& s) override {
        s.server.port = starter_port_;
        s.public_url = starter("");
        oauth::OidcSettings acme;
        acme.name = "acme";
        acme.issuer = issuer();
        acme.client_id = kClientId;
        acme.client_secret = kClientSecret;
        s.oauth_providers = {"acme"};
        s.oidc_providers = {acme};
        s.oauth_http_timeout = std::chrono::seconds(5);
    }

    // Starts the provider and waits for "ready PORT" (it picks its own port); returns what
    // it printed, with op_port_ set if it is listening.
    std::string start_provider() {
        const auto log = std::filesystem::temp_directory_path() / ("oidc-provider-" + security::random_hex(4) + ".log");
        op_ = std::make_unique<ChildProcess>(
            std::vector<std::string>{"/usr/bin/node", std::string(STARTER_SOURCE_DIR) + "/tests/support/oidc_provider.js",
                                     kClientId, kClientSecret, starter("/api/oauth/acme/callback"), alg()},
            std::map<std::string, std::string>{{"NODE_PATH", tools_}}, log);
        std::string printed;
        wait_until(
            [&] {
                printed = read_file(log);
                std::smatch ready;
                if (!std::regex_search(printed, ready, std::regex(R"(ready (\d+))"))) return op_->exited();
                op_port_ = static_cast<std::uint16_t>(std::stoi(ready[1].str()));
                return true;
            },
            std::chrono::seconds(20));
        std::filesystem::remove(log);
        return printed;
    }

    std::string issuer() const { return "http://127.0.0.1:" + std::to_string(op_port_); }
    std::string starter(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(starter_port_) + path; }
    std::string absolute(const std::string& url) const { return url.starts_with("/") ? issuer() + url : url; }

    // A browser signing in as `who` at the provider: our login route, then every redirect,
    // login form and consent form until the provider sends it back to our callback.
    // Returns where the callback sends it (redirect_to with ?code= or ?error_code=).
    std::string sign_in_as(Browser& b, const std::string& who) {
        auto start = b.get(starter("/api/oauth/acme/login?redirect_to=" + common::url_encode(kAfterSignIn)));
        EXPECT_EQ(start.status, 302) << start.body;
        authorization_url_ = start.header("location");
        std::string url = authorization_url_;
        for (int hop = 0; hop < 16 && !url.empty(); ++hop) {
            if (url.starts_with(starter("/"))) return b.get(url).header("location");
            auto page = b.get(absolute(url));
            if (page.status == 302 || page.status == 303) {
                url = page.header("location");
                continue;
            }
            std::smatch action;
            if (page.status != 200 || !std::regex_search(page.body, action, std::regex(R"re(action="([^"]+)")re"))) {
                ADD_FAILURE() << "unexpected page at " << url << ": " << page.status << " " << page.body.substr(0, 400);
                return {};
            }
            const bool login = page.body.find("name=\"login\"") != std::string::npos;
            auto sent = b.post_form(
                absolute(action[1].str()),
                login ? "prompt=login&login=" + common::url_encode(who) + "&password=anything" : std::string("prompt=consent"));
            url = sent.header("location");
        }
        ADD_FAILURE() << "the flow never came back";
        return {};
    }

    std::string tools_;
    std::uint16_t starter_port_ = 0, op_port_ = 0;
    std::unique_ptr<ChildProcess> op_;
    std::string authorization_url_;
};

class OpenIdProviderRs256 : public OpenIdProvider {
protected:
    std::string alg() const override { return "RS256"; }
};

boost::json::object redeem(HttpClient& client, const std::string& back) {
    auto code = query_value(back, "code");
    EXPECT_FALSE(code.empty()) << back;
    auto r = client.post_json("/api/oauth/token", body({{"code", code}}));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? r.json().as_object() : boost::json::object{};
}

}  // namespace

TEST_F(OpenIdProvider, ANewPersonSignsInWithEs256TokensAndTheEmailFromUserinfo) {
    const std::string who = "jane" + security::random_hex(3);
    Browser b;
    auto back = sign_in_as(b, who);
    ASSERT_TRUE(back.starts_with(std::string(kAfterSignIn) + "?code=")) << back;
    // What our redirect asked for: PKCE with S256 and a nonce (the provider requires PKCE too).
    EXPECT_EQ(query_value(authorization_url_, "code_challenge_method"), "S256");
    EXPECT_FALSE(query_value(authorization_url_, "nonce").empty());
    EXPECT_TRUE(authorization_url_.starts_with(issuer() + "/auth?")) << "the endpoint came from discovery";

    auto signed_in = redeem(*client_, back);
    auto user = signed_in["user"].as_object();
    EXPECT_EQ(user["email"], who + "@example.com");
    EXPECT_EQ(boost::json::serialize(user["auth_providers"]), R"(["acme"])");
    EXPECT_EQ(user["has_password"], false);

    // Again, from another browser: the same account (by the provider's subject).
    Browser other;
    auto again = redeem(*client_, sign_in_as(other, who));
    EXPECT_EQ(again["user"].as_object()["id"], user["id"]);
}

TEST_F(OpenIdProviderRs256, RsaSignedTokensWorkToo) {
    Browser b;
    auto signed_in = redeem(*client_, sign_in_as(b, "rsa" + security::random_hex(3)));
    EXPECT_TRUE(signed_in.contains("authentication_token"));
}

TEST_F(OpenIdProvider, AnUnverifiedEmailMakesNoAccount) {
    const std::string who = "unverified" + security::random_hex(3);
    Browser b;
    auto back = sign_in_as(b, who);
    EXPECT_EQ(query_value(back, "error_code"), "oauth_callback") << back;
    EXPECT_EQ(login(who + "@example.com", kPassword).status, 400);
    auto lease = server_->app().pool().acquire();
    int users = 0;
    const std::string email = who + "@example.com";
    *lease << "SELECT COUNT(*) FROM users WHERE email = :e", soci::into(users), soci::use(email);
    EXPECT_EQ(users, 0);
}

TEST_F(OpenIdProvider, AnAccountWithTheSameEmailIsNeverTakenOverSilently) {
    const std::string who = "taken" + security::random_hex(3);
    sign_up(who + "@example.com", who);
    Browser b;
    EXPECT_EQ(query_value(sign_in_as(b, who), "error_code"), "oauth_account_not_linked");
}

// RFC 9207: the provider names itself in the callback (oidc-provider does); an answer that
// names another issuer is a mix-up attack and signs nobody in.
TEST_F(OpenIdProvider, ACallbackNamingAnotherIssuerIsRefused) {
    Browser b;
    auto start = b.get(starter("/api/oauth/acme/login?redirect_to=" + common::url_encode(kAfterSignIn)));
    ASSERT_EQ(start.status, 302);
    // Walk to the provider's redirect back, without following it.
    std::string url = start.header("location");
    std::string callback;
    for (int hop = 0; hop < 16 && callback.empty(); ++hop) {
        auto page = b.get(absolute(url));
        if (page.status == 302 || page.status == 303) {
            url = page.header("location");
            if (url.starts_with(starter("/"))) callback = url;
            continue;
        }
        std::smatch action;
        ASSERT_TRUE(std::regex_search(page.body, action, std::regex(R"re(action="([^"]+)")re")));
        const bool login = page.body.find("name=\"login\"") != std::string::npos;
        url = b.post_form(absolute(action[1].str()), login ? "prompt=login&login=mixup&password=x" : "prompt=consent")
                  .header("location");
        if (url.starts_with(starter("/"))) callback = url;
    }
    ASSERT_EQ(query_value(callback, "iss"), issuer()) << callback;
    auto forged = callback.substr(0, callback.find("&iss=")) + "&iss=" + common::url_encode("https://evil.example.com");
    EXPECT_EQ(query_value(b.get(forged).header("location"), "error_code"), "oauth_callback");
}

TEST_F(OpenIdProvider, WhenTheProviderCannotBeReachedSignInAnswers503) {
    op_->kill(SIGTERM);
    op_->wait();
    Browser b;
    auto start = b.get(starter("/api/oauth/acme/login?redirect_to=" + common::url_encode(kAfterSignIn)));
    EXPECT_EQ(start.status, 503) << start.body;
    EXPECT_NE(start.body.find("\"unavailable\""), std::string::npos) << start.body;
}
