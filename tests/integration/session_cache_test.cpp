// The in-memory cache behind GET /api/users/@me (accounts::ViewerCache, fed by LISTEN/NOTIFY
// on PostgreSQL, following the WAL index's version on SQLite): it must answer repeated
// requests without the database, and must never let a token live on after a logout or
// revocation — whether this server made the change, another process did, or (PostgreSQL)
// the change feed itself was down at the time.
#include "db/libpq.hpp"
#include "db/pool.hpp"
#include "db/sqlite_changes.hpp"
#include "support/accounts_fixture.hpp"
#include "support/pg_proxy.hpp"

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <gtest/gtest.h>

#include <functional>
#include <future>
#include <utility>

using namespace testing_support;

namespace {

class SessionCache : public AccountsFixture {
protected:
    void SetUp() override {
        AccountsFixture::SetUp();
        if (HasFatalFailure() || IsSkipped()) return;
        cache_ = server_->app().viewer_cache();
        ASSERT_NE(cache_, nullptr);
        ASSERT_TRUE(wait_until([&] { return cache_->enabled(); })) << "the change feed never started";
    }

    // Another process: a plain connection to the same database, as psql or a second
    // server would have.
    void sql_elsewhere(const std::string& statement) {
        if (requested_db() == TestDb::sqlite) {
            soci::session s(*soci::factory_sqlite3(), "db=" + server_->app().settings().sqlite_path() + " timeout=10");
            s << statement;
            return;
        }
        soci::session s(*db::libpq().soci_backend, db::postgres_keyword_string(server_->database()->url()));
        s << statement;
    }
    // On SQLite a change made elsewhere shows on the very next request; PostgreSQL's NOTIFY
    // takes a moment to arrive.
    bool soon(const std::function<bool()>& done) {
        return requested_db() == TestDb::sqlite ? done() : wait_until(done, std::chrono::seconds(5));
    }

    // @me until it is served from the cache. The first read fills it; a NOTIFY still on its
    // way from an earlier commit (the sign-up or login) may empty it once more.
    void warm(const std::string& token) {
        bool from_cache = wait_until([&] {
            const auto hits = cache_->hits();
            EXPECT_EQ(status_with(token), 200);
            return cache_->hits() > hits;
        });
        ASSERT_TRUE(from_cache) << "@me never came from the cache";
    }

    accounts::ViewerCache* cache_ = nullptr;
};

#define REQUIRE_POSTGRES()                                      \
    if (requested_db() != TestDb::postgres)                     \
        GTEST_SKIP() << "the session cache is PostgreSQL-only"; \
    else                                                        \
        (void)0

TEST_F(SessionCache, OnSqliteItFollowsTheDatabaseInsteadOfAFeed) {
    if (requested_db() != TestDb::sqlite) GTEST_SKIP() << "checks the SQLite wiring";
    EXPECT_EQ(server_->app().change_feed(), nullptr);
    // A commit by any connection moves the version the entries were read at.
    db::SqliteChanges changes(server_->app().settings().sqlite_path());
    const auto before = changes.read();
    ASSERT_TRUE(before.has_value());
    EXPECT_EQ(changes.read(), before) << "nothing was committed";
    sql_elsewhere("CREATE TABLE IF NOT EXISTS cache_probe (x INTEGER)");
    sql_elsewhere("INSERT INTO cache_probe VALUES (1)");
    EXPECT_NE(changes.read(), before);
    EXPECT_THROW(db::SqliteChanges(server_->data_dir().string() + "/no-such.db-but-a-directory/x.db"), std::runtime_error);
}

TEST_F(SessionCache, RepeatedMeIsServedFromMemoryWithTheSameAnswer) {
    auto [token, user] = sign_up(fresh_email(), "cached");
    auto from_database = client_->get("/api/users/@me", bearer(token));
    ASSERT_EQ(from_database.status, 200);
    ASSERT_EQ(from_database.json().as_object().at("has_password"), true);
    // The cached answer is the database's, to the byte (the copy drops the hash, not the fact).
    bool compared = wait_until([&, token = token] {
        const auto hits = cache_->hits();
        auto r = client_->get("/api/users/@me", bearer(token));
        if (cache_->hits() == hits) return false;
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, from_database.body);
        return true;
    });
    EXPECT_TRUE(compared) << "@me never came from the cache";

