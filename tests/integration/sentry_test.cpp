// Error reporting as an operator sees it in Sentry: a fake ingest on loopback receives the
// envelopes the starter POSTs, exactly as sentry.io would.
#include "api/authn.hpp"
#include "jobs/outbox.hpp"
#include "support/accounts_fixture.hpp"
#include "support/loopback_server.hpp"
#include "support/process.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <sstream>

using namespace testing_support;

namespace {

constexpr const char* kKey = "0123456789abcdef0123456789abcdef";
const std::string kLeakyToken(64, 'f');

// Sentry's ingest: accepts envelopes for project 42 with the right auth header.
class FakeSentry {
public:
    FakeSentry()
        : server_([this](const Received& r) {
              std::lock_guard lock(mutex_);
              requests_.push_back(r);
              if (r.target != "/api/42/envelope/") return Reply{404, R"({"detail":"not found"})"};
              return Reply{200, R"({"id":"ok"})"};
          }) {}
    std::string dsn() const { return "http://" + std::string(kKey) + "@127.0.0.1:" + std::to_string(server_.port()) + "/42"; }
    std::uint16_t port() const { return server_.port(); }
    std::vector<Received> requests() {
        std::lock_guard lock(mutex_);
        return requests_;
    }

private:
    std::mutex mutex_;
    std::vector<Received> requests_;
    LoopbackServer server_;
};

struct Envelope {
    boost::json::object header, item, event;
    std::size_t payload_bytes = 0;
};

Envelope parse_envelope(const std::string& body) {
    std::istringstream in(body);
    std::string header, item, payload;
    std::getline(in, header);
    std::getline(in, item);
    std::getline(in, payload);
    Envelope e;
    e.header = boost::json::parse(header).as_object();
    e.item = boost::json::parse(item).as_object();
    e.event = boost::json::parse(payload).as_object();
    e.payload_bytes = payload.size();
    return e;
}

class Sentry : public AccountsFixture {
protected:
    void SetUp() override {
        STARTER_REQUIRE_DATABASE();
        server_ = std::make_unique<TestServer>(
            [this](config::Settings& s) {
                s.sentry.dsn = sentry_.dsn();
                s.sentry.environment = "test";
                configure(s);
            },
            [](app::App& app) {
                app.router()
                    .get("/api/test/boom",
                         [&app](http::Request& req) -> http::Response {
                             if (!req.header("Authorization").empty()) api::require_viewer(req, app.sessions());
                             throw std::runtime_error("boom: postgresql://app:hunter2@db/app password=hunter3 token " +
                                                      kLeakyToken);
                         })
                    .undocumented();
            });
        client_ = std::make_unique<HttpClient>(server_->port());
    }
    std::vector<Received> envelopes(std::size_t at_least) {
        wait_until([&] { return sentry_.requests().size() >= at_least; });
        server_->app().reporter().flush(std::chrono::seconds(5));
        return sentry_.requests();
    }
    FakeSentry sentry_;
};

TEST_F(Sentry, AHandlerBugSendsExactlyOneScrubbedEvent) {
    auto r = client_->request("GET", "/api/test/boom?password=qwerty123&code=12345678", "",
                              {{"Cookie", "session=cookie-secret"}, {"X-Authentication-Token", "not-a-real-token"}});
    ASSERT_EQ(r.status, 500);
    const auto request_id = std::string(r.json().at("request_id").as_string());
    EXPECT_EQ(r.json().at("code"), std::string("unexpected"));
    EXPECT_EQ(r.body.find("hunter2"), std::string::npos) << "the client sees no details";

    auto got = envelopes(1);
    ASSERT_EQ(got.size(), 1u);
    const auto& post = got[0];
    EXPECT_EQ(post.method, "POST");
    EXPECT_EQ(post.target, "/api/42/envelope/");
    EXPECT_EQ(post.headers.at("content-type"), "application/x-sentry-envelope");
    const auto& auth = post.headers.at("x-sentry-auth");
    EXPECT_TRUE(auth.starts_with("Sentry sentry_version=7, ")) << auth;
    EXPECT_NE(auth.find("sentry_key=" + std::string(kKey)), std::string::npos) << auth;
    EXPECT_NE(auth.find("sentry_client=starter/"), std::string::npos) << auth;

    auto e = parse_envelope(post.body);
    EXPECT_EQ(e.item.at("type").as_string(), "event");
    EXPECT_EQ(e.item.at("length").as_int64(), static_cast<std::int64_t>(e.payload_bytes));
    EXPECT_EQ(e.header.at("event_id"), e.event.at("event_id"));
    EXPECT_EQ(e.event.at("event_id").as_string().size(), 32u);
    EXPECT_EQ(e.event.at("level").as_string(), "error");
    EXPECT_EQ(e.event.at("environment").as_string(), "test");
    EXPECT_TRUE(e.event.at("release").as_string().starts_with("starter@"));
    EXPECT_GT(e.event.at("timestamp").as_double(), 1.7e9);
    const auto& ex = e.event.at("exception").at("values").at(0).as_object();
    EXPECT_EQ(ex.at("type").as_string(), "std::runtime_error");
    EXPECT_TRUE(ex.at("value").as_string().starts_with("boom: postgresql://app:[Filtered]@db/app"));
    EXPECT_FALSE(ex.at("stacktrace").at("frames").as_array().empty());
    EXPECT_EQ(e.event.at("tags").at("request_id").as_string(), request_id) << "the 500's request_id finds the event";
    EXPECT_EQ(e.event.at("request").at("method").as_string(), "GET");
    EXPECT_EQ(e.event.at("request").at("url").as_string(), "/api/test/boom");

    for (const char* secret : {"hunter2", "hunter3", "qwerty123", "12345678", "cookie-secret", "not-a-real-token"})
        EXPECT_EQ(post.body.find(secret), std::string::npos) << secret << " leaked: " << post.body;
    EXPECT_EQ(post.body.find(kLeakyToken), std::string::npos);

    // Still exactly one: nothing else was sent meanwhile.
    ASSERT_EQ(client_->get("/api/health").status, 200);
    EXPECT_EQ(envelopes(1).size(), 1u);
}

TEST_F(Sentry, TheUserIdIsAttachedWhenTheCallerIsKnown) {
    auto [token, user] = sign_up(fresh_email(), "reporter_" + security::random_hex(3));
    ASSERT_EQ(client_->get("/api/test/boom", bearer(token)).status, 500);
    auto got = envelopes(1);
    ASSERT_EQ(got.size(), 1u);
    auto e = parse_envelope(got[0].body);
    EXPECT_EQ(e.event.at("user").at("id"), user["id"]);
    EXPECT_EQ(got[0].body.find(token), std::string::npos);
}

TEST_F(Sentry, ClientErrorsAreNotReported) {
    EXPECT_EQ(client_->get("/api/nope").status, 404);
    EXPECT_EQ(login("nobody@example.com", "whatever123").status, 400);
    EXPECT_EQ(client_->post_json("/api/auth/login", "{").status, 400);
    EXPECT_TRUE(server_->app().reporter().flush(std::chrono::seconds(5)));
    EXPECT_TRUE(sentry_.requests().empty());
}

TEST_F(Sentry, ADeadJobIsReported) {
    {
        auto lease = server_->app().pool().acquire();
        jobs::Outbox::enqueue(*lease, "no-such-kind", "{}", 5);
    }
    server_->app().worker().wake();
    auto got = envelopes(1);
    ASSERT_EQ(got.size(), 1u);
    auto e = parse_envelope(got[0].body);
    EXPECT_EQ(e.event.at("exception").at("values").at(0).at("type").as_string(), "JobDead");
    EXPECT_EQ(e.event.at("tags").at("job_kind").as_string(), "no-such-kind");
}

class SentrySampledOut : public Sentry {
protected:
    void configure(config::Settings& s) override { s.sentry.sample_rate = 0; }
};

TEST_F(SentrySampledOut, SampleRateZeroSendsNothing) {
    for (int i = 0; i < 5; ++i) ASSERT_EQ(client_->get("/api/test/boom").status, 500);
    EXPECT_TRUE(server_->app().reporter().flush(std::chrono::seconds(5)));
    EXPECT_TRUE(sentry_.requests().empty());
}

}  // namespace

namespace {

TEST(SentryStartup, AServerThatCannotStartReportsAFatalEvent) {
    FakeSentry sentry;
    const TempDir temp("starter-fatal-");
    const auto& data_dir = temp.path();
    auto [rc, out] = run_command({starter_binary(), "serve"}, {{"SENTRY_DSN", sentry.dsn()},
                                                               {"SENTRY_ENVIRONMENT", "staging"},
                                                               {"DATA_DIR", data_dir.string()},
                                                               // taken by the fake ingest itself: listen fails
                                                               {"PORT", std::to_string(sentry.port())},
                                                               {"LOG_LEVEL", "error"}});
    EXPECT_EQ(rc, 1) << out;
    auto got = sentry.requests();
    ASSERT_EQ(got.size(), 1u) << out;
    auto e = parse_envelope(got[0].body);
    EXPECT_EQ(e.event.at("level").as_string(), "fatal");
    EXPECT_EQ(e.event.at("environment").as_string(), "staging");
    EXPECT_EQ(e.event.at("exception").at("values").at(0).at("type").as_string(), "StartupFailure");
    EXPECT_EQ(e.event.at("tags").at("command").as_string(), "serve");
}

}  // namespace
