// Rate limits over HTTP: route and primary limits with their headers, spoofed
// X-Forwarded-For, failed logins per account, and Redis shared by two servers and dying.
#include "ratelimit/redis_store.hpp"
#include "security/random.hpp"
#include "support/accounts_fixture.hpp"
#include "support/process.hpp"
#include "support/test_server.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <functional>
#include <future>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

using namespace testing_support;

namespace {

void exact_limits(config::Settings& s) {
    s.rate_limits.multiplier = 1;
    s.rate_limits.key_prefix = "test-" + security::random_hex(6) + ":";
}

// Exact limits (as exact_limits) counted in the Redis at `url`, failing closed when told.
std::function<void(config::Settings&)> limits_in_redis(const std::string& url, bool fail_closed = false) {
    return [url, fail_closed](config::Settings& s) {
        exact_limits(s);
        s.redis.url = url;
        s.rate_limits.fail_closed = fail_closed;
    };
}

int verification_request(HttpClient& c, const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return c.post_json("/api/auth/email-verification-request", R"({"email":"someone@example.com"})", headers).status;
}

// Certificates made with the openssl command line, as an operator would: a CA, a server
// certificate it signed that names only the IP address 127.0.0.1, a client certificate it
// signed, and a second CA that signed nothing here.
class TestCertificates {
public:
    TestCertificates() {
        auto openssl = [](std::vector<std::string> args) {
            args.insert(args.begin(), "/usr/bin/openssl");
            const auto [status, output] = run_command(args, {});
            EXPECT_EQ(status, 0) << output;
        };
        for (const char* ca : {"ca", "other-ca"})
            openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj",
                     std::string("/CN=starter test ") + ca, "-keyout", file(std::string(ca) + ".key"), "-out",
                     file(std::string(ca) + ".crt")});
        std::ofstream(file("server.ext")) << "subjectAltName=IP:127.0.0.1\n";
        std::ofstream(file("client.ext")) << "extendedKeyUsage=clientAuth\n";
        for (const char* who : {"server", "client"}) {
            const std::string name(who);
            openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=" + name, "-keyout",
                     file(name + ".key"), "-out", file(name + ".csr")});
            openssl({"x509", "-req", "-in", file(name + ".csr"), "-CA", file("ca.crt"), "-CAkey", file("ca.key"),
                     "-CAcreateserial", "-days", "2", "-extfile", file(name + ".ext"), "-out", file(name + ".crt")});
        }
    }
    std::string file(const std::string& name) const { return (dir_.path() / name).string(); }

private:
    TempDir dir_{"starter-certs-"};
};

// A redis-server of the test's own, so the test can stop it.
class OwnRedis {
public:
    // Only TLS, on `port`, with the server certificate of `certificates`; clients must show one
    // of theirs when `client_certificates`.
    struct Tls {
        const TestCertificates& certificates;
        bool client_certificates = false;
    };

