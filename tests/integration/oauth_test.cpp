// Sign in with Google and Facebook, driven like a browser: the starter's login
// route, the (fake) provider's consent redirect, the starter's callback, then
// the login code exchange. Every way a flow can be forged, replayed or broken
// ends on redirect_to with an error_code, and never with a session.
#include "common/url.hpp"
#include "support/accounts_fixture.hpp"
#include "support/authenticator.hpp"
#include "support/fake_providers.hpp"
#include "support/process.hpp"

#include <soci/soci.h>

#include <gtest/gtest.h>

using namespace testing_support;

namespace {

constexpr const char* kChromeMac =
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

class SocialSignIn : public AccountsFixture {
protected:
    void configure(config::Settings& s) override {
        s.server.port = free_port();
        s.public_url = "http://127.0.0.1:" + std::to_string(s.server.port);
        s.google = fake_.google_settings();
        s.facebook = fake_.facebook_settings();
        s.github = fake_.github_settings();
        s.oauth_http_timeout = std::chrono::milliseconds(1500);
    }

    std::string starter(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(server_->port()) + path; }

    // The browser's walk: starter login -> provider consent -> starter callback.
    // Returns the callback's answer (a 302 to redirect_to).
    HttpResponse walk(Browser& b, const std::string& provider, const std::string& redirect_to = kAfterSignIn) {
        auto start = b.get(starter("/api/oauth/" + provider + "/login?redirect_to=" + common::url_encode(redirect_to)));
        EXPECT_EQ(start.status, 302) << start.body;
        auto consent = b.get(start.header("location"));
        EXPECT_EQ(consent.status, 302) << consent.body;
        last_callback_ = consent.header("location");
        return b.get(last_callback_);
    }

    // {token, user} after a successful walk.
    std::pair<std::string, boost::json::object> sign_in(Browser& b, const std::string& provider) {
        auto back = walk(b, provider);
        EXPECT_EQ(back.status, 302);
        auto code = query_value(back.header("location"), "code");
        EXPECT_FALSE(code.empty()) << back.header("location");
        auto r = redeem(code);
        EXPECT_EQ(r.status, 200) << r.body;
        if (r.status != 200) return {};
        auto o = r.json().as_object();
        return {std::string(o["authentication_token"].as_string()), o["user"].as_object()};
    }

    HttpResponse redeem(const std::string& code) { return client_->post_json("/api/oauth/token", body({{"code", code}})); }

    static std::string error_code(const HttpResponse& r) { return query_value(r.header("location"), "error_code"); }

    long long count(const std::string& sql) {
        auto lease = server_->app().pool().acquire();
        long long n = 0;
        *lease << sql, soci::into(n);
        return n;
    }
    void execute(const std::string& sql) {
        auto lease = server_->app().pool().acquire();
        *lease << sql;
    }

    FakeProviders fake_;
    std::string last_callback_;
};

// A disabled account stays shut whatever proves who it is: its sessions ended, and the
// provider's word gets the same answer as a wrong password.
TEST_F(SocialSignIn, ADisabledAccountCannotSignInThroughAProvider) {
    const auto email = "disabled.social." + security::random_hex(3) + "@example.com";
    fake_.consent_as({"g-" + security::random_hex(4), email, "Dee", true});
    Browser first(kChromeMac);
    auto [token, user] = sign_in(first, "google");
    ASSERT_FALSE(token.empty());
    server_->app().accounts().set_disabled(std::string(user["id"].as_string()), true, {});
    EXPECT_EQ(status_with(token), 401) << "its sessions ended";
    Browser again(kChromeMac);
    auto back = walk(again, "google");
    ASSERT_EQ(back.status, 302);
    auto refused = redeem(query_value(back.header("location"), "code"));
    EXPECT_EQ(refused.status, 400) << refused.body;
    EXPECT_EQ(refused.json().at("code"), std::string("invalid_credentials"));
    // And in the account's security log, as a refused password is.
    auto events = server_->app().accounts().activity(std::string(user["id"].as_string()), std::nullopt, 10).events;
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.front().kind, "sign_in_failed");
    EXPECT_EQ(events.front().details.at("method"), "google");
}

