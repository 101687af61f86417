// What happened to an account, as its owner reads it (GET /api/users/@me/activity): every
// sign-in, failed or not, with its method, session changes, password and email changes and
// second factors, newest first, with where each came from and never a secret; written with
// the change it records (a refused change leaves none); pages that neither skip nor repeat;
// old events purged. And "sign out everywhere else" (POST /api/auth/sessions/revoke-others),
// and the export of everything kept about the caller (GET /api/users/@me/export).
#include "support/accounts_fixture.hpp"
#include "support/authenticator.hpp"

#include "common/time.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <set>

using namespace testing_support;
namespace json = boost::json;

namespace {

std::vector<std::string> kinds(const json::array& list) {
    std::vector<std::string> out;
    for (const auto& e : list) out.emplace_back(e.at("kind").as_string());
    return out;
}

class Activity : public AccountsFixture {
protected:
    void configure(config::Settings& s) override {
        s.jobs.prune_interval = std::chrono::milliseconds(100);
        s.security_events_retention = std::chrono::hours(1);
    }

    json::array events(const std::string& token, const std::string& query = "") {
        auto r = client_->get("/api/users/@me/activity" + query, bearer(token));
        EXPECT_EQ(r.status, 200) << r.body;
        return r.status == 200 ? r.json().at("events").as_array() : json::array{};
    }

    long long rows(const std::string& where) {
        auto lease = server_->app().pool().acquire();
        long long n = 0;
        *lease << "SELECT COUNT(*) FROM security_events WHERE " + where, soci::into(n);
        return n;
    }
};

TEST_F(Activity, EverySignInAndChangeIsListedNewestFirstWithWhereItCameFromAndNoSecret) {
    start_of_a_step();
    const auto email = fresh_email();
    auto [token, user] = sign_up(email, "act_" + security::random_hex(3));
    EXPECT_EQ(login(email, "a wrong password entirely").status, 400);
    auto second = login(std::string(user["username"].as_string()), kPassword);
    ASSERT_EQ(second.status, 200);
    const std::string other(second.json().at("authentication_token").as_string());
    ASSERT_EQ(client_->post_json("/api/auth/logout", "", bearer(other)).status, 204);
    auto changed = client_->request("PATCH", "/api/users/@me/password",
                                    body({{"current_password", kPassword}, {"new_password", kOtherPassword}}), bearer(token));
    ASSERT_EQ(changed.status, 200) << changed.body;

    // An authenticator app, then a sign-in that needs it: a wrong code, then the right one.
    const auto secret = enable_authenticator_app(*client_, token).secret;
    ASSERT_FALSE(secret.empty());
    auto first_step = login(email, kOtherPassword);
    const std::string ticket(first_step.json().at("mfa_ticket").as_string());
    EXPECT_EQ(client_->post_json("/api/auth/login/mfa", body({{"mfa_ticket", ticket}, {"totp_code", wrong_code(secret)}})).status,
              400);
    EXPECT_EQ(client_->post_json("/api/auth/login/mfa", body({{"mfa_ticket", ticket}, {"totp_code", app_code(secret)}})).status,
              200);

    auto list = events(token);
    EXPECT_EQ(kinds(list), (std::vector<std::string>{"signed_in", "sign_in_failed", "second_factor_added", "password_changed",
                                                     "signed_out", "signed_in", "sign_in_failed", "registered"}));
    ASSERT_EQ(list.size(), 8u);
    EXPECT_EQ(json::serialize(list[0].at("details").at("method")), R"("password")");
    EXPECT_EQ(json::serialize(list[0].at("details").at("second_factor")), R"("totp")");
    EXPECT_EQ(json::serialize(list[1].at("details").at("method")), R"("totp")");
    EXPECT_EQ(json::serialize(list[2].at("details").at("factor")), R"("totp")");
    EXPECT_EQ(list[3].at("details").at("first"), json::value(false));
    EXPECT_EQ(list[4].at("details").at("session_id"), list[5].at("details").at("session_id")) << "the session that signed out";
    EXPECT_EQ(json::serialize(list[6].at("details").at("method")), R"("password")");
    EXPECT_EQ(json::serialize(list[7].at("details").at("method")), R"("password")");
    for (const auto& e : list) {
        EXPECT_EQ(e.at("ip_address"), std::string("127.0.0.1")) << e;
        EXPECT_FALSE(e.at("device").as_string().empty()) << e;
        EXPECT_TRUE(e.at("created_at").is_string()) << e;
    }
    const auto text = json::serialize(list);
    for (const std::string& secret_text : {std::string(kPassword), std::string(kOtherPassword), secret, ticket, token})
        EXPECT_EQ(text.find(secret_text), std::string::npos) << "a secret in the activity: " << secret_text;
}

TEST_F(Activity, ARefusedChangeRecordsNothingAndEachUserSeesOnlyTheirOwn) {
    const auto email = fresh_email();
    auto [token, user] = sign_up(email, "act_" + security::random_hex(3));
    auto [other_token, other_user] = sign_up(fresh_email(), "act_" + security::random_hex(3));
    auto refused =
        client_->request("PATCH", "/api/users/@me/password",
                         body({{"current_password", "not the password"}, {"new_password", kOtherPassword}}), bearer(token));
    ASSERT_EQ(refused.status, 400);
    EXPECT_EQ(kinds(events(token)), (std::vector<std::string>{"registered"}));
    EXPECT_EQ(kinds(events(other_token)), (std::vector<std::string>{"registered"}));
    EXPECT_EQ(client_->get("/api/users/@me/activity").status, 401);

    // A failed sign-in that names no account is kept (for operators), owned by nobody.
    const auto before = rows("user_id IS NULL AND kind = 'sign_in_failed'");
    EXPECT_EQ(login(fresh_email(), kPassword).status, 400);
    EXPECT_EQ(rows("user_id IS NULL AND kind = 'sign_in_failed'"), before + 1);
}

TEST_F(Activity, PagesFollowTheCursorWithoutSkippingOrRepeatingAndBadInputIsA400) {
    const auto email = fresh_email();
    auto [token, user] = sign_up(email, "act_" + security::random_hex(3));
    for (int i = 0; i < 6; ++i) EXPECT_EQ(login(email, "wrong password " + std::to_string(i)).status, 400);
    std::vector<std::string> ids;
    std::string query = "?limit=3";
    int pages = 0;
    for (;; ++pages) {
        auto r = client_->get("/api/users/@me/activity" + query, bearer(token));
        ASSERT_EQ(r.status, 200) << r.body;
        auto page = r.json().as_object();
        for (const auto& e : page["events"].as_array()) ids.emplace_back(e.at("id").as_string());
        if (page["next_cursor"].is_null()) break;
        // An event recorded between pages is newer: it does not shift the pages that follow.
        if (pages == 0) {
            EXPECT_EQ(login(email, "yet another wrong one").status, 400);
        }
        query = "?limit=3&cursor=" + std::string(page["next_cursor"].as_string());
    }
    EXPECT_EQ(pages, 2) << "7 events in pages of 3";
    EXPECT_EQ(ids.size(), 7u);
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size()) << "an event came twice";

