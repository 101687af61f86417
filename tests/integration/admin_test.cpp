// Operators: the first admin is made on the command line; /api/admin answers 404 to
// everyone else (signed in or not) exactly as an unknown path does; an admin finds users
// by prefix page by page, sees one with sessions and activity, disables (every session
// ends, a password or an old token no longer works, with the answer of a wrong password),
// enables, signs out everywhere, sends a reset code and erases; each is an event naming
// the admin. The command line does the same (`starter users`).
#include "support/accounts_fixture.hpp"
#include "support/process.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

using namespace testing_support;
namespace json = boost::json;

namespace {

class Admin : public AccountsFixture {
protected:
    // `starter users ARGS...` against the test server's database.
    std::pair<int, std::string> cli(std::vector<std::string> args) {
        args.insert(args.begin(), {starter_binary(), "users"});
        std::map<std::string, std::string> env{
            {"DATABASE_URL", server_->database()->url()}, {"DATA_DIR", server_->data_dir().string()}, {"LOG_LEVEL", "error"}};
        if (const auto& key = server_->app().settings().data_encryption_key; !key.empty()) env["DATA_ENCRYPTION_KEY"] = key;
        return run_command(args, env);
    }

    // A registered user made admin from the command line: their token.
    std::string an_admin() {
        const auto email = fresh_email();
        auto [token, user] = sign_up(email, "admin_" + security::random_hex(3));
        auto [rc, out] = cli({"create-admin", email, "--json"});
        EXPECT_EQ(rc, 0) << out;
        EXPECT_NE(out.find("\"role\":\"admin\""), std::string::npos) << out;
        return token;
    }