// A provider proves the first factor only: an account with an authenticator app is asked
// for it after the provider, as after a password.
TEST_F(SocialSignIn, AnAccountWithASecondFactorIsAskedForItAfterTheProvider) {
    start_of_a_step();
    const auto email = "mfa.social." + security::random_hex(3) + "@example.com";
    fake_.consent_as({"g-" + security::random_hex(4), email, "Mia", true});
    Browser first(kChromeMac);
    auto [token, user] = sign_in(first, "google");
    ASSERT_FALSE(token.empty());
    const auto secret = enable_authenticator_app(*client_, token).secret;  // a fresh sign-in is recent
    ASSERT_FALSE(secret.empty());

    Browser again(kChromeMac);
    auto back = walk(again, "google");
    ASSERT_EQ(back.status, 302);
    auto exchanged = redeem(query_value(back.header("location"), "code"));
    ASSERT_EQ(exchanged.status, 200) << exchanged.body;
    auto challenge = exchanged.json().as_object();
    EXPECT_FALSE(challenge.contains("authentication_token")) << exchanged.body;
    EXPECT_EQ(challenge["mfa_required"], boost::json::value(true));
    // From the browser that went through the provider (the ticket is bound to its user agent).
    auto done = client_->post_json("/api/auth/login/mfa",
                                   body({{"mfa_ticket", challenge["mfa_ticket"]}, {"totp_code", app_code(secret)}}),
                                   {{"User-Agent", kChromeMac}});
    ASSERT_EQ(done.status, 200) << done.body;
    EXPECT_EQ(done.json().at("user").at("email"), email);
}

TEST_F(SocialSignIn, NewGoogleUserGetsAPasswordlessAccountAndASession) {
    const auto email = "jane.doe." + security::random_hex(3) + "@example.com";
    fake_.consent_as({"g-" + security::random_hex(4), email, "Jane Doe", true});
    Browser b(kChromeMac);

    auto start = b.get(starter("/api/oauth/google/login?redirect_to=" + common::url_encode(kAfterSignIn)));
    ASSERT_EQ(start.status, 302);
    const auto to_google = start.header("location");
    EXPECT_TRUE(to_google.starts_with(fake_.base_url() + "/o/oauth2/v2/auth?")) << to_google;
    EXPECT_EQ(query_value(to_google, "scope"), "openid email profile");
    EXPECT_EQ(query_value(to_google, "code_challenge_method"), "S256");
    EXPECT_EQ(query_value(to_google, "code_challenge").size(), 43u);
    EXPECT_EQ(query_value(to_google, "redirect_uri"), starter("/api/oauth/google/callback"));
    EXPECT_EQ(query_value(to_google, "state").size(), 64u);
    const auto cookie = start.header("set-cookie");
    EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
    EXPECT_NE(cookie.find("SameSite=Lax"), std::string::npos) << cookie;
    EXPECT_NE(cookie.find("Path=/api/oauth/google/callback"), std::string::npos) << cookie;
    EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "http PUBLIC_URL: no Secure flag";

    auto consent = b.get(to_google);
    ASSERT_EQ(consent.status, 302) << consent.body;
    auto back = b.get(consent.header("location"));
    ASSERT_EQ(back.status, 302);
    const auto landing = back.header("location");
    EXPECT_TRUE(landing.starts_with(std::string(kAfterSignIn) + "?code=")) << landing;
    EXPECT_EQ(landing.find("token"), std::string::npos) << "no bearer token in a URL";
    EXPECT_FALSE(b.has_cookie("starter_oauth_google")) << "the flow cookie is cleared";

    auto r = redeem(query_value(landing, "code"));
    ASSERT_EQ(r.status, 200) << r.body;
    auto o = r.json().as_object();
    auto token = std::string(o["authentication_token"].as_string());
    auto me = client_->get("/api/users/@me", bearer(token));
    ASSERT_EQ(me.status, 200);
    auto user = me.json().as_object();
    EXPECT_EQ(user["email"], email);
    EXPECT_EQ(user["has_password"], false);
    EXPECT_EQ(boost::json::serialize(user["auth_providers"]), R"(["google"])");
    EXPECT_TRUE(std::string(user["username"].as_string()).starts_with("jane.doe.")) << user["username"];
    EXPECT_FALSE(user["last_login_at"].is_null());

    // The session describes the browser that signed in, like a password login.
    auto sessions = client_->get("/api/auth/sessions", bearer(token)).json().as_array();
    ASSERT_EQ(sessions.size(), 1u);
    EXPECT_EQ(sessions[0].as_object().at("device"), std::string("Chrome 120 on Mac OS X 10.15"));
    mail_to(email, "Welcome");
    EXPECT_EQ(count("SELECT COUNT(*) FROM oauth_states"), 0) << "the state is spent";
}