    // `port` 0: a free one. A port free a moment ago may be another's by the time redis-server
    // binds it (a busy suite's connections take ephemeral ports): then another is tried.
    explicit OwnRedis(std::uint16_t port = 0, const std::vector<std::string>& options = {},
                      const std::optional<Tls>& tls = std::nullopt)
        : tls_(tls) {
        for (int attempt = 0; attempt < 5; ++attempt) {
            port_ = port ? port : free_port();
            std::vector<std::string> command{"/usr/bin/redis-server",
                                             tls ? "--tls-port" : "--port",
                                             std::to_string(port_),
                                             "--bind",
                                             "127.0.0.1",
                                             "--save",
                                             "",
                                             "--appendonly",
                                             "no",
                                             "--dir",
                                             dir_.path().string()};
            if (tls) {
                const auto& c = tls->certificates;
                command.insert(command.end(), {"--port", "0", "--tls-cert-file", c.file("server.crt"), "--tls-key-file",
                                               c.file("server.key"), "--tls-ca-cert-file", c.file("ca.crt"), "--tls-auth-clients",
                                               tls->client_certificates ? "yes" : "no"});
            }
            command.insert(command.end(), options.begin(), options.end());
            process_ = std::make_unique<ChildProcess>(command, std::map<std::string, std::string>{}, dir_.path() / "redis.log");
            if (wait_until([&] { return answers() || process_->exited(); }) && !process_->exited() && answers()) return;
            stop();
            if (port) break;
        }
        ADD_FAILURE() << "redis-server did not start on 127.0.0.1:" << port_;
    }
    ~OwnRedis() { stop(); }
    void stop() {
        if (!process_) return;
        process_->kill(SIGKILL);
        process_->wait();
        process_.reset();
    }
    std::string url() const { return (tls_ ? "rediss" : "redis") + std::string("://127.0.0.1:") + std::to_string(port_) + "/0"; }
    std::uint16_t port() const { return port_; }
    bool answers() const { return cli("ping").find("PONG") != std::string::npos; }
    // redis-cli's answer to `command`, its words split at spaces ("SCRIPT FLUSH" as one word
    // would be an unknown command).
    std::string cli(const std::string& command) const {
        std::vector<std::string> argv{"/usr/bin/redis-cli", "-p", std::to_string(port_)};
        if (tls_) {
            const auto& c = tls_->certificates;
            argv.insert(argv.end(),
                        {"--tls", "--cacert", c.file("ca.crt"), "--cert", c.file("client.crt"), "--key", c.file("client.key")});
        }
        std::istringstream words(command);
        for (std::string word; words >> word;) argv.push_back(word);
        return run_command(argv, {}).second;
    }
    // Connections Redis has accepted since it started.
    int connections_received() const {
        const auto info = cli("INFO stats");
        const auto at = info.find("total_connections_received:");
        return at == std::string::npos ? -1 : std::stoi(info.substr(at + std::string("total_connections_received:").size()));
    }

private:
    std::optional<Tls> tls_;
    std::uint16_t port_ = 0;
    TempDir dir_{"starter-redis-"};
    std::unique_ptr<ChildProcess> process_;
};

// `server`, with exact limits in `redis`, counts through both of the store's paths: readiness
// says ok, the 16th request is refused (the io threads' pipeline), a wrong login is counted
// (the store's own thread), no command fails, and the counts are in that Redis.
void expect_counted_in(const OwnRedis& redis, TestServer& server, HttpClient& c) {
    EXPECT_EQ(c.get("/api/health/ready").json().at("redis"), "ok");
    for (int i = 0; i < 15; ++i) EXPECT_EQ(verification_request(c), 202) << i;
    EXPECT_EQ(verification_request(c), 429);
    EXPECT_EQ(c.post_json("/api/auth/login", R"({"login":"nobody@example.com","password":"wrong password"})").status, 400);
    EXPECT_EQ(server.app().limiter().store_errors(), 0u) << "every command went through";
    EXPECT_NE(redis.cli("DBSIZE"), "0\n") << "the counts are in Redis";
}

// A port that takes connections (the kernel completes them) and never answers: a Redis
// that hangs.
class SilentListener {
public:
    SilentListener() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        EXPECT_EQ(::listen(fd_, 64), 0);
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
    }
    ~SilentListener() { ::close(fd_); }
    // Takes the connections made so far (the kernel completed them): how many there were.
    int connections_taken() {
        ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
        int n = 0;
        for (int fd; (fd = ::accept(fd_, nullptr, nullptr)) >= 0; ++n) ::close(fd);
        return n;
    }
    std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace

class RateLimits : public ::testing::Test {
protected:
    void SetUp() override { STARTER_REQUIRE_DATABASE(); }
};

TEST_F(RateLimits, RouteLimitWithHeadersThen429WithRetryAfter) {
    TestServer server(exact_limits);
    auto c = server.client();
    for (int i = 0; i < 15; ++i) {
        auto r = c.post_json("/api/auth/email-verification-request", R"({"email":"a@example.com"})");
        ASSERT_EQ(r.status, 202) << i;
        EXPECT_EQ(r.header("x-ratelimit-limit"), "15");
        EXPECT_EQ(r.header("x-ratelimit-remaining"), std::to_string(14 - i));
        EXPECT_FALSE(r.header("x-ratelimit-reset").empty());
    }
    auto r = c.post_json("/api/auth/email-verification-request", R"({"email":"a@example.com"})");
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(r.json().at("code"), "rate_limited");
    EXPECT_EQ(r.json().at("is_primary"), false);
    EXPECT_GE(std::stoi(r.header("retry-after")), 1);
    EXPECT_LE(std::stoi(r.header("retry-after")), 3600);
    EXPECT_EQ(r.header("x-ratelimit-remaining"), "0");
    // Other routes are still open, health is never limited.
    EXPECT_EQ(c.post_json("/api/auth/login", R"({"login":"x","password":"y"})").status, 400);
    EXPECT_EQ(c.get("/api/health").status, 200);
    EXPECT_TRUE(c.get("/api/health").header("x-ratelimit-limit").empty());
}

