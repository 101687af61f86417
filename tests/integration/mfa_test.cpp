// The second factor over HTTP, with Debian's oathtool as the user's authenticator app:
// enrolment and its confirmation, sign-in with a ticket and a code (each code once),
// recovery codes, recent authentication, and secrets sealed at rest.
#include "security/hash.hpp"
#include "support/accounts_fixture.hpp"
#include "support/authenticator.hpp"
#include "support/process.hpp"
#include "support/test_server.hpp"

#include <boost/json.hpp>
#include <soci/soci.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <atomic>
#include <regex>
#include <set>
#include <thread>

using namespace testing_support;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

class SecondFactor : public AccountsFixture {
protected:
    struct Account {
        std::string email, username, token, secret;
    };

    Account signed_up() {
        Account a;
        a.email = fresh_email();
        a.username = "mfa_" + security::random_hex(4);
        a.token = sign_up(a.email, a.username).first;
        return a;
    }

    // Enrols and confirms an authenticator app with the previous step's code; returns the recovery codes.
    std::vector<std::string> with_authenticator(Account& a) {
        auto app = enable_authenticator_app(*client_, a.token);
        a.secret = app.secret;
        return app.recovery_codes;
    }

    std::string ticket_of(const Account& a) {
        auto r = login(a.email, kPassword);
        EXPECT_EQ(r.status, 200) << r.body;
        EXPECT_EQ(r.json().at("mfa_required"), json::value(true)) << r.body;
        return std::string(r.json().at("mfa_ticket").as_string());
    }

    HttpResponse second_step(const std::string& ticket, const char* method, const std::string& code) {
        return client_->post_json("/api/auth/login/mfa", body({{"mfa_ticket", ticket}, {method, code}}));
    }
};

TEST_F(SecondFactor, AuthenticatorAppIsEnrolledConfirmedAndAskedForAtSignIn) {
    start_of_a_step();
    auto a = signed_up();
    auto status = client_->get("/api/users/@me/mfa", bearer(a.token));
    ASSERT_EQ(status.status, 200) << status.body;
    EXPECT_EQ(json::serialize(status.json()), R"({"totp":false,"passkeys":0,"recovery_codes_left":0})");
    EXPECT_EQ(client_->get("/api/users/@me", bearer(a.token)).json().at("mfa_enabled"), json::value(false));

    auto started = client_->post_json("/api/users/@me/mfa/totp", "", bearer(a.token));
    ASSERT_EQ(started.status, 201) << started.body;
    auto e = started.json().as_object();
    const std::string secret(e["secret"].as_string());
    EXPECT_TRUE(std::regex_match(secret, std::regex("^[A-Z2-7]{32}$"))) << secret;
    const std::string uri(e["otpauth_uri"].as_string());
    EXPECT_TRUE(uri.starts_with("otpauth://totp/Starter:" + std::regex_replace(a.email, std::regex("@"), "%40") +
                                "?secret=" + secret + "&issuer=Starter"))
        << uri;
    EXPECT_TRUE(std::string(e["qr_svg"].as_string()).starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));

    // Not confirmed yet: it does not count.
    EXPECT_TRUE(login(a.email, kPassword).json().as_object().contains("authentication_token"));
    auto wrong = client_->post_json("/api/users/@me/mfa/totp/confirm", body({{"code", wrong_code(secret)}}), bearer(a.token));
    EXPECT_EQ(wrong.status, 400) << wrong.body;
    EXPECT_EQ(field_of(wrong), "code");
    EXPECT_EQ(client_->post_json("/api/users/@me/mfa/totp/confirm", body({{"code", "12345"}}), bearer(a.token)).status, 422);

    auto confirmed =
        client_->post_json("/api/users/@me/mfa/totp/confirm", body({{"code", app_code(secret, -30)}}), bearer(a.token));
    ASSERT_EQ(confirmed.status, 200) << confirmed.body;
    std::set<std::string> codes;
    const auto answer = confirmed.json();
    for (const auto& c : answer.at("recovery_codes").as_array()) {
        EXPECT_TRUE(std::regex_match(std::string(c.as_string()), std::regex("^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$"))) << c;
        codes.emplace(c.as_string());
    }
    EXPECT_EQ(codes.size(), 10u);
    auto enabled = mail_to(a.email, "second factor was added");
    EXPECT_NE(enabled.text.find("authenticator app"), std::string::npos);
    EXPECT_NE(enabled.text.find("127.0.0.1"), std::string::npos);
    EXPECT_EQ(client_->get("/api/users/@me", bearer(a.token)).json().at("mfa_enabled"), json::value(true));
    EXPECT_EQ(json::serialize(client_->get("/api/users/@me/mfa", bearer(a.token)).json()),
              R"({"totp":true,"passkeys":0,"recovery_codes_left":10})");

    // The password alone is no longer a sign-in.
    auto first = login(a.email, kPassword);
    ASSERT_EQ(first.status, 200) << first.body;
    auto challenge = first.json().as_object();
    EXPECT_FALSE(challenge.contains("authentication_token"));
    EXPECT_EQ(json::serialize(challenge["methods"]), R"(["totp","recovery_code"])");
    const std::string ticket(challenge["mfa_ticket"].as_string());

    // The code that confirmed the app was used: a replay is refused.
    auto replay = second_step(ticket, "totp_code", app_code(secret, -30));
    EXPECT_EQ(replay.status, 400) << replay.body;
    EXPECT_EQ(field_of(replay), "totp_code");
    auto ok = second_step(ticket, "totp_code", app_code(secret));
    ASSERT_EQ(ok.status, 200) << ok.body;
    const std::string token(ok.json().at("authentication_token").as_string());
    EXPECT_EQ(client_->get("/api/users/@me", bearer(token)).json().at("username"), a.username);
    // A ticket works once.
    auto again = second_step(ticket, "totp_code", app_code(secret, 30));
    EXPECT_EQ(again.status, 400);
    EXPECT_EQ(field_of(again), "mfa_ticket");
}

