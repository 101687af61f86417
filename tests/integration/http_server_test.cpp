// The real server over real sockets: routing, error shapes, headers, limits and bad input.
#include "http/errors.hpp"
#include "http/json_body.hpp"
#include "support/test_server.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <regex>
#include <sstream>
#include <thread>

using namespace testing_support;
using namespace std::chrono_literals;

namespace {

std::atomic<int> slow_requests_started{0};  // how many requests /test/slow's handler has begun

// Test-only routes exercising the pipeline the way real handlers will.
void add_probe_routes(app::App& a) {
    a.router().post("/test/echo", [](http::Request& req) {
        http::FieldReader in(http::parse_json_object(req.body()));
        auto email = in.required_string("email", 250);
        auto flag = in.optional_bool("flag").value_or(true);
        in.finish();
        return http::json(200, {{"email", email}, {"flag", flag}});
    });
    a.router().get("/test/boom", [](http::Request&) -> http::Response { throw std::logic_error("handler bug"); });
    a.router().get("/test/slow", [](http::Request&) {
        ++slow_requests_started;
        std::this_thread::sleep_for(400ms);
        return http::json(200, {{"slow", true}});
    });
    a.router().get("/test/slower-than-the-header-timeout", [](http::Request&) {
        std::this_thread::sleep_for(1100ms);
        return http::json(200, {{"slow", true}});
    });
    a.router().get("/test/items/{item_id}", [](http::Request& req) {
        return http::json(200, {{"item_id", req.param("item_id")}, {"q", req.query_param("q").value_or("")}});
    });
    a.router().get("/test/client-ip", [](http::Request& req) { return http::json(200, {{"ip", req.client.to_string()}}); });
}

class HttpServer : public ::testing::Test {
protected:
    void SetUp() override {
        STARTER_REQUIRE_DATABASE();
        server_ = std::make_unique<TestServer>(
            [](config::Settings& s) {
                s.server.header_timeout = 700ms;
                s.server.idle_timeout = 1500ms;
                s.cors_allow_origins = {"https://app.example.com"};
                s.server.trusted_proxies = {*http::Cidr::parse("127.0.0.1/32")};
            },
            add_probe_routes);
    }
    std::unique_ptr<TestServer> server_;
};

}  // namespace

TEST_F(HttpServer, HealthAnswersOkWithSecurityHeadersAndRequestId) {
    auto c = server_->client();
    auto r = c.get("/api/health");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, R"({"status":"OK"})");
    EXPECT_EQ(r.header("content-type"), "application/json");
    EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
    EXPECT_EQ(r.header("x-frame-options"), "DENY");
    EXPECT_EQ(r.header("cache-control"), "no-store");
    EXPECT_TRUE(std::regex_match(r.header("x-request-id"), std::regex("^[0-9a-f-]{36}$"))) << r.header("x-request-id");
}

TEST_F(HttpServer, ReadinessReportsTheDatabase) {
    auto r = server_->client().get("/api/health/ready");
    EXPECT_EQ(r.status, 200);
    auto body = r.json().as_object();
    EXPECT_EQ(body.at("status"), "OK");
    EXPECT_EQ(body.at("database"), "ok");
    EXPECT_EQ(body.at("redis"), "disabled");
}

TEST_F(HttpServer, SaneClientRequestIdIsEchoedOthersReplaced) {
    auto c = server_->client();
    EXPECT_EQ(c.get("/api/health", {{"X-Request-ID", "trace-42.a_b:c"}}).header("x-request-id"), "trace-42.a_b:c");
    auto replaced = c.get("/api/health", {{"X-Request-ID", "bad id<script>"}}).header("x-request-id");
    EXPECT_NE(replaced, "bad id<script>");
    EXPECT_EQ(replaced.size(), 36u);
    EXPECT_EQ(c.get("/api/health", {{"X-Request-ID", std::string(200, 'a')}}).header("x-request-id").size(), 36u);
}