TEST_F(RateLimits, PrimaryLimitCoversEveryLimitedRouteButNotHealth) {
    TestServer server([](config::Settings& s) {
        exact_limits(s);
        s.rate_limits.primary = *ratelimit::Limit::parse("5/minute");
    });
    auto c = server.client();
    for (int i = 0; i < 5; ++i) ASSERT_EQ(c.get("/api/users/" + security::uuid4()).status, 404) << i;
    auto r = c.get("/api/users/@me");
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(r.json().at("is_primary"), true);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(c.get("/api/health").status, 200);
}

TEST_F(RateLimits, SpoofedForwardedForFromAnUntrustedPeerDoesNotEscapeTheLimit) {
    TestServer server(exact_limits);  // no TRUSTED_PROXIES
    auto c = server.client();
    for (int i = 0; i < 15; ++i) ASSERT_EQ(verification_request(c, {{"X-Forwarded-For", "10.0.0." + std::to_string(i)}}), 202);
    EXPECT_EQ(verification_request(c, {{"X-Forwarded-For", "203.0.113.99"}}), 429);
}

TEST_F(RateLimits, TrustedProxyClientsAreLimitedSeparately) {
    TestServer server([](config::Settings& s) {
        exact_limits(s);
        s.server.trusted_proxies = {*http::Cidr::parse("127.0.0.1")};
    });
    auto c = server.client();
    for (int i = 0; i < 15; ++i) ASSERT_EQ(verification_request(c, {{"X-Forwarded-For", "198.51.100.1"}}), 202);
    EXPECT_EQ(verification_request(c, {{"X-Forwarded-For", "198.51.100.1"}}), 429);
    EXPECT_EQ(verification_request(c, {{"X-Forwarded-For", "198.51.100.2"}}), 202);
}

TEST_F(RateLimits, TooManyFailedLoginsLockThatLoginWithoutRevealingTheAccount) {
    TestServer server([](config::Settings& s) {
        exact_limits(s);
        s.login_failure_limit = ratelimit::Limit::parse("3/15minute");
    });
    auto c = server.client();
    auto attempt = [&](const std::string& login, const std::vector<std::pair<std::string, std::string>>& h = {}) {
        return c.post_json("/api/auth/login", R"({"login":")" + login + R"(","password":"wrong password"})", h);
    };
    for (int i = 0; i < 3; ++i) EXPECT_EQ(attempt("nobody@example.com").status, 400);
    auto locked = attempt("NOBODY@example.com");  // the same login, whatever the case
    EXPECT_EQ(locked.status, 429);
    EXPECT_EQ(locked.json().at("code"), "rate_limited");
    EXPECT_EQ(attempt("somebody-else@example.com").status, 400) << "other logins are unaffected";
}

TEST_F(RateLimits, TwoServersSharingRedisHitTheLimitExactly) {
    auto redis_url = env_or_empty("STARTER_TEST_REDIS_URL");
    if (redis_url.empty()) GTEST_SKIP() << "STARTER_TEST_REDIS_URL is not set";
    const std::string ns = "shared-" + security::random_hex(6) + ":";
    auto configure = [&](config::Settings& s) {
        exact_limits(s);
        s.redis.url = redis_url;
        s.rate_limits.key_prefix = ns;
    };
    TestServer a(configure), b(configure);
    auto ca = a.client(), cb = b.client();
    EXPECT_EQ(ca.get("/api/health/ready").json().at("redis"), "ok");
    int allowed = 0;
    for (int i = 0; i < 15; ++i) allowed += verification_request(i % 2 ? ca : cb) == 202;
    EXPECT_EQ(allowed, 15);
    EXPECT_EQ(verification_request(ca), 429);
    EXPECT_EQ(verification_request(cb), 429);
}

