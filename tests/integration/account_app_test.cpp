// What a newcomer opens after ./scripts/run: the account app at /account and the
// development mailbox at /dev/mail, served only in development; and, in Chromium, sign-up
// with the code read at /dev/mail, sign-in, revoking a session and changing the password
// through the app, then an authenticator app and passkeys (Chromium's virtual
// authenticator) used to sign in (tests/browser/account.js), with screenshots; and linking
// Google and the breached-password warning (tests/browser/providers.js).
#include "support/accounts_fixture.hpp"
#include "common/url.hpp"
#include "support/fake_providers.hpp"
#include "support/fake_pwned.hpp"
#include "support/process.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace testing_support;

namespace {

class AccountApp : public AccountsFixture {
protected:
    void configure(config::Settings& s) override {
        s.development = true;
        s.account_app = true;
        s.server.port = free_port();
        // localhost, not 127.0.0.1: browsers make passkeys only on a domain.
        origin_ = "http://localhost:" + std::to_string(s.server.port);
        s.public_url = origin_;
        s.webauthn.id = "localhost";
        s.webauthn.origins = {origin_};
    }
    std::string origin_;
};

// Development with Google on: the app's button starts the flow at PUBLIC_URL and asks to
// come back to PUBLIC_URL/account, which is then an allowed redirect. Passwords are
// checked against a fake of Have I Been Pwned.
class AccountAppWithGoogle : public AccountsFixture {
protected:
    void configure(config::Settings& s) override {
        s.development = true;
        s.account_app = true;
        s.server.port = free_port();
        s.public_url = "http://127.0.0.1:" + std::to_string(s.server.port);
        s.google = fake_.google_settings();
        s.breached_passwords.enabled = true;
        s.breached_passwords.api_url = pwned_.base_url();
    }
    FakeProviders fake_;
    FakePwnedPasswords pwned_;
};

class Production : public AccountsFixture {};

class DevelopmentWithSmtp : public AccountsFixture {
protected:
    void configure(config::Settings& s) override {
        s.development = true;
        s.account_app = true;
        s.smtp_url = "smtp://127.0.0.1:1";
    }
};

}  // namespace

TEST_F(AccountApp, TheAppAndItsAssetsAreServedWithAStrictPolicy) {
    auto page = client_->get("/account");
    ASSERT_EQ(page.status, 200);
    EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
    EXPECT_NE(page.body.find("<script type=\"module\" src=\"/account/app.js\">"), std::string::npos);
    EXPECT_EQ(page.body.find("{{"), std::string::npos) << "placeholders left in the page";
    // What the app needs to know: where social sign-in starts, where passkeys work.
    EXPECT_NE(page.body.find("<meta name=\"starter-public-url\" content=\"" + origin_ + "\">"), std::string::npos);
    EXPECT_NE(page.body.find("<meta name=\"starter-passkey-rp-id\" content=\"localhost\">"), std::string::npos);
    const auto csp = page.header("content-security-policy");
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
    auto script = client_->get("/account/app.js");
    EXPECT_EQ(script.status, 200);
    EXPECT_EQ(script.header("content-type"), "text/javascript; charset=utf-8");
    EXPECT_GT(script.body.size(), 1000u);
    EXPECT_EQ(client_->get("/account/app.css").status, 200);
    EXPECT_EQ(client_->get("/account/index.html").status, 404);
    EXPECT_EQ(client_->get("/account/nothing.js").status, 404);
}

TEST_F(AccountApp, TheMailboxShowsDeliveredEmailsNewestFirstAndNothingElse) {
    const auto first = fresh_email(), second = fresh_email();
    const auto code = request_code(first);
    request_code(second);
    auto box = client_->get("/dev/mail");
    ASSERT_EQ(box.status, 200);
    const auto at_first = box.body.find("data-to=\"" + first), at_second = box.body.find("data-to=\"" + second);
    ASSERT_NE(at_first, std::string::npos) << box.body;
    ASSERT_NE(at_second, std::string::npos);
    EXPECT_LT(at_second, at_first) << "newest first";
    EXPECT_NE(box.body.find(code), std::string::npos) << "the code is readable in the page";
    EXPECT_EQ(box.body.find("<script"), std::string::npos);

    const auto link = box.body.find("/dev/mail/", at_first);
    const auto name = box.body.substr(link + 10, box.body.find('"', link) - link - 10);
    auto html = client_->get("/dev/mail/" + name);
    ASSERT_EQ(html.status, 200);
    EXPECT_NE(html.body.find(code), std::string::npos);
    EXPECT_EQ(html.header("content-security-policy").rfind("sandbox;", 0), 0u) << "the message's HTML runs in a sandbox";
    for (const char* bad : {"/dev/mail/..%2F..%2Fstarter", "/dev/mail/nothing-here", "/dev/mail/..%2Foutbox"})
        EXPECT_EQ(client_->get(bad).status, 404) << bad;
}

TEST_F(AccountAppWithGoogle, TheSocialButtonsFlowComesBackToTheApp) {
    auto page = client_->get("/account");
    ASSERT_EQ(page.status, 200);
    EXPECT_NE(page.body.find("<meta name=\"starter-providers\" content=\"google:Google\">"), std::string::npos) << page.body;
    const auto app = server_->app().settings().public_url + "/account";
    auto start = client_->get("/api/oauth/google/login?redirect_to=" + common::url_encode(app));
    EXPECT_EQ(start.status, 302) << start.body;
    auto foreign = client_->get("/api/oauth/google/login?redirect_to=" + common::url_encode("https://evil.example/account"));
    EXPECT_EQ(foreign.status, 400) << "other origins stay refused";
}