TEST_F(SecondFactor, ARecoveryCodeSignsInOnceAndTheOwnerIsToldHowManyAreLeft) {
    start_of_a_step();
    auto a = signed_up();
    auto codes = with_authenticator(a);
    ASSERT_EQ(codes.size(), 10u);
    // Typed as people do: upper case, without the dashes.
    const auto typed = std::regex_replace(codes[3], std::regex("-"), "");
    std::string upper;
    for (char c : typed) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto r = second_step(ticket_of(a), "recovery_code", upper);
    ASSERT_EQ(r.status, 200) << r.body;
    auto used = mail_to(a.email, "recovery code was used");
    EXPECT_NE(used.text.find("9 of your recovery codes"), std::string::npos) << used.text;
    EXPECT_EQ(second_step(ticket_of(a), "recovery_code", codes[3]).status, 400) << "a recovery code works once";
    EXPECT_EQ(client_->get("/api/users/@me/mfa", bearer(a.token)).json().at("recovery_codes_left"), json::value(9));

    // A new set replaces the old one.
    auto renewed = client_->post_json("/api/users/@me/mfa/recovery-codes", "", bearer(a.token));
    ASSERT_EQ(renewed.status, 200) << renewed.body;
    EXPECT_EQ(renewed.json().at("recovery_codes").as_array().size(), 10u);
    EXPECT_EQ(second_step(ticket_of(a), "recovery_code", codes[5]).status, 400) << "the old set died";
    EXPECT_EQ(
        second_step(ticket_of(a), "recovery_code", std::string(renewed.json().at("recovery_codes").at(0).as_string())).status,
        200);
}

TEST_F(SecondFactor, ATicketDiesAfterFiveWrongFactorsAndNeedsExactlyOne) {
    start_of_a_step();
    auto a = signed_up();
    with_authenticator(a);
    const auto ticket = ticket_of(a);
    EXPECT_EQ(client_->post_json("/api/auth/login/mfa", body({{"mfa_ticket", ticket}})).status, 400) << "no factor";
    EXPECT_EQ(client_
                  ->post_json("/api/auth/login/mfa",
                              body({{"mfa_ticket", ticket}, {"totp_code", app_code(a.secret)}, {"recovery_code", "x"}}))
                  .status,
              400)
        << "two factors";
    // Bound to the client that gave the password: another user agent cannot use it.
    auto elsewhere = client_->post_json("/api/auth/login/mfa", body({{"mfa_ticket", ticket}, {"totp_code", app_code(a.secret)}}),
                                        {{"User-Agent", "curl/8.0"}});
    EXPECT_EQ(elsewhere.status, 400) << elsewhere.body;
    EXPECT_EQ(field_of(elsewhere), "mfa_ticket");
    for (int i = 0; i < 5; ++i) EXPECT_EQ(field_of(second_step(ticket, "totp_code", wrong_code(a.secret))), "totp_code");
    auto late = second_step(ticket, "totp_code", app_code(a.secret));
    EXPECT_EQ(late.status, 400) << late.body;
    EXPECT_EQ(field_of(late), "mfa_ticket");
    EXPECT_EQ(second_step("not-a-ticket", "totp_code", app_code(a.secret)).status, 400);
}