TEST_F(SocialSignIn, ReturningGoogleUserSignsIntoTheSameAccountAndANewDeviceIsReported) {
    const auto email = "return." + security::random_hex(3) + "@example.com";
    fake_.consent_as({"g-" + security::random_hex(4), email});
    Browser first(kChromeMac);
    auto [t1, u1] = sign_in(first, "google");
    Browser second;  // Firefox on Linux
    auto [t2, u2] = sign_in(second, "google");
    EXPECT_EQ(u1["id"], u2["id"]);
    EXPECT_NE(t1, t2);
    mail_to(email, "New sign-in");
    mail_to(email, "Welcome");  // the jobs may be delivered in either order
    std::size_t welcomes = 0;
    for (const auto& m : all_mail_to(email)) welcomes += m.header("Subject").find("Welcome") != std::string::npos;
    EXPECT_EQ(welcomes, 1u);
    EXPECT_EQ(count("SELECT COUNT(*) FROM oauth_accounts"), 1);
}

TEST_F(SocialSignIn, AnExistingEmailIsNeverLinkedSilently) {
    const auto email = fresh_email();
    auto [token, user] = sign_up(email, "owner_" + security::random_hex(3));
    fake_.consent_as({"g-attacker", email});
    Browser b;
    auto back = walk(b, "google");
    EXPECT_EQ(error_code(back), "oauth_account_not_linked");
    EXPECT_TRUE(back.header("location").starts_with(kAfterSignIn));
    auto me = client_->get("/api/users/@me", bearer(token)).json().as_object();
    EXPECT_EQ(boost::json::serialize(me["auth_providers"]), R"(["email_password"])");
    EXPECT_EQ(count("SELECT COUNT(*) FROM oauth_accounts"), 0);
}

TEST_F(SocialSignIn, ATamperedStateIsRefused) {
    Browser b;
    auto start = b.get(starter("/api/oauth/google/login"));
    ASSERT_EQ(start.status, 302);
    auto consent = b.get(start.header("location"));
    auto callback = consent.header("location");
    auto state = query_value(callback, "state");
    std::string forged = callback.substr(0, callback.find("state=")) + "state=" + std::string(64, 'a');
    auto back = b.get(forged);
    EXPECT_EQ(back.status, 302);
    EXPECT_EQ(error_code(back), "oauth_callback");
    EXPECT_TRUE(back.header("location").starts_with("http://localhost:3000")) << "unknown state: APP_URL";
    EXPECT_EQ(count("SELECT COUNT(*) FROM users"), 0);
}

TEST_F(SocialSignIn, ACallbackFromAnotherBrowserIsRefusedAndDoesNotSpoilTheRealOne) {
    fake_.consent_as({"g-" + security::random_hex(4), fresh_email()});
    Browser victim;
    auto start = victim.get(starter("/api/oauth/google/login?redirect_to=" + common::url_encode(kAfterSignIn)));
    auto consent = victim.get(start.header("location"));
    const auto callback = consent.header("location");

    Browser attacker;  // login CSRF: the callback URL opened without the flow cookie
    auto forged = attacker.get(callback);
    EXPECT_EQ(error_code(forged), "oauth_callback");
    EXPECT_EQ(count("SELECT COUNT(*) FROM users"), 0);

    auto real = victim.get(callback);
    EXPECT_FALSE(query_value(real.header("location"), "code").empty()) << real.header("location");
}

TEST_F(SocialSignIn, AStateWorksOnceAndNotAfterTenMinutes) {
    fake_.consent_as({"g-" + security::random_hex(4), fresh_email()});
    Browser b;
    auto first = walk(b, "google");
    ASSERT_FALSE(query_value(first.header("location"), "code").empty());
    // Replay: same URL, and even with the cookie put back it is spent.
    auto replay = b.get(last_callback_);
    EXPECT_EQ(error_code(replay), "oauth_callback");

    Browser late;
    auto start = late.get(starter("/api/oauth/google/login"));
    auto consent = late.get(start.header("location"));
    execute("UPDATE oauth_states SET expires_at = 1");
    auto expired = late.get(consent.header("location"));
    EXPECT_EQ(error_code(expired), "oauth_callback");
}

