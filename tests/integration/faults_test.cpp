// Faults under load: PostgreSQL restarted while requests flow. While it is down requests
// answer 503 `unavailable` (never 500); once it is back the same server process serves
// again, without a restart.
#include "support/accounts_fixture.hpp"
#include "support/process.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

using namespace testing_support;

namespace {

// A PostgreSQL cluster of this test's own (scripts/services start-pg), so stopping it
// disturbs no other test.
class PrivatePostgres {
public:
    PrivatePostgres() : dir_(std::filesystem::temp_directory_path() / ("starter-pg-" + security::random_hex(4))) {
        auto [rc, out] = run_command({script(), "start-pg", dir_.string()}, {});
        if (rc != 0) throw std::runtime_error("start-pg failed: " + out);
        url_ = out.substr(out.rfind("postgresql://"));
        while (!url_.empty() && (url_.back() == '\n' || url_.back() == '\r')) url_.pop_back();
    }
    ~PrivatePostgres() { run_command({script(), "stop", dir_.string()}, {}); }
    const std::string& url() const { return url_; }
    void stop() { EXPECT_EQ(run_command({script(), "stop-pg", dir_.string()}, {}).first, 0); }
    void start() { EXPECT_EQ(run_command({script(), "restart-pg", dir_.string()}, {}).first, 0); }

private:
    static std::string script() { return std::string(STARTER_SOURCE_DIR) + "/scripts/services"; }
    std::filesystem::path dir_;
    std::string url_;
};

TEST(Faults, PostgresRestartedUnderLoadIsSurvivedWithout500s) {
    STARTER_REQUIRE_DATABASE();
    if (requested_db() != TestDb::postgres) GTEST_SKIP() << "the PostgreSQL pass runs it";
    PrivatePostgres pg;
    TestServer server([&](config::Settings& s) {
        s.database_url = pg.url();
        s.database_acquire_timeout = std::chrono::milliseconds(500);
    });
    auto c = server.client();
    // An account and a token, made the way a client does.
    const std::string email = "faults." + security::random_hex(3) + "@example.com";
    ASSERT_EQ(c.post_json("/api/auth/email-verification-request", body({{"email", email}})).status, 202);
    Mail m;
    ASSERT_TRUE(wait_until([&] {
        auto all = outbox_mail_to(server.data_dir(), email);
        if (all.empty()) return false;
        m = all[0];
        return true;
    }));
    std::smatch code;
    auto subject = m.header("Subject");
    ASSERT_TRUE(std::regex_search(subject, code, std::regex("[0-9]{8}")));
    auto reg = c.post_json("/api/auth/register", body({{"email", email},
                                                       {"email_verification_code", code.str()},
                                                       {"username", "faults_" + security::random_hex(3)},
                                                       {"password", kPassword}}));
    ASSERT_EQ(reg.status, 201) << reg.body;
    const std::string token(reg.json().at("authentication_token").as_string());

    std::atomic<bool> stop{false};
    std::mutex mutex;
    std::map<int, int> statuses;
    std::vector<std::thread> load;
    for (int t = 0; t < 3; ++t) {
        load.emplace_back([&] {
            HttpClient client(server.port());
            while (!stop) {
                int status = 0;
                try {
                    status = client.get("/api/users/@me", bearer(token)).status;
                } catch (const std::exception&) {
                    status = -1;  // the connection itself failed
                }
                std::lock_guard lock(mutex);
                ++statuses[status];
            }
        });
    }
    auto count = [&](int status) {
        std::lock_guard lock(mutex);
        return statuses[status];
    };
    ASSERT_TRUE(wait_until([&] { return count(200) > 50; }));
    pg.stop();
    ASSERT_TRUE(wait_until([&] { return count(503) > 20; })) << "requests answer 503 while the database is down";
    EXPECT_TRUE(wait_until([&] { return !server.app().viewer_cache()->enabled(); }, std::chrono::seconds(5)))
        << "the session cache must go off while its feed is down";
    EXPECT_EQ(c.post_json("/api/auth/login", body({{"login", email}, {"password", kPassword}})).status, 503);
    EXPECT_EQ(c.get("/api/health").status, 200) << "liveness stays up";
    EXPECT_EQ(c.get("/api/health/ready").status, 503);
    pg.start();
    const int before = count(200);
    ASSERT_TRUE(wait_until([&] { return count(200) > before + 50; }, std::chrono::seconds(30)))
        << "the same process serves again once PostgreSQL is back";
    // The @me session cache went off with the database (no answer from memory while it
    // could miss a revocation) and comes back on by itself.
    auto* cache = server.app().viewer_cache();
    ASSERT_NE(cache, nullptr);
    ASSERT_TRUE(wait_until([&] { return cache->enabled(); }, std::chrono::seconds(30))) << "the change feed never reconnected";
    const auto hits = cache->hits();
    EXPECT_TRUE(wait_until([&] { return cache->hits() > hits + 10; })) << "@me is no longer answered from the cache";
    stop = true;
    for (auto& t : load) t.join();
    EXPECT_EQ(c.get("/api/health/ready").status, 200);
    EXPECT_EQ(c.post_json("/api/auth/login", body({{"login", email}, {"password", kPassword}})).status, 200);
    std::lock_guard lock(mutex);
    for (const auto& [status, n] : statuses)
        EXPECT_TRUE(status == 200 || status == 503) << n << " answers with status " << status;
}

}  // namespace
