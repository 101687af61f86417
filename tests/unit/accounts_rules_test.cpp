#include "accounts/validation.hpp"
#include "codes/email_codes.hpp"

#include <gtest/gtest.h>

#include <set>

using accounts::normalize_email;

TEST(Email, NormalizesTrimmingAndLowerCasingTheDomainOnly) {
    EXPECT_EQ(normalize_email("  Zoe.Smith@Example.COM "), "Zoe.Smith@example.com");
    EXPECT_EQ(normalize_email("a+tag@sub.example.co.uk"), "a+tag@sub.example.co.uk");
    EXPECT_EQ(normalize_email("o'brien@example.ie"), "o'brien@example.ie");
}

TEST(Email, RejectsWhatCannotBeAMailbox) {
    for (std::string bad : {"", "plain", "@example.com", "zoe@", "zoe@@example.com", "zoe@example", "zoe@example.c",
                            "zoe@-example.com", "zoe@example..com", ".zoe@example.com", "zoe.@example.com", "zo..e@example.com",
                            "zoe smith@example.com", "zoe@exa mple.com", "zoe@example.com\r\nBcc: x@y.com", "zoe@example.123"})
        EXPECT_FALSE(normalize_email(bad)) << bad;
    EXPECT_FALSE(normalize_email(std::string(245, 'a') + "@example.com")) << "over 250 characters";
}

TEST(Username, FollowsApiRules) {
    for (std::string ok : {"zo", "zoe_smith", "Zoe.Smith-2", "a1"}) EXPECT_TRUE(accounts::valid_username(ok)) << ok;
    EXPECT_TRUE(accounts::valid_username(std::string(32, 'x')));
    for (std::string bad : {"z", "12345", "zoe smith", "zoé", "zoe!", ""}) EXPECT_FALSE(accounts::valid_username(bad)) << bad;
    EXPECT_FALSE(accounts::valid_username(std::string(33, 'x')));
}

TEST(Email, MaskKeepsTheFirstLetterAndDomain) {
    EXPECT_EQ(accounts::mask_email("zoe@example.com"), "z***@example.com");
    EXPECT_EQ(accounts::mask_email("z@example.com"), "z*@example.com");
}

TEST(Codes, AreEightDigitsFromTheWholeRange) {
    std::set<std::string> seen;
    bool leading_zero = false;
    for (int i = 0; i < 2000; ++i) {
        auto c = codes::generate_code();
        ASSERT_TRUE(codes::well_formed_code(c)) << c;
        leading_zero = leading_zero || c[0] == '0';
        seen.insert(c);
    }
    EXPECT_GT(seen.size(), 1990u);
    EXPECT_TRUE(leading_zero) << "codes below 10000000 keep their leading zeros";
}

TEST(Codes, WellFormedMeansExactlyEightAsciiDigits) {
    EXPECT_TRUE(codes::well_formed_code("00000000"));
    for (auto bad : {"", "1234567", "123456789", "1234567a", " 1234567", "１２３４５６７８"})
        EXPECT_FALSE(codes::well_formed_code(bad)) << bad;
}
