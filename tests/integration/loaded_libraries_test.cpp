// libcurl, the PostgreSQL client and libarchive are loaded on their first use, not at start
// (common/shared_library.hpp): with the 35 libraries behind them they are ~6.4 MB of every
// process. The real binary, once ready, has mapped the PostgreSQL client only if its
// database is PostgreSQL, and libcurl and libarchive not at all (it has called nobody).
#include "common/sonames.hpp"
#include "security/random.hpp"
#include "support/process.hpp"
#include "support/test_server.hpp"

#include <gtest/gtest.h>

using namespace testing_support;

namespace {

class LoadedOnFirstUse : public ::testing::Test {
protected:
    void SetUp() override {
        STARTER_REQUIRE_DATABASE();
        db_ = std::make_unique<TestDatabase>(requested_db());
        dir_ = std::filesystem::temp_directory_path() / ("starter-loaded-" + security::random_hex(4));
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::unique_ptr<TestDatabase> db_;
    std::filesystem::path dir_;
};

bool maps_library(const std::string& maps, const char* soname) {
    return maps.find(std::string("/") + soname) != std::string::npos;
}

}  // namespace

TEST_F(LoadedOnFirstUse, AReadyServerHasLoadedThePostgresClientOnlyForPostgresAndNoOutboundLibrary) {
    const auto port = free_port();
    ChildProcess server({starter_binary(), "serve"},
                        {{"PORT", std::to_string(port)},
                         {"DATA_DIR", dir_.string()},
                         {"DATABASE_URL", db_->url()},
                         {"DATA_ENCRYPTION_KEY", kTestDataKey},
                         {"LOG_LEVEL", "warning"}},
                        dir_ / "serve.log");
    ASSERT_TRUE(wait_until_answers(port, "/api/health/ready")) << read_file(dir_ / "serve.log");
    // A request that reads the database, so that a lazily opened connection is open.
    EXPECT_EQ(HttpClient(port).get("/api/users/no-such-user").status, 404);
    const auto maps = read_file("/proc/" + std::to_string(server.pid()) + "/maps");
    ASSERT_FALSE(maps.empty());
    const bool postgres = requested_db() == TestDb::postgres;
    EXPECT_EQ(maps_library(maps, common::sonames::kPq), postgres);
    EXPECT_EQ(maps_library(maps, common::sonames::kSociPostgresql), postgres);
    EXPECT_FALSE(maps_library(maps, common::sonames::kCurl));
    EXPECT_FALSE(maps_library(maps, common::sonames::kArchive));
    // Behind libcurl and libpq on Debian (through LDAP): on SQLite, none of that.
    if (!postgres) {
        EXPECT_FALSE(maps_library(maps, "libgnutls.so")) << "a library behind libcurl or libpq is linked again";
    }
    server.kill(SIGTERM);
    EXPECT_EQ(server.wait(), 0);
}
