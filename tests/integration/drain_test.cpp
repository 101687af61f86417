// Draining before a stop, for rolling restarts behind a load balancer: with SHUTDOWN_DRAIN
// set, SIGTERM first turns /api/health/ready to 503 "draining" while every route keeps
// answering, and the process stops after the drain; a second signal stops it at once.
#include "security/random.hpp"
#include "support/process.hpp"
#include "support/test_server.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <thread>

using namespace testing_support;

namespace {

class Drain : public ::testing::Test {
protected:
    void SetUp() override {
        STARTER_REQUIRE_DATABASE();
        db_ = std::make_unique<TestDatabase>(requested_db());
        dir_ = std::filesystem::temp_directory_path() / ("starter-drain-" + security::random_hex(4));
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::unique_ptr<ChildProcess> serve(std::uint16_t port, const std::string& drain) {
        auto p = std::make_unique<ChildProcess>(std::vector<std::string>{starter_binary(), "serve"},
                                                std::map<std::string, std::string>{{"PORT", std::to_string(port)},
                                                                                   {"DATA_DIR", dir_.string()},
                                                                                   {"DATABASE_URL", db_->url()},
                                                                                   {"DATA_ENCRYPTION_KEY", kTestDataKey},
                                                                                   {"HIBP_ENABLED", "false"},
                                                                                   {"SHUTDOWN_DRAIN", drain},
                                                                                   {"LOG_LEVEL", "warning"}},
                                                dir_ / "serve.log");
        EXPECT_TRUE(wait_until_answers(port, "/api/health/ready"));
        return p;
    }

    std::unique_ptr<TestDatabase> db_;
    std::filesystem::path dir_;
};

}  // namespace

TEST_F(Drain, ReadinessFailsFirstWhileEveryRouteStillAnswersThenTheServerStops) {
    const auto port = free_port();
    auto server = serve(port, "1500ms");
    HttpClient client(port);  // a keep-alive connection opened before the signal
    ASSERT_EQ(client.get("/api/health").status, 200);

    const auto signalled = std::chrono::steady_clock::now();
    server->kill(SIGTERM);
    ASSERT_TRUE(wait_until([&] { return HttpClient(port).get("/api/health/ready").status == 503; }));
    auto ready = HttpClient(port).get("/api/health/ready");
    EXPECT_EQ(ready.json().at("status").as_string(), "draining") << ready.body;
    EXPECT_EQ(ready.json().at("database").as_string(), "ok");
    EXPECT_EQ(client.get("/api/health").status, 200);                        // the old connection
    EXPECT_EQ(HttpClient(port).get("/api/users/no-such-user").status, 404);  // a new one, through the database
    EXPECT_FALSE(server->exited()) << "stopped before the drain was over";

    ASSERT_TRUE(wait_until([&] { return server->exited(); }, std::chrono::seconds(15)));
    EXPECT_EQ(server->wait(), 0);
    EXPECT_GE(std::chrono::steady_clock::now() - signalled, std::chrono::milliseconds(1500));
}

TEST_F(Drain, ASecondSignalStopsAtOnce) {
    const auto port = free_port();
    auto server = serve(port, "60s");
    server->kill(SIGTERM);
    ASSERT_TRUE(wait_until([&] { return HttpClient(port).get("/api/health/ready").status == 503; }));
    const auto second = std::chrono::steady_clock::now();
    server->kill(SIGTERM);
    ASSERT_TRUE(wait_until([&] { return server->exited(); }, std::chrono::seconds(15)));
    EXPECT_LT(std::chrono::steady_clock::now() - second, std::chrono::seconds(10));
}