TEST_F(SocialSignIn, ALoginCodeIsRedeemedOnceWithinSixtySeconds) {
    fake_.consent_as({"g-" + security::random_hex(4), fresh_email()});
    Browser b;
    auto code = query_value(walk(b, "google").header("location"), "code");
    ASSERT_EQ(redeem(code).status, 200);
    auto again = redeem(code);
    EXPECT_EQ(again.status, 400);
    EXPECT_EQ(again.json().at("code"), std::string("invalid_input"));

    auto late = query_value(walk(b, "google").header("location"), "code");
    execute("UPDATE oauth_login_codes SET expires_at = 1");
    EXPECT_EQ(redeem(late).status, 400);
    EXPECT_EQ(redeem("not-a-code").status, 400);
    EXPECT_EQ(client_->post_json("/api/oauth/token", "{}").status, 422);
}

TEST_F(SocialSignIn, IdTokensThatDoNotVerifyAreRefused) {
    struct Case {
        const char* name;
        IdTokenTweaks tweaks;
        bool verified = true;
    };
    const Case cases[] = {
        {"bad signature", {.sign_with_foreign_key = true}, true},
        {"wrong aud", {.aud = "someone-else.apps.googleusercontent.com"}, true},
        {"wrong iss", {.iss = "https://evil.example"}, true},
        {"expired", {.exp_offset_s = -3600}, true},
        {"wrong nonce", {.nonce = "replayed-nonce"}, true},
        {"email not verified", IdTokenTweaks{}, false},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        fake_.tweak_id_tokens(c.tweaks);
        fake_.consent_as({"g-" + security::random_hex(4), fresh_email(), "X", c.verified});
        Browser b;
        auto back = walk(b, "google");
        EXPECT_EQ(error_code(back), "oauth_callback") << back.header("location");
        EXPECT_TRUE(back.header("location").starts_with(kAfterSignIn));
    }
    EXPECT_EQ(count("SELECT COUNT(*) FROM users"), 0);
    EXPECT_EQ(count("SELECT COUNT(*) FROM oauth_login_codes"), 0);
}

TEST_F(SocialSignIn, SigningKeysAreCachedAndRefetchedWhenGoogleRotates) {
    fake_.consent_as({"g-" + security::random_hex(4), fresh_email()});
    Browser b;
    sign_in(b, "google");
    sign_in(b, "google");
    EXPECT_EQ(fake_.jwks_fetches(), 1) << "Cache-Control max-age=3600 is honoured";
    fake_.rotate_signing_key();
    auto [token, user] = sign_in(b, "google");
    EXPECT_FALSE(token.empty());
    EXPECT_EQ(fake_.jwks_fetches(), 2) << "an unknown kid triggers one refetch";
}

TEST_F(SocialSignIn, RedirectTargetsOutsideTheAllowedOriginsAreRefused) {
    for (const char* target : {"https://evil.example/x", "http://localhost:3000@evil.example/", "http://localhost:30000/",
                               "javascript:alert(1)", "//evil.example", "http://localhost:3000\\@evil.example"}) {
        SCOPED_TRACE(target);
        Browser b;
        auto r = b.get(starter("/api/oauth/google/login?redirect_to=" + common::url_encode(target)));
        EXPECT_EQ(r.status, 400) << r.body;
        EXPECT_EQ(r.json().at("field"), std::string("redirect_to"));
        EXPECT_FALSE(b.has_cookie("starter_oauth_google"));
    }
    Browser ok;
    EXPECT_EQ(
        ok.get(starter("/api/oauth/google/login?redirect_to=" + common::url_encode("http://LOCALHOST:3000/a?b=c#frag"))).status,
        302);
}

TEST_F(SocialSignIn, AProviderFailureOrTimeoutEndsInACallbackError) {
    fake_.consent_as({"g-" + security::random_hex(4), fresh_email()});
    fake_.fail_token_endpoint(500);
    Browser b;
    EXPECT_EQ(error_code(walk(b, "google")), "oauth_callback");
    EXPECT_EQ(error_code(walk(b, "facebook")), "oauth_callback");
    fake_.fail_token_endpoint(0);
    fake_.delay_token_endpoint(std::chrono::milliseconds(4000));  // OAUTH_HTTP_TIMEOUT is 1.5 s here
    EXPECT_EQ(error_code(walk(b, "google")), "oauth_callback");
    fake_.delay_token_endpoint(std::chrono::milliseconds(0));
    EXPECT_EQ(count("SELECT COUNT(*) FROM users"), 0);
}