TEST_F(RateLimits, TwoServerProcessesSharingRedisHitTheLimitExactly) {
    auto redis_url = env_or_empty("STARTER_TEST_REDIS_URL");
    if (redis_url.empty()) GTEST_SKIP() << "STARTER_TEST_REDIS_URL is not set";
    TestDatabase database(requested_db());
    TempDir dir("starter-two-");
    const auto& logs = dir.path();
    const std::string ns = "procs-" + security::random_hex(6) + ":";
    std::vector<std::unique_ptr<ChildProcess>> servers;
    std::vector<std::uint16_t> ports;
    for (int i = 0; i < 2; ++i) {
        ports.push_back(free_port());
        servers.push_back(std::make_unique<ChildProcess>(
            std::vector<std::string>{starter_binary(), "serve"},
            std::map<std::string, std::string>{{"PORT", std::to_string(ports.back())},
                                               {"DATABASE_URL", database.url()},
                                               {"DATA_ENCRYPTION_KEY", testing_support::kTestDataKey},
                                               {"HIBP_ENABLED", "false"},
                                               {"REDIS_URL", redis_url},
                                               {"RATE_LIMIT_NAMESPACE", ns},
                                               {"DATA_DIR", (logs / std::to_string(i)).string()},
                                               {"LOG_LEVEL", "warning"}},
            logs / ("server-" + std::to_string(i) + ".log")));
    }
    for (std::size_t i = 0; i < ports.size(); ++i)
        ASSERT_TRUE(wait_until_answers(ports[i], "/api/health"))
            << "server on " << ports[i] << " did not start: " << read_file(logs / ("server-" + std::to_string(i) + ".log"));
    HttpClient a(ports[0]), b(ports[1]);
    int allowed = 0;
    for (int i = 0; i < 15; ++i) allowed += verification_request(i % 2 ? a : b) == 202;
    EXPECT_EQ(allowed, 15);
    EXPECT_EQ(verification_request(a), 429);
    EXPECT_EQ(verification_request(b), 429);
    for (auto& s : servers) {
        s->kill(SIGTERM);
        EXPECT_EQ(s->wait(), 0) << "graceful exit on SIGTERM";
    }
}

TEST_F(RateLimits, RequestsAreStillServedWhenRedisDies) {
    OwnRedis redis;
    TestServer server(limits_in_redis(redis.url()));
    auto c = server.client();
    EXPECT_EQ(verification_request(c), 202);
    EXPECT_EQ(server.client().get("/api/health/ready").json().at("redis"), "ok");
    redis.stop();
    for (int i = 0; i < 20; ++i) EXPECT_EQ(verification_request(c), 202) << "fail open: the API keeps serving";
    EXPECT_GT(server.app().limiter().store_errors(), 0u);
    auto ready = c.get("/api/health/ready");
    EXPECT_EQ(ready.status, 503);
    EXPECT_EQ(ready.json().at("redis"), "unavailable");
}

// The io threads ask Redis for many requests at once on one connection; each reply must
// reach the request it answers. Client A has used up its limit and B has not: sent
// together, every request of A is refused and every one of B allowed, each B with its own
// remaining count. Over plain TCP, and over TLS, where the connection's steps run on a
// strand while every io thread adds commands to it.
TEST_F(RateLimits, RequestsAskingRedisTogetherEachGetTheirOwnAnswer) {
    TestCertificates certificates;
    for (bool tls : {false, true}) {
        SCOPED_TRACE(tls ? "rediss://" : "redis://");
        OwnRedis redis(0, {}, tls ? std::optional(OwnRedis::Tls{certificates}) : std::nullopt);
        TestServer server([&](config::Settings& s) {
            exact_limits(s);
            s.redis.url = redis.url();
            if (tls) s.redis.tls_ca_file = certificates.file("ca.crt");
            s.server.trusted_proxies = {*http::Cidr::parse("127.0.0.1")};
        });
        const std::vector<std::pair<std::string, std::string>> a{{"X-Forwarded-For", "198.51.100.1"}},
            b{{"X-Forwarded-For", "198.51.100.2"}};
        auto c = server.client();
        for (int i = 0; i < 15; ++i) ASSERT_EQ(verification_request(c, a), 202);
        for (int round = 0; round < 3; ++round) {
            std::vector<std::future<HttpResponse>> answers;
            for (int i = 0; i < 10; ++i)
                answers.push_back(std::async(std::launch::async, [&, i] {
                    HttpClient own(server.port());
                    return own.post_json("/api/auth/email-verification-request", R"({"email":"someone@example.com"})",
                                         i % 2 ? a : b);
                }));
            std::set<std::string> remaining;
            for (int i = 0; i < 10; ++i) {
                auto r = answers[i].get();
                if (i % 2) {
                    EXPECT_EQ(r.status, 429) << "A, round " << round;
                } else {
                    EXPECT_EQ(r.status, 202) << "B, round " << round;
                    remaining.insert(r.header("x-ratelimit-remaining"));
                }
            }
            EXPECT_EQ(remaining.size(), 5u) << "each of B's requests got its own count";
            if (round == 1) {
                EXPECT_EQ(redis.cli("SCRIPT FLUSH"), "OK\n");  // the next round loads it again
            }
        }
        EXPECT_EQ(verification_request(c, b), 429) << "B has used its 15";
        EXPECT_EQ(server.app().limiter().store_errors(), 0u);
    }
}