    auto metrics = client_->get("/metrics");
    EXPECT_NE(metrics.body.find("session_cache_enabled 1"), std::string::npos) << metrics.body;
    EXPECT_NE(metrics.body.find("session_cache_lookups_total{result=\"hit\"}"), std::string::npos);
}

TEST_F(SessionCache, LogoutAndRevocationEndACachedTokenAtOnce) {
    const auto email = fresh_email();
    auto [a, user] = sign_up(email, "revoker");
    auto b_login = login(email, kPassword);
    ASSERT_EQ(b_login.status, 200) << b_login.body;
    const std::string b(b_login.json().as_object().at("authentication_token").as_string());
    warm(a);
    warm(b);

    // Revoke b's session from a: b is refused on its very next request.
    auto sessions = client_->get("/api/auth/sessions", bearer(a)).json().as_array();
    std::string b_session;
    for (const auto& s : sessions)
        if (!s.as_object().at("is_current").as_bool()) b_session = std::string(s.as_object().at("id").as_string());
    ASSERT_FALSE(b_session.empty());
    ASSERT_EQ(client_->request("DELETE", "/api/auth/sessions/" + b_session, {}, bearer(a)).status, 204);
    EXPECT_EQ(status_with(b), 401);

    // Logout: the same.
    warm(a);
    ASSERT_EQ(client_->post_json("/api/auth/logout", "", bearer(a)).status, 204);
    EXPECT_EQ(status_with(a), 401);
}

TEST_F(SessionCache, PasswordChangeEndsTheOtherCachedSessionsAtOnce) {
    const auto email = fresh_email();
    auto [a, user] = sign_up(email, "changer");
    auto other = login(email, kPassword);
    ASSERT_EQ(other.status, 200);
    const std::string b(other.json().as_object().at("authentication_token").as_string());
    warm(b);
    auto r = client_->request("PATCH", "/api/users/@me/password",
                              body({{"current_password", kPassword}, {"new_password", kOtherPassword}}), bearer(a));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(status_with(b), 401);
    EXPECT_EQ(status_with(a), 200);
}

TEST_F(SessionCache, ChangesMadeByAnotherProcessReachItThroughTheDatabase) {
    auto [token, user] = sign_up(fresh_email(), "elsewhere");
    const std::string id(user.at("id").as_string());
    warm(token);

    // A rename by another server (or by hand in psql) shows up in the cached answer...
    sql_elsewhere("UPDATE users SET username = 'renamed_elsewhere' WHERE id = '" + id + "'");
    EXPECT_TRUE(soon([&, token = token] {
        return client_->get("/api/users/@me", bearer(token)).json().as_object().at("username") ==
               std::string("renamed_elsewhere");
    })) << "the cache kept the old name: the NOTIFY trigger, the listener or the SQLite version check is not working";

    // ...and so does a revocation.
    warm(token);
    sql_elsewhere("UPDATE sessions SET token_hash = NULL, logged_out_at = 1 WHERE user_id = '" + id + "'");
    EXPECT_TRUE(soon([&, token = token] { return status_with(token) == 401; }))
        << "a session revoked elsewhere was still accepted";
}

