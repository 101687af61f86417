// Passkeys over HTTP, with a software authenticator standing in for the browser:
// registration, the user's list, passwordless sign-in, the second factor of a password
// sign-in, a cloned authenticator's counter, and what needs a recent sign-in.
#include "security/hash.hpp"
#include "support/accounts_fixture.hpp"
#include "support/authenticator.hpp"
#include "support/soft_authenticator.hpp"
#include "support/test_server.hpp"

#include <boost/json.hpp>
#include <soci/soci.h>
#include <gtest/gtest.h>

using namespace testing_support;
namespace json = boost::json;

namespace {

class Passkeys : public AccountsFixture {
protected:
    struct Account {
        std::string email, username, token;
    };
    Account signed_up() {
        Account a{fresh_email(), "pk_" + security::random_hex(4), ""};
        a.token = sign_up(a.email, a.username).first;
        return a;
    }

    json::object options_for(const Account& a) {
        auto r = client_->post_json("/api/users/@me/passkeys/options", "", bearer(a.token));
        EXPECT_EQ(r.status, 200) << r.body;
        return r.json().as_object();
    }

    HttpResponse add(const Account& a, SoftAuthenticator& key, const std::string& name = "Laptop") {
        auto credential = key.create(options_for(a));
        return client_->post_json("/api/users/@me/passkeys", body({{"name", name}, {"credential", credential}}), bearer(a.token));
    }

    json::object sign_in_options(const std::optional<std::string>& ticket = std::nullopt) {
        auto r = client_->post_json("/api/auth/passkey/options", ticket ? body({{"mfa_ticket", *ticket}}) : "");
        EXPECT_EQ(r.status, 200) << r.body;
        return r.json().as_object();
    }

    HttpResponse passwordless(SoftAuthenticator& key) {
        return client_->post_json("/api/auth/passkey/login", body({{"credential", key.get(sign_in_options())}}));
    }
};

TEST_F(Passkeys, RegisteredPasskeySignsInWithoutAUsernameOrPassword) {
    auto a = signed_up();
    auto options = options_for(a);
    EXPECT_EQ(options["rp"].at("id"), std::string("localhost"));
    EXPECT_EQ(options["user"].at("name"), a.email);
    EXPECT_EQ(options["attestation"], std::string("none"));
    EXPECT_EQ(options["challenge"].as_string().size(), 43u);

    SoftAuthenticator key(-7);
    auto added = client_->post_json("/api/users/@me/passkeys", body({{"name", "Laptop"}, {"credential", key.create(options)}}),
                                    bearer(a.token));
    ASSERT_EQ(added.status, 201) << added.body;
    const std::string id(added.json().at("id").as_string());
    EXPECT_EQ(added.json().at("name"), std::string("Laptop"));
    EXPECT_EQ(added.json().at("last_used_at"), json::value(nullptr));
    EXPECT_NE(mail_to(a.email, "passkey was added").text.find("Laptop"), std::string::npos);
    EXPECT_EQ(client_->get("/api/users/@me", bearer(a.token)).json().at("mfa_enabled"), json::value(true));

    auto renamed = client_->request("PATCH", "/api/users/@me/passkeys/" + id, body({{"name", "Work laptop"}}), bearer(a.token));
    ASSERT_EQ(renamed.status, 200) << renamed.body;
    auto list = client_->get("/api/users/@me/passkeys", bearer(a.token)).json().as_array();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].at("name"), std::string("Work laptop"));

    auto options_in = sign_in_options();
    EXPECT_EQ(options_in["userVerification"], std::string("required"));
    EXPECT_TRUE(options_in["allowCredentials"].as_array().empty()) << "discoverable: no username asked";
    auto credential = key.get(options_in);
    auto r = client_->post_json("/api/auth/passkey/login", body({{"credential", credential}}));
    ASSERT_EQ(r.status, 200) << r.body;
    const std::string token(r.json().at("authentication_token").as_string());
    EXPECT_EQ(client_->get("/api/users/@me", bearer(token)).json().at("email"), a.email);
    // The same answer again: its challenge is used up.
    auto replay = client_->post_json("/api/auth/passkey/login", body({{"credential", credential}}));
    EXPECT_EQ(replay.status, 400) << replay.body;
    EXPECT_EQ(field_of(replay), "passkey");
    EXPECT_NE(client_->get("/api/users/@me/passkeys", bearer(a.token)).json().at(0).at("last_used_at"), json::value(nullptr));

    // Without user verification it is not a sign-in on its own.
    key.user_verified = false;
    EXPECT_EQ(passwordless(key).status, 400);
}