TEST_F(SecondFactor, ChangesToFactorsNeedARecentSignInOrReauthentication) {
    start_of_a_step();
    auto a = signed_up();
    age_session(a.token);
    auto refused = client_->post_json("/api/users/@me/mfa/totp", "", bearer(a.token));
    EXPECT_EQ(refused.status, 403) << refused.body;
    EXPECT_EQ(refused.json().at("code"), std::string("reauthentication_required"));
    auto wrong = client_->post_json("/api/auth/reauthenticate", body({{"password", kOtherPassword}}), bearer(a.token));
    EXPECT_EQ(wrong.status, 400);
    EXPECT_EQ(field_of(wrong), "password");
    EXPECT_EQ(client_->post_json("/api/auth/reauthenticate", body({{"password", kPassword}}), bearer(a.token)).status, 204);
    with_authenticator(a);

    // Removing it, later: the authenticator's own code proves the caller again.
    age_session(a.token);
    EXPECT_EQ(client_->request("DELETE", "/api/users/@me/mfa/totp", "", bearer(a.token)).status, 403);
    EXPECT_EQ(client_->post_json("/api/users/@me/mfa/recovery-codes", "", bearer(a.token)).status, 403);
    EXPECT_EQ(client_->post_json("/api/auth/reauthenticate", body({{"totp_code", app_code(a.secret)}}), bearer(a.token)).status,
              204);
    EXPECT_EQ(client_->post_json("/api/auth/reauthenticate", body({{"totp_code", app_code(a.secret)}}), bearer(a.token)).status,
              400)
        << "a code proves once";
    auto removed = client_->request("DELETE", "/api/users/@me/mfa/totp", "", bearer(a.token));
    EXPECT_EQ(removed.status, 204) << removed.body;
    auto told = mail_to(a.email, "second factor was removed");
    EXPECT_NE(told.text.find("authenticator app"), std::string::npos);
    EXPECT_EQ(client_->get("/api/users/@me", bearer(a.token)).json().at("mfa_enabled"), json::value(false));
    EXPECT_EQ(json::serialize(client_->get("/api/users/@me/mfa", bearer(a.token)).json()),
              R"({"totp":false,"passkeys":0,"recovery_codes_left":0})");
    EXPECT_TRUE(login(a.email, kPassword).json().as_object().contains("authentication_token"));
    EXPECT_EQ(client_->request("DELETE", "/api/users/@me/mfa/totp", "", bearer(a.token)).status, 404);
}

// Wrong second factors count with the account's failed logins: new tickets do not reset them.
class SecondFactorLockout : public SecondFactor {
protected:
    void configure(config::Settings& s) override {
        s.rate_limits.multiplier = 1;
        s.login_failure_limit = ratelimit::Limit::parse("3/15minute");
    }
};

TEST_F(SecondFactorLockout, WrongFactorsOnFreshTicketsStillLockTheAccount) {
    start_of_a_step();
    auto a = signed_up();
    with_authenticator(a);
    EXPECT_EQ(second_step(ticket_of(a), "totp_code", wrong_code(a.secret)).status, 400);
    EXPECT_EQ(second_step(ticket_of(a), "totp_code", wrong_code(a.secret)).status, 400);
    const auto ticket = ticket_of(a);
    EXPECT_EQ(second_step(ticket, "totp_code", wrong_code(a.secret)).status, 400);
    auto locked = second_step(ticket, "totp_code", app_code(a.secret));
    EXPECT_EQ(locked.status, 429) << locked.body;
    EXPECT_EQ(locked.header("retry-after"), "60");
    EXPECT_EQ(login(a.email, kPassword).status, 429) << "the password is the same account's allowance";
}

// Two sign-ins racing with the same code (a phished or shoulder-surfed one): exactly one
// gets a session, on every round.
TEST_F(SecondFactor, TheSameCodeRacedOnTwoTicketsSignsInOnce) {
    for (int round = 0; round < 6; ++round) {
        start_of_a_step();
        auto a = signed_up();
        with_authenticator(a);
        const auto first = ticket_of(a), second = ticket_of(a);
        const auto code = app_code(a.secret);
        std::atomic<int> signed_in{0};
        auto attempt = [&](const std::string& ticket) {
            HttpClient client(server_->port());
            auto r = client.post_json("/api/auth/login/mfa", body({{"mfa_ticket", ticket}, {"totp_code", code}}));
            if (r.status == 200) ++signed_in;
        };
        std::thread t1(attempt, first), t2(attempt, second);
        t1.join();
        t2.join();
        EXPECT_EQ(signed_in.load(), 1) << "round " << round;
    }
}