TEST_F(Production, NeitherTheAppNorTheMailboxIsServed) {
    EXPECT_EQ(client_->get("/account").status, 404);
    EXPECT_EQ(client_->get("/dev/mail").status, 404);
}

TEST_F(DevelopmentWithSmtp, TheMailboxIsOffWhenEmailsReallyLeave) {
    EXPECT_EQ(client_->get("/account").status, 200);
    EXPECT_EQ(client_->get("/dev/mail").status, 404);
}

TEST_F(AccountApp, InChromiumANewcomerSignsUpSignsInRevokesASessionChangesThePasswordAndAddsSecondFactors) {
    const auto chromium = env_or_empty("STARTER_TEST_CHROMIUM"), tools = env_or_empty("STARTER_TEST_NODE_TOOLS");
    if (chromium.empty() || tools.empty())
        GTEST_SKIP() << "STARTER_TEST_CHROMIUM / STARTER_TEST_NODE_TOOLS are not set (scripts/test sets them)";
    const auto email = fresh_email();
    auto [rc, out] = run_command({"/usr/bin/node", std::string(STARTER_SOURCE_DIR) + "/tests/browser/account.js"},
                                 {{"NODE_PATH", tools},
                                  {"CHROMIUM", chromium},
                                  {"STARTER_URL", origin_},
                                  {"STARTER_EMAIL", email},
                                  {"STARTER_USERNAME", "web_" + security::random_hex(3)},
                                  {"STARTER_PASSWORD", kPassword},
                                  {"ARTIFACTS", artifacts_dir().string()}});
    ASSERT_EQ(rc, 0) << out;
    // What the browser did, seen from the server: the password it set last is the one that works.
    auto old_login = client_->post_json("/api/auth/login", body({{"login", email}, {"password", kPassword}}));
    EXPECT_EQ(old_login.status, 400);
    auto new_login =
        client_->post_json("/api/auth/login", body({{"login", email}, {"password", std::string(kPassword) + " again"}}));
    EXPECT_EQ(new_login.status, 200) << new_login.body;
    EXPECT_TRUE(std::filesystem::exists(artifacts_dir() / "account.png"));
    // The browser's passkey was removed at the end; the authenticator app stays.
    auto answer = boost::json::parse(new_login.body).as_object();
    EXPECT_EQ(boost::json::serialize(answer["methods"]), R"(["totp","recovery_code"])") << new_login.body;
}

TEST_F(AccountAppWithGoogle, InChromiumABreachedPasswordIsFlaggedGoogleIsLinkedAndUnlinkedAndThePasswordReplaced) {
    const auto chromium = env_or_empty("STARTER_TEST_CHROMIUM"), tools = env_or_empty("STARTER_TEST_NODE_TOOLS");
    if (chromium.empty() || tools.empty())
        GTEST_SKIP() << "STARTER_TEST_CHROMIUM / STARTER_TEST_NODE_TOOLS are not set (scripts/test sets them)";
    const auto email = fresh_email(), username = "links_" + security::random_hex(3);
    sign_up(email, username);
    // The password leaks after it was chosen; a new server has no answer cached for it.
    pwned_.add(kPassword, 1234);
    const std::string breached_too = "winter sunshine lemonade 1987";
    pwned_.add(breached_too, 7);
    restart();
    const Person google{"google-sub-" + security::random_hex(4), "jane." + security::random_hex(3) + "@gmail.example"};
    fake_.consent_as(google);
    auto [rc, out] = run_command({"/usr/bin/node", std::string(STARTER_SOURCE_DIR) + "/tests/browser/providers.js"},
                                 {{"NODE_PATH", tools},
                                  {"CHROMIUM", chromium},
                                  {"STARTER_URL", server_->app().settings().public_url},
                                  {"STARTER_LOGIN", username},
                                  {"STARTER_PASSWORD", kPassword},
                                  {"STARTER_BREACHED_PASSWORD", breached_too},
                                  {"STARTER_PROVIDER_EMAIL", google.email},
                                  {"ARTIFACTS", artifacts_dir().string()}});
    ASSERT_EQ(rc, 0) << out;
    // Seen from the server: the owner was told by email, Google is no longer linked, and
    // only the new password signs in.
    mail_to(email, "breach");
    auto old_login = client_->post_json("/api/auth/login", body({{"login", email}, {"password", kPassword}}));
    EXPECT_EQ(old_login.status, 400);
    auto login =
        client_->post_json("/api/auth/login", body({{"login", email}, {"password", std::string(kPassword) + " renewed"}}));
    ASSERT_EQ(login.status, 200) << login.body;
    EXPECT_FALSE(login.json().as_object().contains("password_breach_count")) << login.body;
    auto me = client_->get("/api/users/@me", bearer(login.json().as_object()["authentication_token"].as_string().c_str()));
    EXPECT_EQ(boost::json::serialize(me.json().as_object()["linked_providers"]), "[]") << me.body;
}