// Redis goes away and comes back on the same address: requests are served meanwhile, and
// counted again once it is back.
TEST_F(RateLimits, ARedisThatComesBackIsUsedAgain) {
    auto redis = std::make_unique<OwnRedis>();
    const auto port = redis->port();
    TestServer server(limits_in_redis(redis->url()));
    auto c = server.client();
    EXPECT_EQ(verification_request(c), 202);
    redis.reset();
    for (int i = 0; i < 5; ++i) EXPECT_EQ(verification_request(c), 202) << "fail open";
    const auto errors = server.app().limiter().store_errors();
    EXPECT_GT(errors, 0u);
    redis = std::make_unique<OwnRedis>(port);  // empty: the counts start again
    // After the failed attempts the pipeline pauses (1 s at the most) before it connects again:
    // requests of another route (they count only for the API-wide limit) until one is answered
    // by Redis, that is, adds no store error.
    EXPECT_TRUE(wait_until([&] {
        const auto before = server.app().limiter().store_errors();
        c.get("/api/users/@me");
        return server.app().limiter().store_errors() == before;
    }));
    const auto errors_when_back = server.app().limiter().store_errors();
    int allowed = 0;
    for (int i = 0; i < 16; ++i) allowed += verification_request(c) == 202;
    EXPECT_EQ(allowed, 15);
    EXPECT_EQ(verification_request(c), 429);
    EXPECT_EQ(server.app().limiter().store_errors(), errors_when_back) << "no failure once Redis is back";
}

// Redis's `timeout` closes clients idle that long (managed Redis services often set it). A
// connection Redis closed while idle is noticed and replaced before a command goes out on
// it: before, the first request after each idle spell failed (fail-open: not counted;
// RATE_LIMIT_FAIL_CLOSED: a 503), on the pipeline and on the failed-login counters alike.
TEST_F(RateLimits, AConnectionRedisClosedWhileIdleIsReplacedBeforeItFailsARequest) {
    OwnRedis redis(0, {"--timeout", "1"});
    TestServer server(limits_in_redis(redis.url(), true));
    auto c = server.client();
    const auto wrong_login = [&] {
        return c.post_json("/api/auth/login", R"({"login":"nobody@example.com","password":"not the password"})").status;
    };
    const auto redis_clients = [&] {  // redis-cli's own among them
        std::smatch m;
        const auto info = redis.cli("INFO");
        return std::regex_search(info, m, std::regex("connected_clients:(\\d+)")) ? std::stoi(m[1]) : -1;
    };
    for (int round = 0; round < 2; ++round) {
        EXPECT_EQ(verification_request(c), 202);  // the pipeline's connection
        EXPECT_EQ(wrong_login(), 400);            // and a blocking one, for the failed-login counter
        ASSERT_GE(redis_clients(), 3);
        EXPECT_TRUE(wait_until([&] { return redis_clients() == 1; })) << "Redis closes idle clients after a second";
        EXPECT_EQ(verification_request(c), 202) << "not 503: the closed connection was replaced";
        EXPECT_EQ(wrong_login(), 400) << "not 429/503: the closed connection was replaced";
    }
    EXPECT_EQ(server.app().limiter().store_errors(), 0u);
}

// A Redis that refuses connections or never answers is not tried by every request: after a
// connection that never answered, the next waits for a pause (50 ms, doubling to 1 s), and
// requests meanwhile get the fail-open answer at once. Without the pause every one of these
// requests opened a connection and waited 250 ms on it.
TEST_F(RateLimits, ARedisThatIsDownIsTriedAgainAfterAPauseNotByEveryRequest) {
    SilentListener silent;
    TestServer server(limits_in_redis(silent.url()));
    auto c = server.client();
    constexpr int kRequests = 40;
    for (int i = 0; i < kRequests; ++i) EXPECT_EQ(verification_request(c), 202) << "fail open";
    EXPECT_GE(server.app().limiter().store_errors(), std::uint64_t{kRequests});
    const int attempts = silent.connections_taken();
    EXPECT_GE(attempts, 1);
    EXPECT_LE(attempts, kRequests / 4) << "connections opened for " << kRequests << " requests";
}

