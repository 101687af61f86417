// Leaving (DELETE /api/users/@me): every session ends at once, a sign-in during the grace
// period keeps the account, and when the grace ends every row that names the person is
// erased or anonymised; proven by reading every text column of every table for their
// email, username and IP.
#include "support/accounts_fixture.hpp"

#include "common/time.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace testing_support;
namespace json = boost::json;

namespace {

constexpr const char* kTheirIp = "203.0.113.77";  // a documentation address no other test uses

class Deletion : public AccountsFixture {
protected:
    void configure(config::Settings& s) override { s.server.trusted_proxies = {*http::Cidr::parse("127.0.0.1")}; }

    // Requests as the person makes them, from their own address.
    Headers from_them(const std::string& token = "") {
        Headers h{{"X-Forwarded-For", kTheirIp}};
        if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
        return h;
    }

    HttpResponse delete_me(const std::string& token) {
        return client_->request("DELETE", "/api/users/@me", {}, from_them(token));
    }

    // "table.column: value" for every text value of every table holding one of `needles`.
    std::vector<std::string> rows_holding(const std::vector<std::string>& needles) {
        auto lease = server_->app().pool().acquire();
        std::vector<std::string> tables, found;
        const bool pg = lease->get_backend_name() == "postgresql";
        soci::rowset<std::string> names =
            lease->prepare << (pg ? "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                                  : "SELECT name FROM sqlite_master WHERE type = 'table'");
        for (const auto& n : names) tables.push_back(n);
        EXPECT_GE(tables.size(), 10u);
        for (const auto& table : tables) {
            soci::rowset<soci::row> rows = lease->prepare << "SELECT * FROM " + table;
            for (const auto& row : rows)
                for (std::size_t i = 0; i < row.size(); ++i) {
                    if (row.get_indicator(i) != soci::i_ok || row.get_properties(i).get_data_type() != soci::dt_string) continue;
                    const auto value = row.get<std::string>(i);
                    for (const auto& needle : needles)
                        if (value.find(needle) != std::string::npos)
                            found.push_back(table + "." + row.get_properties(i).get_name() + ": " + value.substr(0, 300));
                }
        }
        return found;
    }
};

TEST_F(Deletion, EndsEverySessionAtOnceAndASignInDuringTheGraceKeepsTheAccount) {
    const auto email = fresh_email();
    auto [token, user] = sign_up(email, "del_" + security::random_hex(3));
    const std::string other(login(email, kPassword).json().at("authentication_token").as_string());
    const std::string id(user["id"].as_string());

    auto r = delete_me(token);
    ASSERT_EQ(r.status, 202) << r.body;
    EXPECT_TRUE(r.json().at("erase_at").is_string()) << r.body;
    EXPECT_EQ(status_with(token), 401) << "the caller's own session ended too";
    EXPECT_EQ(status_with(other), 401);
    EXPECT_EQ(client_->get("/api/users/" + id).status, 404) << "the public profile is gone";
    auto scheduled = mail_to(email, "will be deleted on");
    EXPECT_NE(scheduled.text.find("Sign in before then"), std::string::npos);

    // Nothing is erased before its time; a sign-in cancels the deletion.
    EXPECT_EQ(server_->app().accounts().erase_due(common::now_ms()), 0u);
    auto back = login(email, kPassword);
    ASSERT_EQ(back.status, 200) << back.body;
    mail_to(email, "will not be deleted");
    const std::string fresh(back.json().at("authentication_token").as_string());
    EXPECT_EQ(client_->get("/api/users/" + id).status, 200);
    EXPECT_EQ(server_->app().accounts().erase_due(common::now_ms() + 30LL * 24 * 3600 * 1000), 0u) << "cancelled for good";
    auto activity = client_->get("/api/users/@me/activity?limit=3", bearer(fresh)).json().at("events").as_array();
    EXPECT_EQ(activity.at(0).at("kind"), std::string("signed_in"));
    EXPECT_EQ(activity.at(1).at("kind"), std::string("account_deletion_cancelled"));
    EXPECT_EQ(activity.at(2).at("kind"), std::string("account_deletion_requested"));
}

TEST_F(Deletion, NeedsARecentSignIn) {
    auto [token, user] = sign_up(fresh_email(), "del_" + security::random_hex(3));
    age_session(token);
    auto r = delete_me(token);
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(r.json().at("code"), std::string("reauthentication_required"));
    EXPECT_EQ(status_with(token), 200);
    EXPECT_EQ(client_->request("DELETE", "/api/users/@me").status, 401);
}

class Erasure : public Deletion {
protected:
    void configure(config::Settings& s) override {
        Deletion::configure(s);
        s.account_deletion_grace = std::chrono::seconds(1);
        s.jobs.prune_interval = std::chrono::milliseconds(100);
    }
};

TEST_F(Erasure, WhenTheGraceEndsNoRowStillHoldsTheirEmailUsernameOrIp) {
    const auto email = fresh_email();
    const auto username = "erase_" + security::random_hex(4);
    // An account used from their address: registered, a failed and a good sign-in, a
    // pending reset code, a new-device alert, and the emails those sent.
    ASSERT_EQ(client_->post_json("/api/auth/email-verification-request", body({{"email", email}}), from_them()).status, 202);
    const auto code = code_in(mail_to(email, "verification code"));
    auto reg = client_->post_json(
        "/api/auth/register",
        body({{"email", email}, {"email_verification_code", code}, {"username", username}, {"password", kPassword}}),
        from_them());
    ASSERT_EQ(reg.status, 201) << reg.body;
    const std::string token(reg.json().at("authentication_token").as_string());
    const std::string id(reg.json().at("user").at("id").as_string());
    EXPECT_EQ(client_->post_json("/api/auth/login", body({{"login", username}, {"password", "wrong one"}}), from_them()).status,
              400);
    EXPECT_EQ(client_->post_json("/api/auth/login", body({{"login", email}, {"password", kPassword}}), from_them()).status, 200);
    EXPECT_EQ(client_->post_json("/api/auth/reset-password-request", body({{"email", email}}), from_them()).status, 202);
    mail_to(email, "reset");
    // Someone else, whose rows must all stay.
    const auto bystander = fresh_email();
    auto [their_token, their_user] = sign_up(bystander, "keep_" + security::random_hex(3));
    ASSERT_FALSE(rows_holding({email, username, kTheirIp}).empty()) << "the test would prove nothing";

    ASSERT_EQ(delete_me(token).status, 202);
    EXPECT_TRUE(wait_until([&] { return rows_holding({email, username, kTheirIp}).empty(); }, std::chrono::seconds(15)));
    for (const auto& left : rows_holding({email, username, kTheirIp})) ADD_FAILURE() << "still there: " << left;
    mail_to(email, "was deleted");

    // What happened stays, without where from; the bystander is untouched; the address and
    // username are free again.
    {
        auto lease = server_->app().pool().acquire();
        long long events = 0, located = 0, users = 0;
        *lease << "SELECT COUNT(*) FROM security_events WHERE user_id = :u", soci::use(id), soci::into(events);
        *lease << "SELECT COUNT(*) FROM security_events WHERE user_id = :u AND ip_address <> ''", soci::use(id),
            soci::into(located);
        *lease << "SELECT COUNT(*) FROM users WHERE id = :u", soci::use(id), soci::into(users);
        EXPECT_GE(events, 5);
        EXPECT_EQ(located, 0);
        EXPECT_EQ(users, 0);
    }
    EXPECT_EQ(status_with(their_token), 200);
    EXPECT_EQ(login(bystander, kPassword).status, 200);
    EXPECT_EQ(login(email, kPassword).status, 400);
    auto again = register_with(email, request_code(email, 2), username);
    EXPECT_EQ(again.status, 201) << again.body;
}

class DeletionAtOnce : public AccountsFixture {
protected:
    void configure(config::Settings& s) override { s.account_deletion_grace = std::chrono::milliseconds(0); }
};

TEST_F(DeletionAtOnce, ErasesTheAccountInTheRequest) {
    const auto email = fresh_email();
    auto [token, user] = sign_up(email, "now_" + security::random_hex(3));
    auto r = client_->request("DELETE", "/api/users/@me", {}, bearer(token));
    ASSERT_EQ(r.status, 202) << r.body;
    EXPECT_TRUE(r.json().at("erase_at").is_null());
    EXPECT_EQ(status_with(token), 401);
    EXPECT_EQ(client_->get("/api/users/" + std::string(user["id"].as_string())).status, 404);
    EXPECT_EQ(login(email, kPassword).status, 400);
    mail_to(email, "was deleted");
}

}  // namespace