TEST_F(SocialSignIn, FacebookSignsInWithAnAppsecretProof) {
    const auto email = fresh_email();
    fake_.consent_as({"fb-" + security::random_hex(4), email, "Fb User"});
    Browser b;
    auto start = b.get(starter("/api/oauth/facebook/login"));
    ASSERT_EQ(start.status, 302);
    EXPECT_EQ(query_value(start.header("location"), "scope"), "email");
    auto [token, user] = sign_in(b, "facebook");
    ASSERT_FALSE(token.empty());
    auto me = client_->get("/api/users/@me", bearer(token)).json().as_object();
    EXPECT_EQ(me["email"], email);
    EXPECT_EQ(boost::json::serialize(me["auth_providers"]), R"(["facebook"])");

    // A Facebook account that shares no email cannot become an account here.
    fake_.consent_as({"fb-" + security::random_hex(4), ""});
    Browser other;
    EXPECT_EQ(error_code(walk(other, "facebook")), "oauth_account_create");
}

TEST_F(SocialSignIn, GitHubSignsInWithThePrimaryVerifiedAddressOnly) {
    const auto email = fresh_email();
    const auto id = std::to_string(10'000'000 + std::stoi(security::random_hex(3), nullptr, 16));
    fake_.consent_as({id, email, "Octo Cat"});
    Browser b;
    auto start = b.get(starter("/api/oauth/github/login"));
    ASSERT_EQ(start.status, 302);
    EXPECT_EQ(query_value(start.header("location"), "code_challenge_method"), "S256");
    auto [token, user] = sign_in(b, "github");
    ASSERT_FALSE(token.empty());
    EXPECT_EQ(user["email"], email) << "the primary address, not the older verified one";
    EXPECT_EQ(boost::json::serialize(user["auth_providers"]), R"(["github"])");

    // The same GitHub account again: the same account here, found by GitHub's id.
    Browser again;
    auto [token2, user2] = sign_in(again, "github");
    EXPECT_EQ(user2["id"], user["id"]);

    // A primary address GitHub has not verified is no address: no account is made.
    fake_.consent_as({std::to_string(20'000'000 + std::stoi(security::random_hex(3), nullptr, 16)), fresh_email(), "X", false});
    Browser unverified;
    EXPECT_EQ(error_code(walk(unverified, "github")), "oauth_account_create");
}

TEST_F(SocialSignIn, ASocialUserCanSetAPasswordAndChangeTheirEmail) {
    const auto email = fresh_email();
    fake_.consent_as({"g-" + security::random_hex(4), email});
    Browser b;
    auto [token, user] = sign_in(b, "google");
    auto set = client_->request("PATCH", "/api/users/@me/password", body({{"new_password", kPassword}}),
                                {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}});
    ASSERT_EQ(set.status, 200) << set.body;
    EXPECT_EQ(set.json().at("has_password"), true);
    EXPECT_EQ(boost::json::serialize(set.json().at("auth_providers")), R"(["email_password","google"])");
    EXPECT_EQ(login(email, kPassword).status, 200);

    const auto next = fresh_email();
    auto req = client_->post_json("/api/users/@me/email-change-request", body({{"email", next}, {"current_password", kPassword}}),
                                  bearer(token));
    ASSERT_EQ(req.status, 202) << req.body;
    auto code = code_in(mail_to(next, "Confirm your new"));
    auto changed = client_->request("PATCH", "/api/users/@me/email", body({{"email", next}, {"email_verification_code", code}}),
                                    {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}});
    ASSERT_EQ(changed.status, 200) << changed.body;
    // Still the same Google identity afterwards.
    auto [again, same] = sign_in(b, "google");
    EXPECT_EQ(same["id"], user["id"]);
    EXPECT_EQ(same["email"], next);
}

TEST_F(SocialSignIn, ThePostFormsOfTheRoutesWork) {
    fake_.consent_as({"g-" + security::random_hex(4), fresh_email()});
    Browser b;
    auto start = b.post_form(starter("/api/oauth/google/login"), "redirect_to=" + common::url_encode(kAfterSignIn));
    ASSERT_EQ(start.status, 302) << start.body;
    auto consent = b.get(start.header("location"));
    auto callback = consent.header("location");
    auto q = callback.find('?');
    auto back = b.post_form(callback.substr(0, q), callback.substr(q + 1));
    EXPECT_FALSE(query_value(back.header("location"), "code").empty()) << back.header("location");
}

