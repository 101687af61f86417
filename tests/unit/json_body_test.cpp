#include "http/body.hpp"
#include "http/json_body.hpp"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

using http::Error;
using http::FieldReader;
using http::parse_json_object;

namespace {
int status_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.status();
    }
    return 0;
}
}  // namespace

TEST(JsonBody, RejectsWhatIsNotAJsonObjectWith400) {
    for (std::string bad : {"", "not json", "[1,2]", "\"text\"", "{\"a\":1", "{\"a\":1}{", "null"}) {
        try {
            parse_json_object(bad);
            FAIL() << bad;
        } catch (const Error& e) {
            EXPECT_EQ(e.status(), 400) << bad;
            EXPECT_EQ(e.code(), "malformed_request") << bad;
        }
    }
}

TEST(JsonBody, RejectsInvalidUtf8) {
    EXPECT_EQ(status_of([] { parse_json_object("{\"email\":\"\xff\xfe\"}"); }), 400);
    EXPECT_EQ(status_of([] { parse_json_object("{\"email\":\"\xc3\"}"); }), 400);
    EXPECT_EQ(status_of([] { parse_json_object("{\"email\":\"\xed\xa0\x80\"}"); }), 400);  // a UTF-16 surrogate
}

TEST(JsonBody, RejectsDeepNesting) {
    std::string deep(1000, '[');
    EXPECT_EQ(status_of([&] { parse_json_object("{\"a\":" + deep + "}"); }), 400);
}

TEST(FieldReader, CollectsEveryFieldErrorIntoOne422) {
    FieldReader in(parse_json_object(R"({"email": 5, "remember_session": "yes", "username": "abcdef"})"));
    in.required_string("email");
    in.required_string("password");
    in.optional_bool("remember_session");
    in.required_string("username", 3);
    try {
        in.finish();
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.status(), 422);
        EXPECT_EQ(e.code(), "validation_failed");
        auto body = boost::json::serialize(e.body());
        EXPECT_NE(body.find(R"({"loc":["body","email"],"msg":"Input should be a valid string","type":"string_type"})"),
                  std::string::npos)
            << body;
        EXPECT_NE(body.find(R"({"loc":["body","password"],"msg":"Field required","type":"missing"})"), std::string::npos) << body;
        EXPECT_NE(body.find(R"("loc":["body","remember_session"])"), std::string::npos) << body;
        EXPECT_NE(body.find(R"("type":"string_too_long")"), std::string::npos) << body;
    }
}

struct ResetBody {
    std::string reset_code;
    static http::FieldTable<ResetBody> fields() {
        return {http::text("reset_code", &ResetBody::reset_code).alias("reset_token")};
    }
};

// A typed body reads a field by its name or, when that is absent, by its alias.
TEST(FieldTable, ReadsAFieldByItsNameOrItsAlias) {
    EXPECT_EQ(http::parse_body<ResetBody>(R"({"reset_token":"12345678"})").reset_code, "12345678");
    EXPECT_EQ(http::parse_body<ResetBody>(R"({"reset_code":"1","reset_token":"2"})").reset_code, "1");
    EXPECT_THROW(http::parse_body<ResetBody>(R"({"code":"1"})"), http::Error);
}

TEST(FieldReader, ReadsValidFields) {
    FieldReader in(parse_json_object(R"({"email":"a@b.co","remember_session":false,"name":"Zoë"})"));
    EXPECT_EQ(in.required_string("email"), "a@b.co");
    EXPECT_EQ(in.optional_bool("remember_session"), false);
    EXPECT_EQ(in.optional_bool("absent"), std::nullopt);
    EXPECT_EQ(in.required_string("name", 3), "Zoë");  // three code points, four bytes
    EXPECT_NO_THROW(in.finish());
}