// A dump of the database alone gives neither the authenticator's secret nor the recovery
// codes; a server started with another key refuses to start rather than fail later.
TEST_F(SecondFactor, SecretsAreSealedAtRestAndAnotherKeyStopsTheStart) {
    start_of_a_step();
    auto a = signed_up();
    auto codes = with_authenticator(a);
    std::string sealed;
    std::vector<std::string> hashes(10);
    {
        auto lease = server_->app().pool().acquire();
        *lease << "SELECT secret_sealed FROM totp_factors", soci::into(sealed);
        *lease << "SELECT code_hash FROM recovery_codes", soci::into(hashes);
    }
    EXPECT_TRUE(sealed.starts_with("v1.")) << sealed;
    EXPECT_EQ(sealed.find(a.secret), std::string::npos);
    ASSERT_EQ(hashes.size(), 10u);
    // The whole code, as typed without its dashes (a 4-character piece of it would be found in
    // a 64-digit hex hash by chance, once in every ~15 runs).
    for (const auto& code : codes)
        for (const auto& h : hashes) EXPECT_EQ(h.find(std::regex_replace(code, std::regex("-"), "")), std::string::npos) << code;

    auto database = server_->database();
    server_.reset();
    try {
        TestServer other([](config::Settings& s) { s.data_encryption_key = std::string(64, '7'); }, {}, database);
        FAIL() << "started with another data-encryption key";
    } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find("DATA_ENCRYPTION_KEY"), std::string::npos) << e.what();
    }
    TestServer same({}, {}, database);  // the right key: it starts, and the factor still works
    HttpClient client(same.port());
    auto first = client.post_json("/api/auth/login", body({{"login", a.email}, {"password", kPassword}}));
    auto done = client.post_json("/api/auth/login/mfa",
                                 body({{"mfa_ticket", first.json().at("mfa_ticket")}, {"totp_code", app_code(a.secret)}}));
    EXPECT_EQ(done.status, 200) << done.body;
}

// Rotating DATA_ENCRYPTION_KEY: with the old key in DATA_ENCRYPTION_KEY_PREVIOUS the server
// starts and the authenticator still works; `starter keys reseal` (reseal_secrets) moves every
// secret to the new key, after which the old key is no longer needed, nor enough.
TEST_F(SecondFactor, ARotatedKeyKeepsTheFactorWorkingAndResealingRetiresTheOldKey) {
    start_of_a_step();
    auto a = signed_up();
    auto codes = with_authenticator(a);
    const std::string old_key = kTestDataKey, new_key(64, '5');
    auto database = server_->database();
    server_.reset();
    auto sign_in = [&](TestServer& server, const boost::json::object& factor) {
        HttpClient client(server.port());
        auto first = client.post_json("/api/auth/login", body({{"login", a.email}, {"password", kPassword}}));
        auto proof = factor;
        proof["mfa_ticket"] = first.json().at("mfa_ticket");
        return client.post_json("/api/auth/login/mfa", boost::json::serialize(proof)).status;
    };
    {
        TestServer rotated(
            [&](config::Settings& s) {
                s.data_encryption_key = new_key;
                s.data_encryption_keys_previous = {old_key};
            },
            {}, database);
        EXPECT_EQ(sign_in(rotated, {{"totp_code", app_code(a.secret)}}), 200) << "opens under the previous key";
        auto& mfa = rotated.app().second_factor();
        EXPECT_EQ(mfa.reseal_secrets(), 1);
        EXPECT_EQ(mfa.reseal_secrets(), 0) << "nothing left to move";
        const auto by_key = mfa.secrets_by_key();
        ASSERT_EQ(by_key.size(), 1u);
        EXPECT_EQ(by_key[0].first, rotated.app().data_key_id());
    }
    {
        TestServer retired([&](config::Settings& s) { s.data_encryption_key = new_key; }, {}, database);
        EXPECT_EQ(sign_in(retired, {{"recovery_code", codes[0]}}), 200);
    }
    try {
        TestServer old([&](config::Settings& s) { s.data_encryption_key = old_key; }, {}, database);
        FAIL() << "started with the retired key";
    } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find("DATA_ENCRYPTION_KEY_PREVIOUS"), std::string::npos) << e.what();
    }
}

// Without DATA_ENCRYPTION_KEY: SQLite (one process) makes a private key file on first
// start; PostgreSQL (several servers) refuses to start.
TEST(DataEncryptionKey, UnsetMeansAKeyFileOnSqliteAndAStartErrorOnPostgres) {
    STARTER_REQUIRE_DATABASE();
    auto unset = [](config::Settings& s) { s.data_encryption_key.clear(); };
    if (requested_db() == TestDb::postgres) {
        try {
            TestServer server(unset);
            FAIL() << "started on PostgreSQL without DATA_ENCRYPTION_KEY";
        } catch (const std::exception& e) {
            EXPECT_NE(std::string(e.what()).find("DATA_ENCRYPTION_KEY: is required with PostgreSQL"), std::string::npos)
                << e.what();
        }
        return;
    }
    TestServer server(unset);
    const auto file = server.data_dir() / "data-encryption.key";
    struct stat st {};
    ASSERT_EQ(stat(file.c_str(), &st), 0) << file;
    EXPECT_EQ(st.st_mode & 0777, 0600u);
}

}  // namespace