// Linking: a signed-in user attaches a provider identity to their account through the same
// browser flow, and detaches it again; nothing is ever linked by matching emails.
class AccountLinking : public SocialSignIn {
protected:
    // The browser of `token`'s owner starts a link flow and walks it; where it ends.
    HttpResponse link(Browser& b, const std::string& token, const std::string& provider = "google") {
        auto start = b.request_json("POST", starter("/api/oauth/" + provider + "/link"), body({{"redirect_to", kAfterSignIn}}),
                                    bearer(token));
        EXPECT_EQ(start.status, 200) << start.body;
        if (start.status != 200) return start;
        auto consent = b.get(std::string(start.json().at("authorization_url").as_string()));
        EXPECT_EQ(consent.status, 302) << consent.body;
        return b.get(consent.header("location"));
    }
    boost::json::object me(const std::string& token) { return client_->get("/api/users/@me", bearer(token)).json().as_object(); }
};

TEST_F(AccountLinking, APasswordUserLinksGoogleSignsInWithItAndUnlinksIt) {
    const auto email = fresh_email();
    auto [token, user] = sign_up(email, "link_" + security::random_hex(3));
    const auto google_email = "jane." + security::random_hex(3) + "@gmail.example";
    fake_.consent_as({"g-" + security::random_hex(4), google_email});  // another address: no matching needed

    Browser b;
    auto back = link(b, token);
    ASSERT_EQ(back.status, 302);
    EXPECT_EQ(query_value(back.header("location"), "linked"), "google") << back.header("location");
    auto profile = me(token);
    EXPECT_EQ(boost::json::serialize(profile["auth_providers"]), R"(["email_password","google"])");
    EXPECT_EQ(boost::json::serialize(profile["linked_providers"]),
              R"([{"provider":"google","email":")" + google_email + R"("}])");
    EXPECT_NE(mail_to(email, "Google was linked").text.find(google_email), std::string::npos);

    // Google now signs into this account.
    Browser elsewhere;
    auto [google_token, google_user] = sign_in(elsewhere, "google");
    EXPECT_EQ(google_user["id"], user["id"]);

    auto unlink = client_->request("DELETE", "/api/oauth/google/link", "", bearer(token));
    EXPECT_EQ(unlink.status, 204) << unlink.body;
    EXPECT_EQ(boost::json::serialize(me(token)["auth_providers"]), R"(["email_password"])");
    EXPECT_FALSE(mail_to(email, "Google was unlinked").text.empty());
    EXPECT_EQ(client_->request("DELETE", "/api/oauth/google/link", "", bearer(token)).status, 404);
    // And Google no longer signs in here: its address is not this account's, so it makes a new one.
    Browser after;
    auto [other_token, other_user] = sign_in(after, "google");
    EXPECT_NE(other_user["id"], user["id"]);
}

// On PostgreSQL a server keeps who a token belongs to in memory: linking and unlinking
// must forget it as they commit, not when the database's notification comes back a moment
// later (the account app reloads the profile at once and showed Google still linked).
TEST_F(AccountLinking, TheProfileShowsEachLinkAndUnlinkAtOnce) {
    auto [token, user] = sign_up(fresh_email(), "swift_" + security::random_hex(3));
    const auto google_email = "jane." + security::random_hex(3) + "@gmail.example";
    fake_.consent_as({"g-" + security::random_hex(4), google_email});
    for (int round = 0; round < 60; ++round) {  // a few rounds in a hundred lost the race before the fix
        ASSERT_EQ(boost::json::serialize(me(token)["linked_providers"]), "[]") << "round " << round;
        Browser b;
        ASSERT_EQ(link(b, token).status, 302);
        ASSERT_EQ(boost::json::serialize(me(token)["linked_providers"]),
                  R"([{"provider":"google","email":")" + google_email + R"("}])")
            << "round " << round;
        ASSERT_EQ(client_->request("DELETE", "/api/oauth/google/link", "", bearer(token)).status, 204);
    }
    ASSERT_EQ(boost::json::serialize(me(token)["linked_providers"]), "[]");
}

