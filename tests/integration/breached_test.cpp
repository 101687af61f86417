// Breached passwords (Have I Been Pwned): new passwords found in breaches are refused,
// a breached one used to sign in is flagged and its owner told, the API is asked with 5
// hex digits of the SHA-1 only, and an offline dataset does the same without a network.
#include "security/breached.hpp"
#include "support/accounts_fixture.hpp"
#include "support/authenticator.hpp"
#include "support/fake_pwned.hpp"
#include "support/process.hpp"

#include <filesystem>
#include <fstream>
#include <thread>

using namespace testing_support;
namespace json = boost::json;

namespace {

constexpr const char* kBreached = "winter sunshine lemonade 1987";  // strong for zxcvbn, "breached" in the fake

class BreachedPasswords : public AccountsFixture {
protected:
    void configure(config::Settings& s) override {
        s.breached_passwords.enabled = true;
        s.breached_passwords.api_url = pwned_.base_url();
        s.breached_passwords.fail_closed = fail_closed_;
    }
    double metric(const std::string& series) {
        auto text = client_->get("/metrics").body;
        auto at = text.find("\n" + series + " ");
        return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size() + 2));
    }

    FakePwnedPasswords pwned_;
    bool fail_closed_ = false;
};

}  // namespace

TEST_F(BreachedPasswords, ARegistrationWithABreachedPasswordIsRefusedWithHowOftenItWasSeen) {
    pwned_.add(kBreached, 3861493);
    auto email = fresh_email();
    auto code = request_code(email);
    auto r = register_with(email, code, "pwned_" + security::random_hex(3), kBreached);
    ASSERT_EQ(r.status, 400) << r.body;
    auto o = r.json().as_object();
    EXPECT_EQ(o["code"], std::string("password_breached"));
    EXPECT_EQ(o["field"], std::string("password"));
    EXPECT_EQ(o["breach_count"].to_number<std::uint64_t>(), 3861493u);

    // What left the server: the first 5 hex digits of the SHA-1, asking for padding.
    const auto hash = security::sha1_upper_hex(kBreached);
    auto asked = pwned_.requests();
    ASSERT_EQ(asked.size(), 1u);
    EXPECT_EQ(asked[0].target, "/range/" + hash.substr(0, 5));
    EXPECT_TRUE(asked[0].padding);

    // The same code still works with a password nobody has leaked.
    EXPECT_EQ(register_with(email, code, "pwned_" + security::random_hex(3)).status, 201);
    EXPECT_EQ(metric("breached_password_checks_total{result=\"breached\"}"), 1);
    EXPECT_EQ(metric("breached_password_checks_total{result=\"clean\"}"), 1);
}

TEST_F(BreachedPasswords, ChangingSettingOrResettingToABreachedPasswordIsRefused) {
    pwned_.add(kBreached, 12);
    auto email = fresh_email();
    auto [token, user] = sign_up(email, "chg_" + security::random_hex(3));
    auto change = client_->request("PATCH", "/api/users/@me/password",
                                   body({{"current_password", kPassword}, {"new_password", kBreached}}), bearer(token));
    ASSERT_EQ(change.status, 400) << change.body;
    EXPECT_EQ(change.json().as_object()["code"], std::string("password_breached"));
    EXPECT_EQ(field_of(change), "new_password");

    client_->post_json("/api/auth/reset-password-request", body({{"email", email}}));
    auto code = code_in(mail_to(email, "reset code"));
    auto reset = [&](const std::string& pw) {
        return client_->post_json("/api/auth/reset-password",
                                  body({{"email", email}, {"reset_code", code}, {"new_password", pw}}));
    };
    auto refused = reset(kBreached);
    ASSERT_EQ(refused.status, 400) << refused.body;
    EXPECT_EQ(refused.json().as_object()["breach_count"].to_number<std::uint64_t>(), 12u);
    EXPECT_EQ(reset(kOtherPassword).status, 204) << "the refused reset left the code usable";
    EXPECT_EQ(login(email, kOtherPassword).status, 200);
}

TEST_F(BreachedPasswords, SigningInWithAPasswordThatBecameBreachedWorksButTheAnswerAndAnEmailSaySo) {
    auto email = fresh_email();
    ASSERT_EQ(register_with(email, request_code(email), "late_" + security::random_hex(3), kBreached).status, 201);
    EXPECT_FALSE(login(email, kBreached).json().as_object().contains("password_breach_count"));

    pwned_.add(kBreached, 77);  // a breach somewhere else, after the password was chosen
    restart();
    auto r = login(email, kBreached);
    ASSERT_EQ(r.status, 200) << r.body;
    auto o = r.json().as_object();
    EXPECT_TRUE(o.contains("authentication_token"));
    EXPECT_EQ(o["password_breach_count"].to_number<std::uint64_t>(), 77u);
    auto mail = mail_to(email, "data breaches");
    EXPECT_NE(mail.text.find("77 times"), std::string::npos) << mail.text;

    // Again: flagged and recorded again, but one email a week is enough.
    EXPECT_EQ(login(email, kBreached).json().as_object()["password_breach_count"].to_number<std::uint64_t>(), 77u);
    auto token2 = std::string(login(email, kBreached).json().as_object()["authentication_token"].as_string());
    auto activity = client_->get("/api/users/@me/activity", bearer(token2)).json().as_object();
    int flagged = 0;
    for (const auto& e : activity["events"].as_array())
        if (e.as_object().at("kind") == std::string("breached_password_used")) ++flagged;
    EXPECT_EQ(flagged, 3);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    int emails = 0;
    for (const auto& m : all_mail_to(email))
        if (m.header("Subject").find("data breaches") != std::string::npos) ++emails;
    EXPECT_EQ(emails, 1);

    // A wrong password is a wrong password: nothing is checked, nothing is said.
    auto wrong = login(email, kOtherPassword);
    EXPECT_EQ(wrong.status, 400);
    EXPECT_FALSE(wrong.json().as_object().contains("password_breach_count"));
}