TEST_F(SessionCache, WhileTheChangeFeedIsDownEveryRequestReadsTheDatabase) {
    REQUIRE_POSTGRES();
    auto [token, user] = sign_up(fresh_email(), "feedless");
    const std::string id(user.at("id").as_string());
    warm(token);
    auto* feed = server_->app().change_feed();
    ASSERT_NE(feed, nullptr);
    const auto connects = feed->connects();

    // Cut the listener's connection, as a database restart or a network fault would.
    sql_elsewhere(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = 'starter-listener' AND datname = current_database()");
    ASSERT_TRUE(wait_until([&] { return !cache_->enabled(); }, std::chrono::seconds(5))) << "the lost feed went unnoticed";
    EXPECT_EQ(cache_->size(), 0u);
    // A revocation that nobody hears of: refused all the same, as nothing is cached while
    // the feed is down (and turning it back on starts from empty).
    sql_elsewhere("UPDATE sessions SET token_hash = NULL, logged_out_at = 1 WHERE user_id = '" + id + "'");
    EXPECT_EQ(status_with(token), 401);

    // The feed comes back by itself, and the cache with it.
    ASSERT_TRUE(wait_until([&] { return cache_->enabled() && feed->connects() > connects; }, std::chrono::seconds(10)));
    EXPECT_EQ(status_with(token), 401);
    auto [fresh, fresh_user] = sign_up(fresh_email(), "feedback");
    warm(fresh);
}

TEST(SessionCacheFeed, StaysOffWhenNotificationsDoNotComeBack) {
    STARTER_REQUIRE_DATABASE();
    if (requested_db() != TestDb::postgres) GTEST_SKIP() << "the session cache is PostgreSQL-only";
    // A path to the database that accepts LISTEN but never delivers, as PgBouncer in
    // transaction mode does: the cache must not trust it.
    auto database = std::make_shared<TestDatabase>(TestDb::postgres);
    std::smatch where;
    ASSERT_TRUE(std::regex_search(database->url(), where, std::regex("@([0-9.]+):([0-9]+)/([A-Za-z0-9_]+)"))) << database->url();
    NotificationDroppingProxy proxy(where[1].str(), static_cast<std::uint16_t>(std::stoi(where[2].str())));
    const std::string through_proxy =
        "postgresql://postgres@127.0.0.1:" + std::to_string(proxy.port()) + "/" + where[3].str() + "?sslmode=disable";
    TestServer server([&](config::Settings& s) { s.database_url = through_proxy; }, {}, database);

    ASSERT_TRUE(wait_until([&] { return proxy.dropped() >= 1; })) << "the listener never sent its probe";
    auto c = server.client();
    EXPECT_EQ(c.get("/api/health/ready").status, 200) << "the database itself is reachable through the proxy";
    EXPECT_FALSE(server.app().viewer_cache()->enabled());
    EXPECT_EQ(server.app().change_feed()->connects(), 0u);
    EXPECT_NE(c.get("/metrics").body.find("session_cache_enabled 0"), std::string::npos);
}

}  // namespace

// A caller the cache knows is answered on the io thread: not behind requests that hold
// every worker. One the cache does not know waits for a worker, as before.
class SessionCacheBusyWorkers : public SessionCache {
protected:
    void configure(config::Settings& s) override { s.server.worker_threads = 1; }
    void add_routes(app::App& a) override {
        a.router().get("/test/hold-the-worker", [this](http::Request&) {
            held_.set_value();
            released_.wait();
            return http::json(200, {{"held", true}});
        });
    }
    std::promise<void> held_, release_;
    std::shared_future<void> released_ = release_.get_future().share();
};

TEST_F(SessionCacheBusyWorkers, ACachedCallerIsAnsweredWhileEveryWorkerIsBusy) {
    const auto email = fresh_email();
    // Not a structured binding: clang 14's lambdas cannot capture one.
    const auto signed_up = sign_up(email, "busy" + security::random_hex(3));
    const std::string& token = signed_up.first;
    const boost::json::object& user = signed_up.second;
    mail_to(email, "Welcome");  // its job's last commit is behind us (on SQLite any commit empties the cache)
    warm(token);
    auto held = held_.get_future();
    auto hold = std::async(std::launch::async, [&] { return server_->client().get("/test/hold-the-worker"); });
    held.wait();                            // the only worker is taken
    std::future<HttpResponse> me, unknown;  // destroyed after `release` below: they need the worker
    struct Release {                        // the worker goes free however the test ends
        std::promise<void>& p;
        bool done = false;
        void now() {
            if (!std::exchange(done, true)) p.set_value();
        }
        ~Release() { now(); }
    } release{release_};
    me = std::async(std::launch::async, [&] { return server_->client().get("/api/users/@me", bearer(token)); });
    ASSERT_EQ(me.wait_for(std::chrono::seconds(10)), std::future_status::ready) << "@me waited for the busy worker";
    auto answer = me.get();
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.json().at("id"), user.at("id"));
    unknown = std::async(std::launch::async, [&] { return server_->client().get("/api/users/@me", bearer("not-a-live-token")); });
    EXPECT_EQ(unknown.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout)
        << "a token the cache does not know needs the database, so a worker";
    release.now();
    EXPECT_EQ(unknown.get().status, 401);
    EXPECT_EQ(hold.get().status, 200);
}