TEST_F(HttpServer, UnknownRouteIs404Json) {
    auto r = server_->client().get("/api/does-not-exist");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.json().at("code"), "not_found");
    EXPECT_FALSE(r.json().at("message").as_string().empty());
}

TEST_F(HttpServer, WrongMethodIs405WithAllow) {
    auto r = server_->client().request("DELETE", "/api/health");
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.json().at("code"), "method_not_allowed");
    EXPECT_EQ(r.header("allow"), "GET, HEAD");
}

TEST_F(HttpServer, UnknownMethodIsACleanError) {
    auto r = server_->client().request("BREW", "/api/health");
    EXPECT_EQ(r.status, 405);
    auto raw = raw_exchange(server_->port(), "FOO@ /api/health HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_TRUE(raw.received.starts_with("HTTP/1.1 400")) << raw.received;
    EXPECT_TRUE(raw.closed);
}

TEST_F(HttpServer, HeadHasHeadersButNoBody) {
    auto r = server_->client().request("HEAD", "/api/health");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("content-length"), "15");
    EXPECT_TRUE(r.body.empty());
}

TEST_F(HttpServer, KeepAliveServesManyRequestsOnOneConnection) {
    auto c = server_->client();
    for (int i = 0; i < 20; ++i) {
        auto r = c.get(i % 2 ? "/api/health" : "/api/health/ready");
        ASSERT_EQ(r.status, 200);
        ASSERT_TRUE(r.keep_alive);
    }
}

TEST_F(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
    auto raw = raw_exchange(server_->port(),
                            "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n"
                            "GET /test/items/7 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    auto first = raw.received.find("{\"status\":\"OK\"}");
    auto second = raw.received.find("{\"item_id\":\"7\"");
    EXPECT_NE(first, std::string::npos) << raw.received;
    EXPECT_NE(second, std::string::npos) << raw.received;
    EXPECT_LT(first, second);
    EXPECT_TRUE(raw.closed);
}

TEST_F(HttpServer, PathParamsAndDecodedQuery) {
    auto r = server_->client().get("/test/items/abc-123?q=hello%20world&x=1");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.json().at("item_id"), "abc-123");
    EXPECT_EQ(r.json().at("q"), "hello world");
}

TEST_F(HttpServer, JsonBodyIsParsedIntoFields) {
    auto r = server_->client().post_json("/test/echo", R"({"email":"a@example.com","flag":false})");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, R"({"email":"a@example.com","flag":false})");
}

TEST_F(HttpServer, MalformedJsonIs400) {
    auto c = server_->client();
    for (std::string body : {"{not json", "[]", "", "{\"email\":\"a@b.c\"} trailing"}) {
        auto r = c.post_json("/test/echo", body);
        EXPECT_EQ(r.status, 400) << body;
        EXPECT_EQ(r.json().at("code"), "malformed_request") << body;
    }
}

TEST_F(HttpServer, InvalidUtf8InJsonIs400) {
    auto r = server_->client().post_json("/test/echo", "{\"email\":\"\xc0\xafwho@example.com\"}");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json().at("code"), "malformed_request");
}

TEST_F(HttpServer, MissingAndMistypedFieldsAre422WithLocations) {
    auto r = server_->client().post_json("/test/echo", R"({"flag":"yes"})");
    EXPECT_EQ(r.status, 422);
    auto body = r.json().as_object();
    EXPECT_EQ(body.at("code"), "validation_failed");
    auto errors = body.at("errors").as_array();
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(boost::json::serialize(errors[0].at("loc")), R"(["body","email"])");
    EXPECT_EQ(errors[0].at("type"), "missing");
    EXPECT_EQ(errors[1].at("type"), "bool_type");
}

TEST_F(HttpServer, OversizedBodyIs413AndTheConnectionCloses) {
    std::string big(65 * 1024, 'x');
    auto raw = raw_exchange(server_->port(),
                            "POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            "Content-Length: " +
                                std::to_string(big.size()) + "\r\n\r\n" + big);
    EXPECT_TRUE(raw.received.starts_with("HTTP/1.1 413")) << raw.received.substr(0, 200);
    EXPECT_NE(raw.received.find("\"code\":\"payload_too_large\""), std::string::npos);
    EXPECT_TRUE(raw.closed);
}