// A Redis 6 ACL user of the limiter's own, allowed only the commands it needs (the list
// docs/operations.md gives), with a password holding characters a URL must escape. Before,
// the user was dropped from the URL and the escapes kept: every command failed to sign in,
// and the limits silently fell back to failing open.
TEST_F(RateLimits, AnAclUserWithAnEscapedPasswordIsUsedAndCountsExactly) {
    OwnRedis redis(0, {"--user", "limiter", "on", ">p@ss:w/rd", "~test-*", "+ping", "+select", "+script|load", "+evalsha",
                       "+eval", "+zrem", "+zrange", "+zremrangebyscore", "+zcard", "+zadd", "+pexpire"});
    TestServer server([&](config::Settings& s) {
        exact_limits(s);
        s.redis.url = "redis://limiter:p%40ss%3Aw%2Frd@127.0.0.1:" + std::to_string(redis.port()) + "/0";
    });
    auto c = server.client();
    expect_counted_in(redis, server, c);
    EXPECT_NE(redis.cli("CLIENT LIST").find("user=limiter"), std::string::npos) << redis.cli("CLIENT LIST");
}

// rediss://: the limits reach a Redis that listens only for TLS, whose certificate comes
// from the CA in REDIS_TLS_CA_FILE, and count exactly on both paths (a request's limits from
// the io thread, failed-login counters and readiness from the store's own thread). An idle
// TLS connection is used again, not taken for one Redis closed.
TEST_F(RateLimits, OverTlsLimitsCountExactlyAndAnIdleConnectionIsUsedAgain) {
    TestCertificates certificates;
    OwnRedis redis(0, {}, OwnRedis::Tls{certificates});
    TestServer server([&](config::Settings& s) {
        exact_limits(s);
        s.redis.url = redis.url();
        s.redis.tls_ca_file = certificates.file("ca.crt");
    });
    auto c = server.client();
    expect_counted_in(redis, server, c);

    const int before = redis.connections_received();               // counts this INFO's own connection
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // past the idle check's second
    EXPECT_EQ(verification_request(c), 429);
    EXPECT_EQ(c.get("/api/health/ready").json().at("redis"), "ok");
    EXPECT_EQ(redis.connections_received(), before + 1) << "the server opened new connections after an idle second";
    EXPECT_EQ(server.app().limiter().store_errors(), 0u);
}

// A Redis that asks for a client certificate (redis-server's default with TLS) refuses a
// server without one: the limits fail open and readiness says so. With REDIS_TLS_CERT_FILE
// and REDIS_TLS_KEY_FILE it lets the server in.
TEST_F(RateLimits, ARedisThatAsksForAClientCertificateGetsTheOneConfigured) {
    TestCertificates certificates;
    OwnRedis redis(0, {}, OwnRedis::Tls{certificates, true});
    for (bool with_certificate : {false, true}) {
        TestServer server([&](config::Settings& s) {
            exact_limits(s);
            s.redis.url = redis.url();
            s.redis.tls_ca_file = certificates.file("ca.crt");
            if (with_certificate) {
                s.redis.tls_cert_file = certificates.file("client.crt");
                s.redis.tls_key_file = certificates.file("client.key");
            }
        });
        auto c = server.client();
        EXPECT_EQ(c.get("/api/health/ready").json().at("redis"), with_certificate ? "ok" : "unavailable");
        for (int i = 0; i < 15; ++i) EXPECT_EQ(verification_request(c), 202) << i;
        EXPECT_EQ(verification_request(c), with_certificate ? 429 : 202) << (with_certificate ? "counted" : "fail open");
        if (with_certificate)
            EXPECT_EQ(server.app().limiter().store_errors(), 0u);
        else
            EXPECT_GE(server.app().limiter().store_errors(), 1u);
    }
}

