// When the database goes away, requests answer 503 `unavailable` (never 500) and
// readiness says so, while liveness stays up.
#include "db/libpq.hpp"
#include "support/test_server.hpp"

#include <gtest/gtest.h>
#include <soci/soci.h>

using namespace testing_support;

TEST(DatabaseOutage, RequestsAnswer503AndReadinessFails) {
    STARTER_REQUIRE_DATABASE();
    if (requested_db() != TestDb::postgres) GTEST_SKIP() << "needs a server that can disappear (PostgreSQL)";
    TestServer server([](config::Settings& s) { s.database_acquire_timeout = std::chrono::milliseconds(500); });
    auto c = server.client();
    ASSERT_EQ(c.get("/api/health/ready").status, 200);
    {
        // Kill every connection of the server and remove its database.
        std::string url = server.database()->url();
        auto name = url.substr(url.rfind('/') + 1);
        soci::session admin(*db::libpq().soci_backend, db::postgres_keyword_string(postgres_admin_url()));
        admin << "DROP DATABASE " + name + " WITH (FORCE)";
    }
    for (int i = 0; i < 3; ++i) {
        auto r = c.post_json("/api/auth/login", R"({"login":"zoe","password":"correct horse battery staple"})");
        EXPECT_EQ(r.status, 503) << r.body;
        EXPECT_EQ(r.json().at("code"), "unavailable");
    }
    auto ready = c.get("/api/health/ready");
    EXPECT_EQ(ready.status, 503);
    EXPECT_EQ(ready.json().at("database"), "unavailable");
    EXPECT_EQ(c.get("/api/health").status, 200);
}