TEST_F(HttpServer, OversizedChunkedBodyIs413) {
    std::string chunk(40 * 1024, 'x');
    char size[16];
    std::snprintf(size, sizeof size, "%zx", chunk.size());
    std::string body = std::string(size) + "\r\n" + chunk + "\r\n" + size + "\r\n" + chunk + "\r\n0\r\n\r\n";
    auto raw = raw_exchange(server_->port(), "POST /test/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
    EXPECT_TRUE(raw.received.starts_with("HTTP/1.1 413")) << raw.received.substr(0, 200);
}

TEST_F(HttpServer, BodyAtTheLimitIsAccepted) {
    std::string padding(64 * 1024 - 40, 'x');
    auto r = server_->client().post_json("/test/echo", R"({"email":"a@b.co","pad":")" + padding + "\"}");
    EXPECT_EQ(r.status, 200);
}

TEST_F(HttpServer, GarbageIs400AndClosed) {
    for (std::string junk : {"HELLO\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
                             "GET /api/health HTTP/1.1\r\nBad Header Line\r\n\r\n",
                             "POST /test/echo HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello"}) {
        auto raw = raw_exchange(server_->port(), junk);
        EXPECT_TRUE(raw.received.starts_with("HTTP/1.1 400")) << junk << " -> " << raw.received;
        EXPECT_NE(raw.received.find("malformed_request"), std::string::npos);
        EXPECT_TRUE(raw.closed) << junk;
    }
    EXPECT_EQ(server_->client().get("/api/health").status, 200);
}