    HttpResponse post(const std::string& path, const std::string& token) { return client_->post_json(path, "", bearer(token)); }
};

TEST_F(Admin, TheSurfaceAnswers404ToEveryoneButAdminsAsAnUnknownPathDoes) {
    auto [token, user] = sign_up(fresh_email(), "plain_" + security::random_hex(3));
    const auto unknown = client_->get("/api/admin/nothing-here");
    ASSERT_EQ(unknown.status, 404);
    for (const std::string& path : {std::string("/api/admin/users"), "/api/admin/users/" + std::string(user["id"].as_string())}) {
        for (const auto& headers : {Headers{}, bearer(token), bearer(std::string(64, 'a'))}) {
            auto r = client_->get(path, headers);
            EXPECT_EQ(r.status, 404) << path;
            EXPECT_EQ(r.json().at("code"), unknown.json().at("code"));
            EXPECT_EQ(r.json().at("message"), unknown.json().at("message"));
        }
        EXPECT_EQ(post(path + "/disable", token).status, 404);
    }
    EXPECT_EQ(status_with(token), 200) << "nothing happened";
}

TEST_F(Admin, FindsUsersByPrefixPageByPage) {
    const auto admin = an_admin();
    const auto tag = security::random_hex(3);
    for (int i = 0; i < 5; ++i) sign_up("findme" + tag + std::to_string(i) + "@example.com", "findme_" + tag + std::to_string(i));
    std::vector<std::string> names;
    std::string cursor;
    int pages = 0;
    for (;; ++pages) {
        auto r = client_->get("/api/admin/users?limit=2&search=FINDME_" + tag + (cursor.empty() ? "" : "&cursor=" + cursor),
                              bearer(admin));
        ASSERT_EQ(r.status, 200) << r.body;
        auto page = r.json().as_object();
        for (const auto& u : page["users"].as_array()) {
            names.emplace_back(u.at("username").as_string());
            EXPECT_EQ(u.at("role"), std::string("user"));
            EXPECT_TRUE(u.at("disabled_at").is_null());
        }
        if (page["next_cursor"].is_null()) break;
        cursor = std::string(page["next_cursor"].as_string());
    }
    EXPECT_EQ(pages, 2);
    ASSERT_EQ(names.size(), 5u);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(names[static_cast<std::size_t>(i)], "findme_" + tag + std::to_string(i));
    auto by_email = client_->get("/api/admin/users?search=findme" + tag + "3%40", bearer(admin)).json().at("users").as_array();
    ASSERT_EQ(by_email.size(), 1u);
    EXPECT_EQ(by_email[0].at("username"), "findme_" + tag + "3");
    auto wildcard = client_->get("/api/admin/users?search=%25", bearer(admin)).json().at("users").as_array();
    EXPECT_EQ(wildcard.size(), 0u) << "a % is a character, not a wildcard";
}

TEST_F(Admin, ADisabledUserCannotSignInByPasswordOrOldTokenUntilEnabled) {
    const auto admin = an_admin();
    const auto email = fresh_email();
    auto [token, user] = sign_up(email, "dis_" + security::random_hex(3));
    const std::string id(user["id"].as_string());
    const auto wrong = login(email, "not the password at all");

    auto disabled = post("/api/admin/users/" + id + "/disable", admin);
    ASSERT_EQ(disabled.status, 200) << disabled.body;
    EXPECT_TRUE(disabled.json().at("disabled_at").is_string());
    EXPECT_EQ(status_with(token), 401) << "the old token";
    auto refused = login(email, kPassword);
    EXPECT_EQ(refused.status, 400);
    EXPECT_EQ(refused.body, wrong.body) << "the same answer as a wrong password";
    EXPECT_EQ(client_->get("/api/users/" + id).status, 404);

    auto detail = client_->get("/api/admin/users/" + id, bearer(admin));
    ASSERT_EQ(detail.status, 200) << detail.body;
    auto activity = detail.json().at("activity").as_array();
    EXPECT_EQ(activity.at(0).at("kind"), std::string("sign_in_failed")) << "the refused sign-in";
    EXPECT_EQ(activity.at(1).at("kind"), std::string("account_disabled"));
    {
        auto lease = server_->app().pool().acquire();
        std::string actor;
        *lease << "SELECT actor_id FROM security_events WHERE user_id = :u AND kind = 'account_disabled'", soci::use(id),
            soci::into(actor);
        EXPECT_EQ(actor, std::string(client_->get("/api/users/@me", bearer(admin)).json().at("id").as_string()));
    }

    ASSERT_EQ(post("/api/admin/users/" + id + "/enable", admin).status, 200);
    EXPECT_EQ(login(email, kPassword).status, 200);
}

// A disable that lands while a sign-in's password is being checked (Argon2 made slow here,
// so the window is wide): the sign-in is refused as a wrong password is, leaves no session,
// and is in the activity. The account was read before the check; before the fix, the
// sign-in used that stale read and opened a session for the disabled account.
class AdminSlowHashes : public Admin {
protected:
    void configure(config::Settings& s) override {
        s.argon2.time_cost = 6;
        s.argon2.memory_kib = 32 * 1024;
    }
};

TEST_F(AdminSlowHashes, AnAccountDisabledWhileItsPasswordIsCheckedIsNotSignedIn) {
    const auto admin = an_admin();
    for (int round = 0; round < 3; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        const auto email = fresh_email();
        auto [token, user] = sign_up(email, "race_" + security::random_hex(3));
        const std::string id(user["id"].as_string());
        const auto wrong = login(email, "not the password at all");

        HttpResponse signed_in;
        std::thread racing([&, port = server_->port()] {
            HttpClient own(port);
            signed_in = own.post_json("/api/auth/login", body({{"login", email}, {"password", kPassword}}));
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the account is read; Argon2 runs
        auto disabled = post("/api/admin/users/" + id + "/disable", admin);
        racing.join();
        ASSERT_EQ(disabled.status, 200) << disabled.body;

        EXPECT_EQ(signed_in.status, 400) << signed_in.body;
        EXPECT_EQ(signed_in.body, wrong.body) << "the same answer as a wrong password";
        auto detail = client_->get("/api/admin/users/" + id, bearer(admin));
        ASSERT_EQ(detail.status, 200) << detail.body;
        const auto info = detail.json();
        for (const auto& session : info.at("sessions").as_array())
            EXPECT_FALSE(session.at("logged_out_at").is_null()) << "a live session of a disabled account: " << session;
        EXPECT_EQ(info.at("activity").as_array().at(0).at("kind"), std::string("sign_in_failed")) << "the refused sign-in";
    }
}

TEST_F(Admin, SignsOutEverywhereSendsAResetCodeAndErases) {
    const auto admin = an_admin();
    const auto email = fresh_email();
    auto [token, user] = sign_up(email, "ops_" + security::random_hex(3));
    const std::string id(user["id"].as_string());
    login(email, kPassword);
    auto out = post("/api/admin/users/" + id + "/logout", admin);
    ASSERT_EQ(out.status, 200) << out.body;
    EXPECT_EQ(json::serialize(out.json()), R"({"revoked":2})");
    EXPECT_EQ(status_with(token), 401);

    EXPECT_EQ(post("/api/admin/users/" + id + "/password-reset", admin).status, 202);
    mail_to(email, "reset");

    EXPECT_EQ(client_->request("DELETE", "/api/admin/users/" + id, {}, bearer(admin)).status, 204);
    EXPECT_EQ(client_->get("/api/admin/users/" + id, bearer(admin)).status, 404);
    EXPECT_EQ(login(email, kPassword).status, 400);
    EXPECT_EQ(post("/api/admin/users/00000000-0000-4000-8000-000000000000/disable", admin).status, 404);
}

TEST_F(Admin, TheCommandLineListsShowsDisablesEnablesLogsOutAndDeletes) {
    const auto email = fresh_email();
    const auto username = "cli_" + security::random_hex(3);
    auto [token, user] = sign_up(email, username);
    auto [rc, table] = cli({"list", "--search", username});
    ASSERT_EQ(rc, 0) << table;
    EXPECT_NE(table.find("USERNAME"), std::string::npos) << table;
    EXPECT_NE(table.find(email), std::string::npos) << table;
    auto [rc2, shown] = cli({"show", username, "--json"});
    ASSERT_EQ(rc2, 0) << shown;
    // stdout's JSON line (libpq may add NOTICE lines on stderr)
    const auto at = shown.find("\n{") == std::string::npos ? shown.find('{') : shown.find("\n{") + 1;
    auto doc = json::parse(shown.substr(at, shown.find('\n', at) - at)).as_object();
    EXPECT_EQ(doc["user"].at("email"), email);
    EXPECT_EQ(doc["activity"].as_array().at(0).at("kind"), std::string("registered"));

    EXPECT_EQ(cli({"disable", email}).first, 0);
    EXPECT_EQ(status_with(token), 401);
    EXPECT_EQ(login(email, kPassword).status, 400);
    EXPECT_EQ(cli({"enable", username}).first, 0);
    auto again = login(email, kPassword);
    ASSERT_EQ(again.status, 200);
    auto [rc3, logged_out] = cli({"logout", email});
    EXPECT_EQ(rc3, 0);
    EXPECT_NE(logged_out.find("ended 1 session"), std::string::npos) << logged_out;
    EXPECT_EQ(cli({"set-password-reset", username}).first, 0);
    mail_to(email, "reset");
    auto [missing_rc, missing] = cli({"show", "nobody-" + security::random_hex(3)});
    EXPECT_EQ(missing_rc, 1);
    EXPECT_NE(missing.find("no user"), std::string::npos) << missing;
    auto [rc4, erased] = cli({"delete", username, "--yes"});
    EXPECT_EQ(rc4, 0) << erased;
    EXPECT_EQ(login(email, kPassword).status, 400);
    EXPECT_EQ(cli({"show", email}).first, 1);
}

}  // namespace