// What the store says when TLS stops it, per cause, with nothing sent to that Redis: a
// certificate from another CA, or from no CA the system trusts, or one that does not name
// the URL's host; a plain redis:// URL to a TLS port; and TLS files it cannot use, refused
// when the store is made (the server does not start).
TEST(RedisTls, EachRefusalSaysWhy) {
    TestCertificates certificates;
    OwnRedis redis(0, {}, OwnRedis::Tls{certificates});
    auto options = [&](const std::string& url, const std::string& ca) {
        ratelimit::RedisOptions o;
        o.url = url;
        o.tls_ca_file = ca;
        return o;
    };
    auto first_hit = [](const ratelimit::RedisOptions& o) -> std::string {
        ratelimit::RedisStore store(o);
        try {
            store.hit("tls-test", *ratelimit::Limit::parse("5/minute"), 1'000'000);
            return "counted";
        } catch (const ratelimit::StoreUnavailable& e) {
            return e.what();
        }
    };
    const auto port = std::to_string(redis.port());
    EXPECT_EQ(first_hit(options(redis.url(), certificates.file("ca.crt"))), "counted");
    EXPECT_EQ(redis.cli("DEL tls-test"), "1\n");
    const std::pair<ratelimit::RedisOptions, std::vector<std::string>> cases[] = {
        {options(redis.url(), certificates.file("other-ca.crt")),
         {"redis connect to 127.0.0.1:" + port + " failed: TLS handshake: certificate verify failed"}},
        {options(redis.url(), ""), {"TLS handshake: certificate verify failed"}},
        {options("rediss://localhost:" + port + "/0", certificates.file("ca.crt")),
         {"redis connect to localhost:" + port + " failed: TLS handshake: certificate verify failed", "(hostname mismatch)"}},
        {options("redis://127.0.0.1:" + port + "/0", ""), {"redis"}},
    };
    for (const auto& [o, expected] : cases) {
        const auto why = first_hit(o);
        for (const auto& part : expected) EXPECT_NE(why.find(part), std::string::npos) << o.url << ": " << why;
        EXPECT_NE(why, "counted") << o.url;
    }
    EXPECT_EQ(redis.cli("DBSIZE"), "0\n");

    auto refused = [](const ratelimit::RedisOptions& o) -> std::string {
        try {
            ratelimit::RedisStore store(o);
            return "made";
        } catch (const std::runtime_error& e) {
            return e.what();
        }
    };
    const auto not_pem = refused(options(redis.url(), certificates.file("server.ext")));
    EXPECT_TRUE(not_pem.starts_with("redis TLS: cannot use the CA file " + certificates.file("server.ext") +
                                    ": no certificate or crl found"))
        << not_pem;
    auto o = options(redis.url(), certificates.file("ca.crt"));
    o.tls_cert_file = certificates.file("client.crt");
    o.tls_key_file = certificates.file("server.key");
    const auto other_key = refused(o);
    EXPECT_TRUE(other_key.starts_with("redis TLS: cannot use the client key " + o.tls_key_file + ": key values mismatch"))
        << other_key;
}

// The blocking connections (readiness, failed-login counters) pause as the pipeline does:
// without it, each readiness check opened a connection and waited out the timeout on it.
TEST_F(RateLimits, ReadinessChecksOfADownRedisDoNotEachOpenAConnection) {
    SilentListener silent;
    TestServer server(limits_in_redis(silent.url()));
    auto c = server.client();
    constexpr int kChecks = 40;
    for (int i = 0; i < kChecks; ++i) {
        auto ready = c.get("/api/health/ready");
        EXPECT_EQ(ready.status, 503);
        EXPECT_EQ(ready.json().at("redis"), "unavailable");
    }
    const int attempts = silent.connections_taken();
    EXPECT_GE(attempts, 1);
    EXPECT_LE(attempts, kChecks / 4) << "connections opened for " << kChecks << " readiness checks";
}

// A Redis that takes the connection and never answers: the requests waiting on it get no
// reply within the store's timeout (250 ms), and those during the pause after it none at
// all; the limiter fails open, or closed when told to.
TEST_F(RateLimits, ARedisThatNeverAnswersFailsOpenOrClosed) {
    SilentListener silent;
    for (bool closed : {false, true}) {
        TestServer server(limits_in_redis(silent.url(), closed));
        auto c = server.client();
        for (int i = 0; i < 3; ++i) {
            auto r = c.post_json("/api/auth/email-verification-request", R"({"email":"someone@example.com"})");
            EXPECT_EQ(r.status, closed ? 503 : 202) << (closed ? "fail closed" : "fail open");
        }
        EXPECT_GE(server.app().limiter().store_errors(), 3u);
    }
}