    for (const char* bad :
         {"?limit=0", "?limit=101", "?limit=ten", "?cursor=nonsense", "?cursor=0190A3B4-0000-7000-8000-000000000000"}) {
        auto r = client_->get(std::string("/api/users/@me/activity") + bad, bearer(token));
        EXPECT_EQ(r.status, 400) << bad << " " << r.body;
    }
}

TEST_F(Activity, EventsOlderThanTheRetentionArePurged) {
    auto [token, user] = sign_up(fresh_email(), "act_" + security::random_hex(3));
    const std::string user_id(user["id"].as_string());
    {
        auto lease = server_->app().pool().acquire();
        const long long old = common::now_ms() - 2 * 3600 * 1000;
        *lease << "INSERT INTO security_events (id, kind, user_id, ip_address, device, details, created_at) "
                  "VALUES ('00000000-0000-4000-8000-000000000001', 'signed_in', :u, '10.0.0.1', 'Old', '{}', :t)",
            soci::use(user_id), soci::use(old);
    }
    EXPECT_TRUE(wait_until([&] { return rows("id = '00000000-0000-4000-8000-000000000001'") == 0; }))
        << "the 2-hour-old event outlived a 1-hour retention";
    EXPECT_EQ(kinds(events(token)), (std::vector<std::string>{"registered"}));
}

class RevokeOthers : public AccountsFixture {};

