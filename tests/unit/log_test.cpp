#include "observe/log.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

using observe::Format;

TEST(Log, ConsoleLineIsEventThenKeyValues) {
    auto line =
        observe::render(Format::console, "http.request", {{"method", "GET"}, {"status", 200}, {"ok", true}, {"path", "/a b"}});
    EXPECT_EQ(line, R"(http.request method=GET status=200 ok=true path="/a b")");
}

TEST(Log, ConsoleEscapesNewlinesSoOneEventIsOneLine) {
    auto line = observe::render(Format::console, "x", {{"value", "evil\nINFO forged line"}});
    EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(Log, JsonLineParsesWithTypedFields) {
    auto line = observe::render(Format::json, "http.request", {{"method", "GET"}, {"status", 200}, {"duration_ms", 1.5}});
    auto v = boost::json::parse("{" + line + "}").as_object();
    EXPECT_EQ(v.at("event").as_string(), "http.request");
    EXPECT_EQ(v.at("status").as_int64(), 200);
    EXPECT_DOUBLE_EQ(v.at("duration_ms").as_double(), 1.5);
}

TEST(Log, BoundContextJoinsEveryLineUntilItEnds) {
    {
        observe::LogContext ctx({{"request_id", "r-1"}});
        EXPECT_EQ(observe::render(Format::console, "a", {{"k", 1}}), "a k=1 request_id=r-1");
    }
    EXPECT_EQ(observe::render(Format::console, "a", {{"k", 1}}), "a k=1");
}