TEST_F(Passkeys, APasskeyIsTheSecondFactorOfAPasswordSignIn) {
    auto a = signed_up();
    SoftAuthenticator key(-8);
    ASSERT_EQ(add(a, key).status, 201);
    auto first = login(a.email, kPassword);
    ASSERT_EQ(first.status, 200);
    EXPECT_EQ(json::serialize(first.json().at("methods")), R"(["passkey"])");
    const std::string ticket(first.json().at("mfa_ticket").as_string());
    auto options = sign_in_options(ticket);
    ASSERT_EQ(options["allowCredentials"].as_array().size(), 1u);
    // Another user's passkey is not this account's second factor.
    auto b = signed_up();
    SoftAuthenticator theirs;
    ASSERT_EQ(add(b, theirs).status, 201);
    auto wrong = client_->post_json("/api/auth/login/mfa", body({{"mfa_ticket", ticket}, {"passkey", theirs.get(options)}}));
    EXPECT_EQ(wrong.status, 400) << wrong.body;
    auto done =
        client_->post_json("/api/auth/login/mfa", body({{"mfa_ticket", ticket}, {"passkey", key.get(sign_in_options(ticket))}}));
    ASSERT_EQ(done.status, 200) << done.body;
    EXPECT_EQ(done.json().at("user").at("email"), a.email);
}

// An authenticator whose signature counter goes back has been cloned: refused, and logged.
TEST_F(Passkeys, ACounterThatDoesNotGrowIsRefused) {
    auto a = signed_up();
    SoftAuthenticator key(-257);
    ASSERT_EQ(add(a, key).status, 201);
    ASSERT_EQ(passwordless(key).status, 200);  // counter 2
    SoftAuthenticator clone = key;             // same key, its counter copied...
    ASSERT_EQ(passwordless(key).status, 200);  // ...then the original moves to 3
    auto r = passwordless(clone);              // the clone says 3 again
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_NE(r.body.find("counter"), std::string::npos) << r.body;
    // Authenticators that keep no counter (always 0) are fine.
    auto b = signed_up();
    SoftAuthenticator synced;
    synced.keeps_counter = false;
    ASSERT_EQ(add(b, synced).status, 201);
    EXPECT_EQ(passwordless(synced).status, 200);
    EXPECT_EQ(passwordless(synced).status, 200);
}

TEST_F(Passkeys, RegistrationRefusesForeignOptionsOriginsAndDuplicates) {
    auto a = signed_up();
    auto b = signed_up();
    SoftAuthenticator key;
    auto a_options = options_for(a);
    auto stolen = client_->post_json("/api/users/@me/passkeys", body({{"credential", key.create(a_options)}}), bearer(b.token));
    EXPECT_EQ(stolen.status, 400) << "another user's options";
    SoftAuthenticator phished;
    phished.origin = "https://evil.example";
    EXPECT_EQ(add(a, phished).status, 400);
    ASSERT_EQ(add(a, key).status, 201);
    EXPECT_EQ(add(a, key).status, 400) << "the same authenticator twice";
    EXPECT_EQ(client_->post_json("/api/users/@me/passkeys", body({{"credential", "not an object"}}), bearer(a.token)).status,
              422);
}

