// Redirect targets: only what a browser would read exactly as we do passes.
#include "http/message.hpp"
#include "http/outbound.hpp"
#include "common/url.hpp"

#include <gtest/gtest.h>

using common::parse_absolute_url;

TEST(AbsoluteUrl, NormalizesTheOrigin) {
    auto u = parse_absolute_url("HTTPS://App.Example.com:443/cb?x=1#top");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->origin, "https://app.example.com");
    EXPECT_EQ(u->rest, "/cb?x=1#top");
    EXPECT_EQ(parse_absolute_url("http://localhost:3000")->origin, "http://localhost:3000");
    EXPECT_EQ(parse_absolute_url("http://localhost:80/")->origin, "http://localhost");
    EXPECT_EQ(parse_absolute_url("http://[::1]:8080/x")->origin, "http://[::1]:8080");
}

TEST(AbsoluteUrl, RefusesWhatBrowsersReadDifferently) {
    for (const char* bad :
         {"//evil.example", "/relative", "javascript:alert(1)", "ftp://x.example", "http://a@evil.example",
          "http://good.example\\@evil.example", "http://good.example:3000@evil.example", "http://good.example /x",
          "http://good.example\t/x", "http://", "http://:80", "http://good.example:0/", "http://good.example:99999/",
          "http://good.example:/", "http://exa_mple.com", "http://[::1/", "http://\xc3\xa9vil.example"}) {
        SCOPED_TRACE(bad);
        EXPECT_FALSE(parse_absolute_url(bad));
    }
}

TEST(AbsoluteUrl, QueryParamsGoBeforeTheFragment) {
    EXPECT_EQ(common::with_query_param("https://a.example/cb", "code", "x y"), "https://a.example/cb?code=x%20y");
    EXPECT_EQ(common::with_query_param("https://a.example/cb?a=1", "code", "c"), "https://a.example/cb?a=1&code=c");
    EXPECT_EQ(common::with_query_param("https://a.example/#/route", "code", "c"), "https://a.example/?code=c#/route");
    EXPECT_EQ(common::with_query_param("https://a.example/?", "code", "c"), "https://a.example/?code=c");
}

TEST(FormEncoding, RoundTrips) {
    http::Fields f{{"redirect_uri", "http://127.0.0.1:8000/cb?x=1&y=2"}, {"scope", "openid email"}, {"empty", ""}};
    EXPECT_EQ(http::form_decode(http::form_encode(f)), f);
    EXPECT_EQ(http::form_decode("a=1+2&bad=%zz&b"), (http::Fields{{"a", "1 2"}, {"b", ""}}));
}

// In a URL's user or password a '+' is a '+'; only a query or form turns it into a space.
TEST(PercentDecoding, DecodesEscapesOnlyAndRefusesBrokenOnes) {
    EXPECT_EQ(common::percent_decode("p%40ss%3Aw%2Frd+1"), "p@ss:w/rd+1");
    EXPECT_EQ(common::percent_decode("%e2%82%AC"), "\xe2\x82\xac");
    EXPECT_EQ(common::percent_decode(""), "");
    for (auto bad : {"%", "%4", "abc%", "%zz", "%4g"}) EXPECT_FALSE(common::percent_decode(bad)) << bad;
    EXPECT_EQ(http::url_decode("a+b%2B"), "a b+");
}
