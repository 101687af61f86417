// Every account flow of docs/api.md over HTTP, with codes read from the emails actually sent.
#include "accounts/users.hpp"
#include "accounts/validation.hpp"
#include "common/text.hpp"
#include "jobs/outbox.hpp"
#include "security/random.hpp"
#include "support/accounts_fixture.hpp"
#include "support/test_server.hpp"

#include <boost/json.hpp>
#include <soci/soci.h>
#include <gtest/gtest.h>

#include <regex>
#include <thread>

using namespace testing_support;
using namespace std::chrono_literals;
namespace json = boost::json;

class Accounts : public AccountsFixture {};

TEST_F(Accounts, RegistrationWithEmailedCodeThenOnboardingEmail) {
    auto email = fresh_email();
    auto code = request_code(email);
    ASSERT_EQ(code.size(), 8u);
    auto verification = mail_to(email, "verification code");
    EXPECT_NE(verification.text.find("127.0.0.1"), std::string::npos) << "security emails carry the requester IP";

    auto r = register_with(email, code, "zoe_" + security::random_hex(3));
    ASSERT_EQ(r.status, 201) << r.body;
    auto o = r.json().as_object();
    auto token = std::string(o["authentication_token"].as_string());
    EXPECT_TRUE(std::regex_match(token, std::regex("^[0-9a-f]{64}$")));
    auto user = o["user"].as_object();
    EXPECT_EQ(user["email"], email);
    EXPECT_EQ(user["has_password"], true);
    EXPECT_EQ(json::serialize(user["auth_providers"]), R"(["email_password"])");
    EXPECT_TRUE(std::regex_match(std::string(user["id"].as_string()),
                                 std::regex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")));
    EXPECT_TRUE(
        std::regex_match(std::string(user["created_at"].as_string()), std::regex(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$)")));

    auto onboarding = mail_to(email, "Welcome");
    EXPECT_NE(onboarding.text.find(std::string(user["username"].as_string())), std::string::npos);

    EXPECT_EQ(client_->get("/api/users/@me", bearer(token)).json().at("email"), email);
    EXPECT_EQ(client_->get("/api/users/@me", {{"X-Authentication-Token", token}}).status, 200);
}

TEST_F(Accounts, VerificationRequestForATakenEmailLooksTheSameButWarnsTheOwner) {
    auto email = fresh_email();
    sign_up(email, "owner_" + security::random_hex(3));
    mail_to(email, "Welcome");
    auto before = all_mail_to(email).size();
    auto r = client_->post_json("/api/auth/email-verification-request", body({{"email", email}}));
    EXPECT_EQ(r.status, 202);
    auto fresh = client_->post_json("/api/auth/email-verification-request", body({{"email", fresh_email()}}));
    EXPECT_EQ(r.body, fresh.body) << "the answer must not reveal that the address is registered";
    auto warning = mail_to(email, "tried to register");
    EXPECT_EQ(all_mail_to(email).size(), before + 1);
    EXPECT_TRUE(code_in(warning).empty());
}

TEST_F(Accounts, RegistrationFieldErrors) {
    auto email = fresh_email();
    auto code = request_code(email);
    auto expect = [&](const HttpResponse& r, int status, const std::string& code_name, const std::string& field) {
        EXPECT_EQ(r.status, status) << r.body;
        auto o = r.json().as_object();
        EXPECT_EQ(o["code"], code_name) << r.body;
        if (status == 422) {
            EXPECT_NE(json::serialize(o["errors"]).find("\"" + field + "\""), std::string::npos) << r.body;
        } else {
            EXPECT_EQ(o["field"], field) << r.body;
        }
    };
    expect(register_with("not-an-email", code, "zoe"), 422, "validation_failed", "email");
    expect(register_with(email, code, "12345"), 422, "validation_failed", "username");
    expect(register_with(email, code, "z"), 422, "validation_failed", "username");
    expect(register_with(email, code, "bad name!"), 422, "validation_failed", "username");
    expect(register_with(email, code, "zoe", "short"), 422, "validation_failed", "password");
    expect(register_with(email, code, "zoe", std::string(129, 'x')), 422, "validation_failed", "password");
    expect(register_with(email, "1234", "zoe"), 422, "validation_failed", "email_verification_code");
    // Strength is judged before the code: a weak password is reported whatever the code.
    auto weak = register_with(email, "00000000", "zoe", "password1");
    expect(weak, 400, "invalid_input", "password");
    auto feedback = weak.json().at("feedback").as_object();
    EXPECT_FALSE(feedback.at("suggestions").as_array().empty());
    // A password built from the user's own email or username is weak too (they are
    // zxcvbn's user inputs, as in a front end's zxcvbn(password, [email, username])).
    expect(register_with(email, code, "zoe", email + "1"), 400, "invalid_input", "password");
    expect(register_with(email, code, "marguerite_holloway", "Marguerite_Holloway!"), 400, "invalid_input", "password");
    expect(register_with(email, "00000000", "zoe"), 400, "invalid_input", "email_verification_code");
    // Nothing above consumed the code.
    EXPECT_EQ(register_with(email, code, "zoe_" + security::random_hex(3)).status, 201);
}

TEST_F(Accounts, TakenUsernameIsRefusedCaseInsensitively) {
    auto name = "Taken_" + security::random_hex(3);
    sign_up(fresh_email(), name);
    auto email = fresh_email();
    auto r = register_with(email, request_code(email), common::ascii_lower(name));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json().at("field"), "username");
}

TEST_F(Accounts, CodesAreSingleUseAndDieAfterFiveWrongTries) {
    auto email = fresh_email();
    auto code = request_code(email);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(register_with(email, code == "11111111" ? "22222222" : "11111111", "zoe").status, 400);
    auto r = register_with(email, code, "zoe_" + security::random_hex(3));
    EXPECT_EQ(r.status, 400) << "the code must be dead after five wrong tries";
    EXPECT_EQ(r.json().at("field"), "email_verification_code");

    auto second = request_code(email, 2);
    EXPECT_EQ(register_with(email, second, "zoe_" + security::random_hex(3)).status, 201);
    EXPECT_EQ(register_with(email, second, "zoe_" + security::random_hex(3)).status, 400) << "codes are single use";
}

TEST_F(Accounts, ANewRequestReplacesTheOlderCode) {
    auto email = fresh_email();
    auto first = request_code(email, 1);
    auto second = request_code(email, 2);
    if (first != second) {
        EXPECT_EQ(register_with(email, first, "zoe").status, 400);
    }
    EXPECT_EQ(register_with(email, second, "zoe_" + security::random_hex(3)).status, 201);
}

TEST_F(Accounts, TheReferenceFieldNameIsAnAlias) {
    auto email = fresh_email();
    auto code = request_code(email);
    auto r = client_->post_json("/api/auth/register", body({{"email", email},
                                                            {"email_verification_token", code},
                                                            {"username", "alias_" + security::random_hex(3)},
                                                            {"password", kPassword}}));
    EXPECT_EQ(r.status, 201) << r.body;
}

TEST_F(Accounts, LoginByEmailOrUsernameAndOneAnswerForEveryFailure) {
    auto email = fresh_email();
    auto name = "Login_" + security::random_hex(3);
    sign_up(email, name);
    EXPECT_EQ(login(email, kPassword).status, 200);
    std::string upper = email;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(login(upper, kPassword).status, 200) << "email login is case-insensitive";
    auto ok = login(common::ascii_lower(name), kPassword);
    ASSERT_EQ(ok.status, 200);
    EXPECT_NE(ok.json().at("user").at("last_login_at"), nullptr);

    auto wrong = login(email, "not the password at all");
    auto unknown = login("nobody-" + security::random_hex(4) + "@example.com", kPassword);
    auto unknown_name = login("nobody_" + security::random_hex(4), kPassword);
    EXPECT_EQ(wrong.status, 400);
    EXPECT_EQ(wrong.json().at("code"), "invalid_credentials");
    EXPECT_EQ(wrong.body, unknown.body);
    EXPECT_EQ(wrong.body, unknown_name.body);
    EXPECT_EQ(login("", "").status, 400);
}

TEST_F(Accounts, MissingOrBadTokensAre401) {
    EXPECT_EQ(client_->get("/api/users/@me").status, 401);
    EXPECT_EQ(client_->get("/api/users/@me").json().at("code"), "unauthenticated");
    EXPECT_EQ(status_with("nonsense"), 401);
    EXPECT_EQ(status_with(std::string(64, 'a')), 401);
    EXPECT_EQ(client_->get("/api/users/@me", {{"Authorization", "Basic abc"}}).status, 401);
}

TEST_F(Accounts, SessionsAreListedNewestFirstAndCanBeRevoked) {
    auto email = fresh_email();
    auto [first_token, user] = sign_up(email, "sess_" + security::random_hex(3));
    std::this_thread::sleep_for(5ms);
    auto second = login(email, kPassword).json().at("authentication_token").as_string();
    std::string second_token(second);

    auto list = client_->get("/api/auth/sessions", bearer(second_token)).json().as_array();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].at("is_current"), true);
    EXPECT_EQ(list[1].at("is_current"), false);
    EXPECT_EQ(list[0].at("ip_address"), "127.0.0.1");
    EXPECT_EQ(list[0].at("location"), nullptr);
    EXPECT_EQ(list[0].at("logged_out_at"), nullptr);
    EXPECT_FALSE(list[0].at("device").as_string().empty());

    std::string first_id(list[1].at("id").as_string());
    EXPECT_EQ(client_->request("DELETE", "/api/auth/sessions/" + first_id, {}, bearer(second_token)).status, 204);
    EXPECT_EQ(status_with(first_token), 401);
    EXPECT_EQ(status_with(second_token), 200);
    EXPECT_EQ(client_->request("DELETE", "/api/auth/sessions/" + security::uuid4(), {}, bearer(second_token)).status, 404);

    // Someone else's session is a 404 too, and stays alive.
    auto [other_token, other] = sign_up(fresh_email(), "other_" + security::random_hex(3));
    auto other_list = client_->get("/api/auth/sessions", bearer(other_token)).json().as_array();
    std::string other_id(other_list[0].at("id").as_string());
    EXPECT_EQ(client_->request("DELETE", "/api/auth/sessions/" + other_id, {}, bearer(second_token)).status, 404);
    EXPECT_EQ(status_with(other_token), 200);
}

TEST_F(Accounts, LogoutKillsTheTokenAndRemembersTheSessionUnlessAskedNotTo) {
    auto email = fresh_email();
    auto [token, user] = sign_up(email, "out_" + security::random_hex(3));
    std::string second(login(email, kPassword).json().at("authentication_token").as_string());
    std::string third(login(email, kPassword).json().at("authentication_token").as_string());

    EXPECT_EQ(client_->post_json("/api/auth/logout", "", bearer(token)).status, 204);
    EXPECT_EQ(status_with(token), 401);
    EXPECT_EQ(client_->post_json("/api/auth/logout", R"({"remember_session":false})", bearer(second)).status, 204);
    EXPECT_EQ(status_with(second), 401);

    auto list = client_->get("/api/auth/sessions", bearer(third)).json().as_array();
    ASSERT_EQ(list.size(), 2u) << "the forgotten session is gone, the remembered one stays";
    int logged_out = 0;
    for (const auto& s : list) logged_out += s.at("logged_out_at").is_null() ? 0 : 1;
    EXPECT_EQ(logged_out, 1);
    EXPECT_EQ(client_->post_json("/api/auth/logout", "", bearer(token)).status, 401);
}

TEST_F(Accounts, PasswordChangeKeepsTheCallersSessionAndEndsTheOthers) {
    auto email = fresh_email();
    auto [token, user] = sign_up(email, "pw_" + security::random_hex(3));
    std::string other(login(email, kPassword).json().at("authentication_token").as_string());
    auto change = [&, token = token](json::object o) {
        return client_->request("PATCH", "/api/users/@me/password", body(o), bearer(token));
    };

    auto missing = change({{"new_password", kOtherPassword}});
    EXPECT_EQ(missing.status, 403);
    EXPECT_EQ(missing.json().at("code"), "reauthentication_required");
    auto wrong = change({{"current_password", "not it at all"}, {"new_password", kOtherPassword}});
    EXPECT_EQ(wrong.status, 400);
    EXPECT_EQ(wrong.json().at("field"), "current_password");
    EXPECT_EQ(change({{"current_password", kPassword}, {"new_password", "password"}}).status, 400);

    auto ok = change({{"current_password", kPassword}, {"new_password", kOtherPassword}});
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(ok.json().at("id"), user["id"]);
    EXPECT_EQ(status_with(token), 200);
    EXPECT_EQ(status_with(other), 401);
    EXPECT_EQ(login(email, kPassword).status, 400);
    EXPECT_EQ(login(email, kOtherPassword).status, 200);
    auto notice = mail_to(email, "password was changed");
    EXPECT_NE(notice.text.find("127.0.0.1"), std::string::npos);
}

TEST_F(Accounts, PasswordResetWithEmailedCodeEndsEverySession) {
    auto email = fresh_email();
    auto [token, user] = sign_up(email, "reset_" + security::random_hex(3));
    auto nobody = client_->post_json("/api/auth/reset-password-request", body({{"email", "nobody." + email}}));
    auto r = client_->post_json("/api/auth/reset-password-request", body({{"email", email}}));
    EXPECT_EQ(r.status, 202);
    EXPECT_EQ(nobody.status, 202);
    EXPECT_EQ(nobody.body, r.body);
    auto mail = mail_to(email, "reset code");
    auto code = code_in(mail);
    ASSERT_EQ(code.size(), 8u) << mail.header("Subject");
    EXPECT_NE(mail.text.find("5 minutes"), std::string::npos);

    auto reset = [&](const std::string& c, const std::string& pw) {
        return client_->post_json("/api/auth/reset-password", body({{"email", email}, {"reset_code", c}, {"new_password", pw}}));
    };
    EXPECT_EQ(reset(code, "password").status, 400);  // weak, whatever the code
    EXPECT_EQ(reset(code == "12345678" ? "87654321" : "12345678", kOtherPassword).status, 400);
    EXPECT_EQ(reset(code, kOtherPassword).status, 204);
    EXPECT_EQ(status_with(token), 401) << "a reset ends every session";
    EXPECT_EQ(login(email, kOtherPassword).status, 200);
    EXPECT_EQ(reset(code, kPassword).status, 400) << "the code was consumed";
    EXPECT_FALSE(mail_to(email, "password was reset").text.empty());
    EXPECT_TRUE(outbox_mail_to(server_->data_dir(), "nobody." + email).empty());
}

TEST_F(Accounts, ResetTokenIsAnAliasOfResetCode) {
    auto email = fresh_email();
    sign_up(email, "alias_" + security::random_hex(3));
    client_->post_json("/api/auth/reset-password-request", body({{"email", email}}));
    auto code = code_in(mail_to(email, "reset code"));
    auto r = client_->post_json("/api/auth/reset-password",
                                body({{"email", email}, {"reset_token", code}, {"new_password", kOtherPassword}}));
    EXPECT_EQ(r.status, 204) << r.body;
}

TEST_F(Accounts, EmailChangeSendsACodeToTheNewAddressAndTellsTheOldOne) {
    auto email = fresh_email();
    auto [token, user] = sign_up(email, "move_" + security::random_hex(3));
    auto target = fresh_email();
    auto ask = [&, token = token](json::object o) {
        return client_->post_json("/api/users/@me/email-change-request", body(o), bearer(token));
    };
    EXPECT_EQ(ask({{"email", target}}).status, 403);
    EXPECT_EQ(ask({{"email", target}, {"current_password", "wrong password here"}}).status, 400);
    EXPECT_EQ(ask({{"email", "bad"}, {"current_password", kPassword}}).status, 422);
    EXPECT_EQ(ask({{"email", target}, {"current_password", kPassword}}).status, 202);
    auto code = code_in(mail_to(target, "Confirm your new"));
    ASSERT_EQ(code.size(), 8u);

    auto confirm = [&, token = token](const std::string& c) {
        return client_->request("PATCH", "/api/users/@me/email", body({{"email", target}, {"email_verification_code", c}}),
                                bearer(token));
    };
    EXPECT_EQ(confirm(code == "12345678" ? "87654321" : "12345678").status, 400);
    auto ok = confirm(code);
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(ok.json().at("email"), target);
    EXPECT_EQ(login(target, kPassword).status, 200);
    EXPECT_EQ(login(email, kPassword).status, 400);
    auto notice = mail_to(email, "email was changed");
    EXPECT_EQ(notice.text.find(target), std::string::npos) << "the old address sees the new one masked";
    EXPECT_NE(notice.text.find("@example.com"), std::string::npos);
}

TEST_F(Accounts, EmailChangeToATakenAddressSendsNoCode) {
    auto taken = fresh_email();
    sign_up(taken, "taken_" + security::random_hex(3));
    auto [token, user] = sign_up(fresh_email(), "mover_" + security::random_hex(3));
    auto before = all_mail_to(taken).size();
    auto r = client_->post_json("/api/users/@me/email-change-request", body({{"email", taken}, {"current_password", kPassword}}),
                                bearer(token));
    EXPECT_EQ(r.status, 202);
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(all_mail_to(taken).size(), before);
}

TEST_F(Accounts, UsernameUpdateAndPublicProfile) {
    auto [token, user] = sign_up(fresh_email(), "name_" + security::random_hex(3));
    auto other_name = "busy_" + security::random_hex(3);
    sign_up(fresh_email(), other_name);
    auto patch = [&, token = token](json::object o) {
        return client_->request("PATCH", "/api/users/@me", body(o), bearer(token));
    };
    auto renamed = "renamed_" + security::random_hex(3);
    auto ok = patch({{"username", renamed}});
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(ok.json().at("username"), renamed);
    EXPECT_EQ(patch({{"username", other_name}}).status, 400);
    EXPECT_EQ(patch({{"username", "!!"}}).status, 422);
    EXPECT_EQ(patch({{"username", 5}}).status, 422);

    std::string id(user["id"].as_string());
    auto pub = client_->get("/api/users/" + id);
    ASSERT_EQ(pub.status, 200);
    auto o = pub.json().as_object();
    EXPECT_EQ(o.size(), 3u) << pub.body;
    EXPECT_EQ(o["username"], renamed);
    EXPECT_FALSE(o.contains("email"));
    EXPECT_EQ(client_->get("/api/users/" + security::uuid4()).status, 404);
    EXPECT_EQ(client_->get("/api/users/not-a-uuid").status, 404);
}

TEST_F(Accounts, PasswordlessAccountsCannotLogInButMaySetAPasswordRightAfterSignIn) {
    // A social-only account (issue 6 creates these through OAuth): no password hash.
    accounts::User u;
    u.id = security::uuid4();
    u.username = "social_" + security::random_hex(3);
    u.email = fresh_email();
    u.created_at = u.updated_at = common::now_ms();
    std::string token;
    {
        auto lease = server_->app().pool().acquire();
        db::Transaction tx(lease);
        accounts::UserRepository().insert(tx.session(), u);
        sessions::RequestMeta meta;
        meta.ip = "127.0.0.1";
        meta.user_agent = "test";
        token = server_->app().sessions().create(tx.session(), u.id, meta, common::now_ms()).second;
        tx.commit();
    }
    EXPECT_EQ(login(u.email, kPassword).json().at("code"), "invalid_credentials");
    auto me = client_->get("/api/users/@me", bearer(token)).json();
    EXPECT_EQ(me.at("has_password"), false);
    EXPECT_EQ(json::serialize(me.at("auth_providers")), "[]");
    auto set = client_->request("PATCH", "/api/users/@me/password", body({{"new_password", kPassword}}), bearer(token));
    ASSERT_EQ(set.status, 200) << set.body;
    EXPECT_EQ(set.json().at("has_password"), true);
    EXPECT_EQ(login(u.email, kPassword).status, 200);
}

TEST_F(Accounts, LoginRehashesWhenArgon2ParametersChange) {
    auto email = fresh_email();
    sign_up(email, "rehash_" + security::random_hex(3));
    auto database = server_->database();
    auto hash_of = [&](app::App& a) {
        auto lease = a.pool().acquire();
        std::string h, key = common::ascii_lower(email);  // soci::use needs an lvalue that outlives the statement
        *lease << "SELECT password_hash FROM users WHERE email_key = :e", soci::use(key), soci::into(h);
        return h;
    };
    EXPECT_NE(hash_of(server_->app()).find("m=1024,t=1,p=1$"), std::string::npos);
    client_.reset();
    server_.reset();
    TestServer stronger([](config::Settings& s) { s.argon2.time_cost = 2; }, {}, database);
    HttpClient c(stronger.port());
    ASSERT_EQ(c.post_json("/api/auth/login", body({{"login", email}, {"password", kPassword}})).status, 200);
    EXPECT_NE(hash_of(stronger.app()).find("m=1024,t=2,p=1$"), std::string::npos) << hash_of(stronger.app());
}

class ShortSessions : public Accounts {
    void configure(config::Settings& s) override { s.sessions.idle_timeout = 1s; }
};

TEST_F(ShortSessions, IdleSessionsExpire) {
    auto [token, user] = sign_up(fresh_email(), "idle_" + security::random_hex(3));
    EXPECT_EQ(status_with(token), 200);
    std::this_thread::sleep_for(1300ms);
    EXPECT_EQ(status_with(token), 401);
}
