// GET /metrics: Prometheus text that a scraper can parse, and counters that move with the
// requests, jobs and limits a user would look at.
#include "support/accounts_fixture.hpp"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>

using namespace testing_support;

namespace {

// "name{labels}" -> value; fails the test on any line a Prometheus parser would reject.
std::map<std::string, double> parse_metrics(const std::string& text) {
    // Label values may hold any character but an unescaped quote (route templates have braces).
    static const std::regex sample(
        R"(^([a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})?) (-?[0-9.]+(?:e[+-]?[0-9]+)?|\+Inf|NaN)$)");
    static const std::regex comment(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$)");
    std::map<std::string, double> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_match(line, comment)) continue;
        if (!std::regex_match(line, m, sample)) {
            ADD_FAILURE() << "not Prometheus text: " << line;
            continue;
        }
        out[m[1].str()] = m[5].str() == "+Inf" ? INFINITY : std::stod(m[5].str());
    }
    return out;
}

class Metrics : public AccountsFixture {
protected:
    std::map<std::string, double> scrape() {
        auto r = client_->get("/metrics");
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
        return parse_metrics(r.body);
    }
    static double at(const std::map<std::string, double>& m, const std::string& key) {
        auto it = m.find(key);
        return it == m.end() ? 0 : it->second;
    }
};

TEST_F(Metrics, RequestCountersAndDurationsMoveWithRequests) {
    auto before = scrape();
    for (int i = 0; i < 3; ++i) ASSERT_EQ(client_->get("/api/health").status, 200);
    ASSERT_EQ(client_->get("/no/such/page").status, 404);
    ASSERT_EQ(login("nobody@example.com", "wrong password!").status, 400);
    auto after = scrape();

    const std::string health = R"(route="/api/health",method="GET")";
    EXPECT_EQ(at(after, "http_requests_total{" + health + R"(,status="200"})") -
                  at(before, "http_requests_total{" + health + R"(,status="200"})"),
              3);
    EXPECT_EQ(at(after, "http_request_duration_seconds_count{" + health + "}") -
                  at(before, "http_request_duration_seconds_count{" + health + "}"),
              3);
    EXPECT_EQ(at(after, "http_request_duration_seconds_bucket{" + health + R"(,le="+Inf"})"),
              at(after, "http_request_duration_seconds_count{" + health + "}"));
    EXPECT_EQ(at(after, R"(http_requests_total{route="unmatched",method="any",status="404"})") -
                  at(before, R"(http_requests_total{route="unmatched",method="any",status="404"})"),
              1);
    EXPECT_EQ(at(after, R"(http_requests_total{route="/api/auth/login",method="POST",status="400"})"), 1);
    EXPECT_EQ(at(after, "http_requests_in_flight"), 1) << "the scrape itself";
    EXPECT_EQ(at(after, R"(db_pool_connections{state="in_use"})") + at(after, R"(db_pool_connections{state="idle"})"), 4);
    EXPECT_GT(at(after, "process_resident_memory_bytes"), 1e6);
    EXPECT_GT(at(after, "process_open_fds"), 3);
}

TEST_F(Metrics, JobsByStateAndDeliveryLatency) {
    auto email = fresh_email();
    request_code(email);  // waits until the email was delivered
    wait_until([&] { return at(scrape(), "job_delivery_seconds_count") >= 1; });
    auto m = scrape();
    EXPECT_GE(at(m, R"(jobs{state="done"})"), 1);
    EXPECT_EQ(at(m, R"(jobs{state="dead"})"), 0);
    EXPECT_GE(at(m, "job_delivery_seconds_count"), 1);
    EXPECT_GT(at(m, "job_delivery_seconds_sum"), 0);
}

class MetricsWithRealLimits : public Metrics {
protected:
    void configure(config::Settings& s) override { s.rate_limits.multiplier = 1; }
};

TEST_F(MetricsWithRealLimits, RateLimitRejectionsAreCountedAndMetricsAreNeverLimited) {
    int limited = 0;
    for (int i = 0; i < 17; ++i)
        limited += client_->post_json("/api/auth/email-verification-request", body({{"email", fresh_email()}})).status == 429;
    ASSERT_GE(limited, 1);
    auto m = scrape();
    EXPECT_EQ(at(m, "rate_limit_rejections_total"), limited);
    EXPECT_EQ(at(m, R"(http_requests_total{route="/api/auth/email-verification-request",method="POST",status="429"})"), limited);
    auto r = client_->get("/metrics");
    EXPECT_TRUE(r.header("x-ratelimit-limit").empty()) << "/metrics is not rate limited";
}

}  // namespace