TEST_F(Passkeys, AddingAndRemovingNeedARecentSignIn) {
    auto a = signed_up();
    SoftAuthenticator key;
    ASSERT_EQ(add(a, key).status, 201);
    const std::string id(client_->get("/api/users/@me/passkeys", bearer(a.token)).json().at(0).at("id").as_string());
    age_session(a.token);
    EXPECT_EQ(client_->post_json("/api/users/@me/passkeys/options", "", bearer(a.token)).status, 403);
    EXPECT_EQ(client_->request("DELETE", "/api/users/@me/passkeys/" + id, "", bearer(a.token)).status, 403);
    // The passkey itself proves the caller again.
    auto proof = client_->post_json("/api/auth/reauthenticate", body({{"passkey", key.get(sign_in_options())}}), bearer(a.token));
    ASSERT_EQ(proof.status, 204) << proof.body;
    EXPECT_EQ(client_->request("DELETE", "/api/users/@me/passkeys/" + id, "", bearer(a.token)).status, 204);
    EXPECT_EQ(client_->get("/api/users/@me", bearer(a.token)).json().at("mfa_enabled"), json::value(false));
    EXPECT_EQ(client_->request("DELETE", "/api/users/@me/passkeys/" + id, "", bearer(a.token)).status, 404);
    EXPECT_TRUE(login(a.email, kPassword).json().as_object().contains("authentication_token"));
}

// Removing the authenticator app while a passkey remains leaves the account with a second
// factor: sign-in still asks for it, and the recovery codes stay.
TEST_F(Passkeys, RemovingTheAppKeepsTheSecondFactorWhileAPasskeyRemains) {
    start_of_a_step();
    auto a = signed_up();
    SoftAuthenticator key;
    ASSERT_EQ(add(a, key).status, 201);
    ASSERT_FALSE(enable_authenticator_app(*client_, a.token).secret.empty());
    ASSERT_EQ(client_->post_json("/api/users/@me/mfa/recovery-codes", "", bearer(a.token)).status, 200);
    ASSERT_EQ(client_->request("DELETE", "/api/users/@me/mfa/totp", "", bearer(a.token)).status, 204);
    EXPECT_EQ(client_->get("/api/users/@me", bearer(a.token)).json().at("mfa_enabled"), json::value(true));
    EXPECT_EQ(json::serialize(client_->get("/api/users/@me/mfa", bearer(a.token)).json()),
              R"({"totp":false,"passkeys":1,"recovery_codes_left":10})");
    auto first = login(a.email, kPassword);
    ASSERT_EQ(first.status, 200) << first.body;
    EXPECT_EQ(json::serialize(first.json().at("methods")), R"(["passkey","recovery_code"])");
}

// A disabled account is refused as a wrong password is, by a passkey alone or as the second
// step of a sign-in that began before it was disabled, and each refusal is in its security
// log (recorded once the sign-in's transaction rolled back).
TEST_F(Passkeys, ADisabledAccountIsRefusedAndEachRefusalIsLogged) {
    auto a = signed_up();
    SoftAuthenticator key(-7);
    ASSERT_EQ(add(a, key).status, 201);
    const std::string id(client_->get("/api/users/@me", bearer(a.token)).json().at("id").as_string());
    auto first = login(a.email, kPassword);
    ASSERT_EQ(first.status, 200) << first.body;
    const std::string ticket(first.json().at("mfa_ticket").as_string());
    const auto wrong = login(a.email, "not the password at all");
    server_->app().accounts().set_disabled(id, true, {});

    auto alone = passwordless(key);
    EXPECT_EQ(alone.status, 400);
    EXPECT_EQ(alone.body, wrong.body) << "the same answer as a wrong password";
    auto second =
        client_->post_json("/api/auth/login/mfa", body({{"mfa_ticket", ticket}, {"passkey", key.get(sign_in_options(ticket))}}));
    EXPECT_EQ(second.status, 400);
    EXPECT_EQ(second.body, wrong.body);

    std::vector<std::string> failures;
    for (const auto& e : server_->app().accounts().activity(id, std::nullopt, 50).events)
        if (e.kind == "sign_in_failed") failures.emplace_back(e.details.at("method").as_string());
    // Newest first: the second step (its first factor was the password), the passkey, the wrong password.
    EXPECT_EQ(failures, (std::vector<std::string>{"password", "passkey", "password"}));
}

}  // namespace
