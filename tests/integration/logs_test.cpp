// The logs an operator reads: with LOG_FORMAT=json every line of the real binary is one
// JSON object with timestamp, level and event; a request's lines carry its request_id;
// security events have a line each; passwords and codes never appear.
#include "support/process.hpp"
#include "security/random.hpp"
#include "support/test_server.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <regex>

using namespace testing_support;

namespace {

TEST(JsonLogs, EveryLineIsAnEventObjectAndSecretsNeverAppear) {
    STARTER_REQUIRE_DATABASE();
    TestDatabase db(requested_db());
    const TempDir temp("starter-logs-");
    const auto& dir = temp.path();
    const auto port = free_port();
    const auto log = dir / "serve.log";
    ChildProcess serve({starter_binary(), "serve"},
                       {{"PORT", std::to_string(port)},
                        {"DATA_DIR", dir.string()},
                        {"DATABASE_URL", db.url()},
                        {"DATA_ENCRYPTION_KEY", testing_support::kTestDataKey},
                        {"HIBP_ENABLED", "false"},
                        {"LOG_FORMAT", "json"},
                        {"LOG_LEVEL", "debug"},
                        {"JOB_POLL_INTERVAL", "50ms"},
                        {"ARGON2_MEMORY_KIB", "1024"},
                        {"ARGON2_TIME_COST", "1"}},
                       log);
    ASSERT_TRUE(wait_until_answers(port, "/api/health"));
    HttpClient client(port);
    const std::string password = "super-secret-password-" + security::random_hex(4);
    ASSERT_EQ(client.post_json("/api/auth/login", R"({"login":"someone@example.com","password":")" + password + R"("})").status,
              400);
    ASSERT_EQ(client.post_json("/api/auth/email-verification-request", R"({"email":"logs@example.com"})").status, 202);
    ASSERT_TRUE(wait_until([&] { return !outbox_mail_to(dir, "logs@example.com").empty(); }));
    std::smatch code;
    const auto subject = outbox_mail_to(dir, "logs@example.com")[0].header("Subject");
    ASSERT_TRUE(std::regex_search(subject, code, std::regex("[0-9]{8}")));
    ASSERT_EQ(client.get("/api/health", {{"X-Request-ID", "trace-abc-123"}}).status, 200);
    serve.kill(SIGTERM);
    EXPECT_EQ(serve.wait(), 0);

    std::ifstream in(log);
    std::string line, all;
    int lines = 0, request_lines = 0;
    bool traced = false, security_event = false;
    const std::regex rfc3339(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$)");
    while (std::getline(in, line)) {
        if (line.rfind("NOTICE:", 0) == 0) continue;  // libpq's own stderr notices on PostgreSQL
        all += line + "\n";
        ++lines;
        boost::system::error_code ec;
        auto v = boost::json::parse(line, ec);
        ASSERT_FALSE(ec) << "not JSON: " << line;
        ASSERT_TRUE(v.is_object()) << line;
        const auto& o = v.as_object();
        ASSERT_TRUE(o.contains("timestamp") && o.contains("level") && o.contains("event")) << line;
        EXPECT_TRUE(std::regex_match(std::string(o.at("timestamp").as_string()), rfc3339)) << line;
        // The failed sign-in is a security event, one line a SIEM can follow.
        if (o.at("event").as_string() == "security.sign_in_failed")
            security_event = o.contains("event_id") && o.contains("ip") &&
                             o.at("details").as_string().find("\"method\":\"password\"") != std::string::npos;
        if (o.at("event").as_string() == "http.request") {
            ++request_lines;
            EXPECT_TRUE(o.contains("request_id")) << line;
            if (o.at("path").as_string() == "/api/health" && o.at("request_id").as_string() == "trace-abc-123") traced = true;
        }
    }
    EXPECT_GE(lines, 5);
    EXPECT_GE(request_lines, 3);
    EXPECT_TRUE(traced) << "a sane client X-Request-ID is kept";
    EXPECT_TRUE(security_event) << "no security.sign_in_failed line:\n" << all;
    EXPECT_EQ(all.find(password), std::string::npos) << "the password leaked into the log";
    auto at = all.find(code.str());
    EXPECT_EQ(at, std::string::npos) << "the emailed code leaked into the log: "
                                     << (at == std::string::npos ? "" : all.substr(all.rfind('\n', at) + 1, 400));
}

}  // namespace