// With a second factor the flag is on both answers: the ticket's, and the one that signs in.
TEST_F(BreachedPasswords, WithASecondFactorTheFlagIsOnTheTicketAndOnTheAnswerThatSignsIn) {
    start_of_a_step();
    auto email = fresh_email();
    auto registered = register_with(email, request_code(email), "mfa_" + security::random_hex(3), kBreached);
    ASSERT_EQ(registered.status, 201) << registered.body;
    const std::string token(registered.json().at("authentication_token").as_string());
    const auto secret = enable_authenticator_app(*client_, token).secret;
    ASSERT_FALSE(secret.empty());

    pwned_.add(kBreached, 12);
    restart();
    auto first = login(email, kBreached);
    ASSERT_EQ(first.status, 200) << first.body;
    ASSERT_TRUE(first.json().as_object().contains("mfa_ticket")) << first.body;
    EXPECT_EQ(first.json().at("password_breach_count").to_number<std::uint64_t>(), 12u);
    auto done = client_->post_json("/api/auth/login/mfa",
                                   body({{"mfa_ticket", first.json().at("mfa_ticket")}, {"totp_code", app_code(secret)}}));
    ASSERT_EQ(done.status, 200) << done.body;
    EXPECT_TRUE(done.json().as_object().contains("authentication_token"));
    EXPECT_EQ(done.json().at("password_breach_count").to_number<std::uint64_t>(), 12u) << done.body;
}

TEST_F(BreachedPasswords, WhenTheApiIsDownNewPasswordsAreAcceptedUncheckedAndCounted) {
    pwned_.add(kBreached, 5);
    pwned_.fail_with(503);
    auto email = fresh_email();
    auto r = register_with(email, request_code(email), "down_" + security::random_hex(3), kBreached);
    EXPECT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(metric("breached_password_checks_total{result=\"unknown\"}"), 1);
    // The API is left alone for a while after a failure: the next check does not ask it.
    auto email2 = fresh_email();
    EXPECT_EQ(register_with(email2, request_code(email2), "down_" + security::random_hex(3), kBreached).status, 201);
    EXPECT_EQ(pwned_.requests().size(), 1u);
}

class BreachedPasswordsFailClosed : public BreachedPasswords {
protected:
    BreachedPasswordsFailClosed() { fail_closed_ = true; }
};

TEST_F(BreachedPasswordsFailClosed, WhenTheApiIsDownNewPasswordsAreRefusedWith503ButSignInsWork) {
    auto email = fresh_email();
    auto [token, user] = sign_up(email, "closed_" + security::random_hex(3));
    pwned_.delay(std::chrono::milliseconds(2500));  // past the 2 s timeout
    auto email2 = fresh_email();
    auto r = register_with(email2, request_code(email2), "closed_" + security::random_hex(3), kOtherPassword);
    ASSERT_EQ(r.status, 503) << r.body;
    EXPECT_EQ(r.json().as_object()["code"], std::string("unavailable"));
    EXPECT_EQ(login(email, kPassword).status, 200) << "a sign-in is never refused for it";
}

TEST_F(BreachedPasswords, AnOfflineDatasetBuiltByTheScriptIsSearchedInsteadOfTheApi) {
    const TempDir temp("pwned-");
    const auto& dir = temp.path();
    {
        std::ofstream words(dir / "words.txt");
        // kBreached three times; others around it so the search has somewhere to go.
        for (int i = 0; i < 500; ++i) words << "filler password number " << i << "\n";
        words << kBreached << "\n" << kBreached << "\r\n" << kBreached << "\n";
    }
    auto [status, dataset] =
        run_command({std::string(STARTER_SOURCE_DIR) + "/scripts/pwned-dataset", (dir / "words.txt").string()}, {});
    ASSERT_EQ(status, 0) << dataset;
    std::ofstream(dir / "pwned.txt") << dataset;
    auto db = server_->database();
    client_.reset();
    server_.reset();
    server_ = std::make_unique<TestServer>(
        [&](config::Settings& s) {
            s.breached_passwords.enabled = true;
            s.breached_passwords.dataset_path = (dir / "pwned.txt").string();
            s.breached_passwords.api_url = "http://127.0.0.1:9";  // nothing there: the API is not used
        },
        nullptr, db);
    client_ = std::make_unique<HttpClient>(server_->port());

    auto email = fresh_email();
    auto code = request_code(email);
    auto r = register_with(email, code, "off_" + security::random_hex(3), kBreached);
    ASSERT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json().as_object()["breach_count"].to_number<std::uint64_t>(), 3u);
    EXPECT_EQ(register_with(email, code, "off_" + security::random_hex(3)).status, 201);
    EXPECT_EQ(pwned_.requests().size(), 0u);
}

TEST(BreachedPasswordsSetting, AMissingDatasetStopsTheServerWithTheFileNamed) {
    STARTER_REQUIRE_DATABASE();
    try {
        TestServer server([](config::Settings& s) {
            s.breached_passwords.enabled = true;
            s.breached_passwords.dataset_path = "/nonexistent/pwned.txt";
        });
        FAIL() << "started without its dataset";
    } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find("HIBP_DATASET_PATH: cannot open /nonexistent/pwned.txt"), std::string::npos)
            << e.what();
    }
}
