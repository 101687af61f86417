#include "http/router.hpp"

#include <gtest/gtest.h>

namespace {
http::Handler noop() {
    return [](http::Request&) { return http::no_content(); };
}
}  // namespace

TEST(Router, MatchesStaticAndParameterisedPaths) {
    http::Router r;
    r.get("/api/users/@me", noop());
    r.get("/api/users/{user_id}", noop());
    r.del("/api/auth/sessions/{session_id}", noop());

    auto me = r.match("GET", "/api/users/@me");
    ASSERT_TRUE(me.route);
    EXPECT_EQ(me.route->pattern, "/api/users/@me");
    EXPECT_TRUE(me.params.empty());

    auto other = r.match("GET", "/api/users/0b8f6c1e-0000-4000-8000-000000000000");
    ASSERT_TRUE(other.route);
    EXPECT_EQ(other.route->pattern, "/api/users/{user_id}");
    ASSERT_EQ(other.params.size(), 1u);
    EXPECT_EQ(other.params[0].first, "user_id");
    EXPECT_EQ(other.params[0].second, "0b8f6c1e-0000-4000-8000-000000000000");

    auto session = r.match("DELETE", "/api/auth/sessions/abc");
    ASSERT_TRUE(session.route);
    EXPECT_EQ(session.params[0].second, "abc");
}

TEST(Router, UnknownPathIsNotFoundAndWrongMethodListsAllowed) {
    http::Router r;
    r.get("/api/users/@me", noop());
    r.patch("/api/users/@me", noop());
    auto missing = r.match("GET", "/api/nope");
    EXPECT_FALSE(missing.route);
    EXPECT_TRUE(missing.allowed.empty());
    auto wrong = r.match("DELETE", "/api/users/@me");
    EXPECT_FALSE(wrong.route);
    EXPECT_EQ(wrong.allowed, (std::vector<std::string>{"GET", "PATCH", "HEAD"}));
    EXPECT_FALSE(r.match("BREW", "/api/users/@me").route);
}

TEST(Router, AConcealedRouteIsNeverNamedByAWrongMethodsAnswer) {
    http::Router r;
    r.get("/api/admin/users", noop()).conceal();
    r.post("/api/admin/users/{user_id}/disable", noop()).conceal();
    r.get("/api/things", noop());
    EXPECT_TRUE(r.match("DELETE", "/api/admin/users").allowed.empty()) << "a 404, as for an unknown path";
    EXPECT_TRUE(r.match("GET", "/api/admin/users/x/disable").allowed.empty());
    EXPECT_TRUE(r.match("GET", "/api/admin/users").route) << "its own method still matches";
    EXPECT_EQ(r.match("DELETE", "/api/things").allowed, (std::vector<std::string>{"GET", "HEAD"}));
}

TEST(Router, HeadMatchesGet) {
    http::Router r;
    r.get("/api/health", noop());
    EXPECT_TRUE(r.match("HEAD", "/api/health").route);
}

TEST(Router, NoPartialOrEmptySegmentMatches) {
    http::Router r;
    r.get("/api/users/{user_id}", noop());
    EXPECT_FALSE(r.match("GET", "/api/users/").route);
    EXPECT_FALSE(r.match("GET", "/api/users").route);
    EXPECT_FALSE(r.match("GET", "/api/users/a/b").route);
    EXPECT_FALSE(r.match("GET", "api/users/a").route);
    EXPECT_FALSE(r.match("GET", "").route);
}

TEST(Router, RefusesDuplicateRoutes) {
    http::Router r;
    r.get("/a", noop());
    EXPECT_THROW(r.get("/a", noop()), std::invalid_argument);
    EXPECT_THROW(r.get("no-slash", noop()), std::invalid_argument);
}