TEST_F(HttpServer, ATransferEncodingOtherThanChunkedIs400AndClosesBeforeTheBodyIsRead) {
    // RFC 9112 §6.1/§6.3. These used to be framed by Content-Length, and the rest of the
    // body answered as a second request: a proxy reading them as chunked would desync.
    const std::string smuggled = "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n";
    const std::string body = R"({"email":"a@b.co"})";
    for (std::string te :
         {"chunked, identity", "xchunked", "identity", "gzip", "chunked , x", "gzip, chunked", "chunked, chunked"}) {
        auto raw = raw_exchange(server_->port(), "POST /test/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + te +
                                                     "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body +
                                                     smuggled);
        EXPECT_TRUE(raw.received.starts_with("HTTP/1.1 400")) << te << " -> " << raw.received;
        EXPECT_NE(raw.received.find("malformed_request"), std::string::npos) << te;
        EXPECT_EQ(raw.received.find("HTTP/1.1 200"), std::string::npos) << te << ": the body was answered as a request";
        EXPECT_TRUE(raw.closed) << te;
    }
    // Two Transfer-Encoding lines are one list; HTTP/1.0 has no Transfer-Encoding at all.
    auto split = raw_exchange(server_->port(),
                              "POST /test/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                              "Transfer-Encoding: identity\r\n\r\n0\r\n\r\n" +
                                  smuggled);
    EXPECT_TRUE(split.received.starts_with("HTTP/1.1 400")) << split.received;
    EXPECT_TRUE(split.closed);
    auto old = raw_exchange(server_->port(), "POST /test/echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    EXPECT_TRUE(old.received.starts_with("HTTP/1.0 400") || old.received.starts_with("HTTP/1.1 400")) << old.received;
    // Plain chunked still works, in any case.
    auto ok = raw_exchange(server_->port(),
                           "POST /test/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n"
                           "Connection: close\r\n\r\n" +
                               (std::stringstream() << std::hex << body.size()).str() + "\r\n" + body + "\r\n0\r\n\r\n");
    EXPECT_TRUE(ok.received.starts_with("HTTP/1.1 200")) << ok.received;
}

TEST_F(HttpServer, HostIsRequiredOnceInHttp11AndAbsoluteTargetsAreRouted) {
    auto none = raw_exchange(server_->port(), "GET /api/health HTTP/1.1\r\n\r\n");
    EXPECT_TRUE(none.received.starts_with("HTTP/1.1 400")) << none.received;
    EXPECT_TRUE(none.closed);
    auto two = raw_exchange(server_->port(), "GET /api/health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
    EXPECT_TRUE(two.received.starts_with("HTTP/1.1 400")) << two.received;
    auto old = raw_exchange(server_->port(), "GET /api/health HTTP/1.0\r\n\r\n");
    EXPECT_TRUE(old.received.starts_with("HTTP/1.0 200")) << "HTTP/1.0 needs no Host: " << old.received;
    // RFC 9112 §3.2.2: a server must accept the absolute form.
    for (std::string target : {"http://x/api/health", "HTTP://x:8000/api/health", "https://x/test/items/7?q=a%20b"}) {
        auto raw = raw_exchange(server_->port(), "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        EXPECT_TRUE(raw.received.starts_with("HTTP/1.1 200")) << target << " -> " << raw.received;
    }
    auto item =
        raw_exchange(server_->port(), "GET https://x/test/items/7?q=a%20b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_NE(item.received.find(R"({"item_id":"7","q":"a b"})"), std::string::npos) << item.received;
}

TEST_F(HttpServer, HugeHeadersAre431) {
    auto raw =
        raw_exchange(server_->port(), "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
    EXPECT_TRUE(raw.received.starts_with("HTTP/1.1 431")) << raw.received.substr(0, 100);
    EXPECT_TRUE(raw.closed);
}

TEST_F(HttpServer, SlowHeadersAreCutOffWithoutBlockingOthers) {
    // Slowloris: a request line, then nothing. The header timeout (700 ms here) closes it.
    auto slow = std::async(std::launch::async,
                           [&] { return raw_exchange(server_->port(), "GET /api/health HTTP/1.1\r\nX-Slow: ", 5000ms); });
    std::this_thread::sleep_for(100ms);
    auto c = server_->client();
    EXPECT_EQ(c.get("/api/health").status, 200);  // others are still served meanwhile
    auto raw = slow.get();
    EXPECT_TRUE(raw.closed);
    EXPECT_TRUE(raw.received.empty()) << raw.received;
    EXPECT_LT(raw.elapsed, 3000ms);
    EXPECT_GE(raw.elapsed, 600ms);
}

// The header timeout bounds reading the request, not handling it: a handler slower than it
// (1.1 s against 700 ms) is still answered, and the connection still serves the next one.
TEST_F(HttpServer, AHandlerSlowerThanTheHeaderTimeoutIsAnswered) {
    auto c = server_->client();
    auto slow = c.get("/test/slower-than-the-header-timeout");
    EXPECT_EQ(slow.status, 200) << slow.body;
    EXPECT_EQ(slow.body, R"({"slow":true})");
    EXPECT_EQ(c.get("/api/health").status, 200);
}

TEST_F(HttpServer, IdleKeepAliveConnectionsAreClosed) {
    auto raw = raw_exchange(server_->port(), "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n", 5000ms);
    EXPECT_TRUE(raw.received.starts_with("HTTP/1.1 200"));
    EXPECT_TRUE(raw.closed);
    EXPECT_LT(raw.elapsed, 4000ms);
}

TEST_F(HttpServer, HandlerBugIs500WithRequestIdAndNoDetails) {
    auto r = server_->client().get("/test/boom", {{"X-Request-ID", "req-500"}});
    EXPECT_EQ(r.status, 500);
    auto body = r.json().as_object();
    EXPECT_EQ(body.at("code"), "unexpected");
    EXPECT_EQ(body.at("request_id"), "req-500");
    EXPECT_EQ(r.body.find("handler bug"), std::string::npos);
    EXPECT_EQ(server_->client().get("/api/health").status, 200);
}

TEST_F(HttpServer, CorsAllowsListedOriginsOnly) {
    auto c = server_->client();
    auto pre = c.request("OPTIONS", "/api/health", {},
                         {{"Origin", "https://app.example.com"}, {"Access-Control-Request-Method", "GET"}});
    EXPECT_EQ(pre.status, 204);
    EXPECT_EQ(pre.header("access-control-allow-origin"), "https://app.example.com");
    EXPECT_NE(pre.header("access-control-allow-headers").find("Authorization"), std::string::npos);
    auto simple = c.get("/api/health", {{"Origin", "https://app.example.com"}});
    EXPECT_EQ(simple.header("access-control-allow-origin"), "https://app.example.com");
    EXPECT_NE(simple.header("access-control-expose-headers").find("X-Request-ID"), std::string::npos);
    auto evil = c.get("/api/health", {{"Origin", "https://evil.example.com"}});
    EXPECT_EQ(evil.status, 200);
    EXPECT_TRUE(evil.header("access-control-allow-origin").empty());
    auto evil_pre = c.request("OPTIONS", "/api/health", {},
                              {{"Origin", "https://evil.example.com"}, {"Access-Control-Request-Method", "GET"}});
    EXPECT_EQ(evil_pre.status, 405);
}

TEST_F(HttpServer, ForwardedForIsBelievedOnlyFromTrustedProxies) {
    // The test client connects from 127.0.0.1, which this server trusts.
    auto r = server_->client().get("/test/client-ip", {{"X-Forwarded-For", "6.6.6.6, 198.51.100.7"}});
    EXPECT_EQ(r.json().at("ip"), "198.51.100.7");
}

// HAProxy's `option forwardfor` appends its own X-Forwarded-For line instead of extending
// the client's: the lines form one list (RFC 9110 5.3), and the proxy's line is the last.
// Reading only the first line believed whatever the client wrote (found by bench/cluster).
TEST_F(HttpServer, ForwardedForSentOnSeveralLinesIsOneListReadFromTheRight) {
    auto r = server_->client().get("/test/client-ip", {{"X-Forwarded-For", "6.6.6.6"}, {"X-Forwarded-For", "198.51.100.7"}});
    EXPECT_EQ(r.json().at("ip"), "198.51.100.7");
    auto three = server_->client().get(
        "/test/client-ip",
        {{"X-Forwarded-For", "6.6.6.6, 7.7.7.7"}, {"X-Forwarded-For", "203.0.113.5"}, {"X-Forwarded-For", "127.0.0.1"}});
    EXPECT_EQ(three.json().at("ip"), "203.0.113.5");
}

TEST_F(HttpServer, ManyConcurrentClientsAllGetAnswers) {
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t)
        threads.emplace_back([&] {
            auto c = server_->client();
            for (int i = 0; i < 25; ++i)
                if (c.get(i % 3 ? "/api/health" : "/api/health/ready").status == 200) ++ok;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), 16 * 25);
}

TEST_F(HttpServer, GracefulShutdownFinishesInFlightRequests) {
    const int before = slow_requests_started;
    auto in_flight = std::async(std::launch::async, [&] { return server_->client().get("/test/slow"); });
    for (auto until = std::chrono::steady_clock::now() + 10s; slow_requests_started == before;) {
        ASSERT_LT(std::chrono::steady_clock::now(), until) << "the slow request never reached its handler";
        std::this_thread::sleep_for(1ms);
    }
    auto stopped = std::async(std::launch::async, [&] { server_->stop(); });
    auto r = in_flight.get();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, R"({"slow":true})");
    EXPECT_FALSE(r.keep_alive);  // told to go away after this answer
    stopped.get();
    EXPECT_ANY_THROW(server_->client().get("/api/health"));  // no longer accepting
}

TEST(HttpServerUntrusted, SpoofedForwardedForFromUntrustedPeerIsIgnored) {
    STARTER_REQUIRE_DATABASE();
    TestServer server({}, add_probe_routes);  // no TRUSTED_PROXIES
    auto r = server.client().get("/test/client-ip", {{"X-Forwarded-For", "6.6.6.6"}});
    EXPECT_EQ(r.json().at("ip"), "127.0.0.1");
}