TEST_F(RevokeOthers, EndsEverySessionButTheCallersBehindARecentSignIn) {
    const auto email = fresh_email();
    auto [token, user] = sign_up(email, "rev_" + security::random_hex(3));
    std::vector<std::string> others;
    for (int i = 0; i < 2; ++i) others.emplace_back(login(email, kPassword).json().at("authentication_token").as_string());
    auto [stranger, stranger_user] = sign_up(fresh_email(), "rev_" + security::random_hex(3));

    auto r = client_->post_json("/api/auth/sessions/revoke-others", "", bearer(token));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::serialize(r.json()), R"({"revoked":2})");
    for (const auto& t : others) EXPECT_EQ(status_with(t), 401);
    EXPECT_EQ(status_with(token), 200) << "the caller's session stays";
    EXPECT_EQ(status_with(stranger), 200) << "another user's session is untouched";
    auto list = client_->get("/api/users/@me/activity?limit=1", bearer(token)).json();
    EXPECT_EQ(list.at("events").at(0).at("kind"), std::string("other_sessions_revoked"));
    EXPECT_EQ(list.at("events").at(0).at("details").at("count"), json::value(2));

    // A session signed in long ago must prove its owner first.
    auto again = login(email, kPassword).json().at("authentication_token").as_string();
    age_session(token);
    auto stale = client_->post_json("/api/auth/sessions/revoke-others", "", bearer(token));
    EXPECT_EQ(stale.status, 403) << stale.body;
    EXPECT_EQ(stale.json().at("code"), std::string("reauthentication_required"));
    EXPECT_EQ(status_with(std::string(again)), 200);
    EXPECT_EQ(client_->post_json("/api/auth/sessions/revoke-others", "").status, 401);
}

TEST_F(RevokeOthers, RevokingOneSessionIsRecordedOnceAndStaysIdempotent) {
    const auto email = fresh_email();
    auto [token, user] = sign_up(email, "rev_" + security::random_hex(3));
    login(email, kPassword);
    auto sessions = client_->get("/api/auth/sessions", bearer(token)).json().as_array();
    std::string other;
    for (const auto& s : sessions)
        if (!s.at("is_current").as_bool()) other = std::string(s.at("id").as_string());
    ASSERT_FALSE(other.empty());
    EXPECT_EQ(client_->request("DELETE", "/api/auth/sessions/" + other, {}, bearer(token)).status, 204);
    EXPECT_EQ(client_->request("DELETE", "/api/auth/sessions/" + other, {}, bearer(token)).status, 204)
        << "revoking again is fine";
    EXPECT_EQ(client_->request("DELETE", "/api/auth/sessions/00000000-0000-4000-8000-000000000000", {}, bearer(token)).status,
              404);
    auto list = client_->get("/api/users/@me/activity", bearer(token)).json().at("events").as_array();
    EXPECT_EQ(kinds(list), (std::vector<std::string>{"session_revoked", "signed_in", "registered"}));
}

class Export : public AccountsFixture {};

TEST_F(Export, HoldsEverythingKeptAboutTheCallerBehindARecentSignInAndNothingSecret) {
    const auto email = fresh_email();
    auto [token, user] = sign_up(email, "exp_" + security::random_hex(3));
    EXPECT_EQ(login(email, "not the password at all").status, 400);
    auto r = client_->get("/api/users/@me/export", bearer(token));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.header("content-disposition").find("attachment"), std::string::npos);
    auto doc = r.json().as_object();
    EXPECT_EQ(doc["user"].at("email"), email);
    EXPECT_EQ(doc["user"].at("id"), user["id"]);
    EXPECT_EQ(doc["sessions"].as_array().size(), 1u);
    EXPECT_EQ(json::serialize(doc["second_factor"]), R"({"totp":false,"passkeys":0,"recovery_codes_left":0})");
    EXPECT_EQ(doc["passkeys"].as_array().size(), 0u);
    ASSERT_EQ(doc["activity"].as_array().size(), 2u);
    EXPECT_EQ(doc["activity"].at(0).at("kind"), std::string("sign_in_failed"));
    const auto text = r.body;
    for (const std::string& secret : {std::string(kPassword), token}) EXPECT_EQ(text.find(secret), std::string::npos) << secret;
    EXPECT_EQ(text.find("password_hash"), std::string::npos);
    EXPECT_EQ(text.find("$argon2"), std::string::npos);

    age_session(token);
    auto stale = client_->get("/api/users/@me/export", bearer(token));
    EXPECT_EQ(stale.status, 403) << stale.body;
    EXPECT_EQ(client_->get("/api/users/@me/export").status, 401);
}

}  // namespace