TEST_F(AccountLinking, LinkingNeedsARecentSignInAndAnIdentityNobodyElseHas) {
    auto [token, user] = sign_up(fresh_email(), "recent_" + security::random_hex(3));
    age_session(token);
    Browser b;
    auto stale = b.request_json("POST", starter("/api/oauth/google/link"), "{}", bearer(token));
    EXPECT_EQ(stale.status, 403) << stale.body;
    EXPECT_EQ(stale.json().at("code"), std::string("reauthentication_required"));
    EXPECT_EQ(b.request_json("POST", starter("/api/oauth/google/link"), "{}").status, 401);

    // An identity that signs into another account is refused, and stays where it is.
    const auto subject = "g-" + security::random_hex(4);
    fake_.consent_as({subject, fresh_email()});
    Browser theirs;
    auto [their_token, their_user] = sign_in(theirs, "google");
    auto [mine, my_user] = sign_up(fresh_email(), "mine_" + security::random_hex(3));
    Browser me_browser;
    EXPECT_EQ(error_code(link(me_browser, mine)), "oauth_identity_in_use");
    EXPECT_EQ(count("SELECT COUNT(*) FROM oauth_accounts WHERE provider_user_id = '" + subject + "'"), 1);
    Browser theirs_again;
    EXPECT_EQ(sign_in(theirs_again, "google").second["id"], their_user["id"]);

    // A second Google identity for an account that has one is refused too.
    fake_.consent_as({"g-" + security::random_hex(4), fresh_email()});
    Browser first;
    ASSERT_EQ(query_value(link(first, mine).header("location"), "linked"), "google");
    fake_.consent_as({"g-" + security::random_hex(4), fresh_email()});
    Browser second;
    EXPECT_EQ(error_code(link(second, mine)), "oauth_provider_already_linked");
}

// Login CSRF's twin: someone starts a link flow for their own account and has the victim's
// browser finish it, to attach the victim's Google to the attacker's account. The flow
// cookie is in the attacker's browser only, so the victim's callback links nothing.
TEST_F(AccountLinking, ALinkFlowCannotBeFinishedInAnotherBrowser) {
    auto [attacker, attacker_user] = sign_up(fresh_email(), "mallory_" + security::random_hex(3));
    const auto subject = "g-" + security::random_hex(4);
    fake_.consent_as({subject, fresh_email()});
    Browser mallory;
    auto start =
        mallory.request_json("POST", starter("/api/oauth/google/link"), body({{"redirect_to", kAfterSignIn}}), bearer(attacker));
    ASSERT_EQ(start.status, 200) << start.body;
    Browser victim;
    auto consent = victim.get(std::string(start.json().at("authorization_url").as_string()));
    auto back = victim.get(consent.header("location"));
    EXPECT_EQ(error_code(back), "oauth_callback");
    EXPECT_EQ(count("SELECT COUNT(*) FROM oauth_accounts WHERE provider_user_id = '" + subject + "'"), 0);
}

TEST_F(AccountLinking, TheLastWayToSignInCannotBeUnlinked) {
    fake_.consent_as({"g-" + security::random_hex(4), fresh_email()});
    Browser b;
    auto [token, user] = sign_in(b, "google");
    auto refused = client_->request("DELETE", "/api/oauth/google/link", "", bearer(token));
    EXPECT_EQ(refused.status, 400) << refused.body;
    EXPECT_EQ(refused.json().at("field"), std::string("provider"));
    // With GitHub linked too, Google can go.
    fake_.consent_as({std::to_string(30'000'000 + std::stoi(security::random_hex(3), nullptr, 16)), fresh_email()});
    Browser linker;
    ASSERT_EQ(query_value(link(linker, token, "github").header("location"), "linked"), "github");
    EXPECT_EQ(client_->request("DELETE", "/api/oauth/google/link", "", bearer(token)).status, 204);
    EXPECT_EQ(client_->request("DELETE", "/api/oauth/github/link", "", bearer(token)).status, 400) << "now GitHub is the last";
}

class SocialSignInDisabled : public AccountsFixture {};

TEST_F(SocialSignInDisabled, AProviderWithoutClientIdAnswers404) {
    for (const char* path : {"/api/oauth/google/login", "/api/oauth/facebook/login", "/api/oauth/google/callback?state=x&code=y",
                             "/api/oauth/github/login"}) {
        SCOPED_TRACE(path);
        auto r = client_->get(path);
        EXPECT_EQ(r.status, 404);
        EXPECT_EQ(r.json().at("code"), std::string("not_found"));
    }
}

}  // namespace
