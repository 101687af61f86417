#include "security/hash.hpp"
#include "security/random.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

TEST(Random, Uuid4IsLowercaseVersion4) {
    std::regex shape("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        auto id = security::uuid4();
        EXPECT_TRUE(std::regex_match(id, shape)) << id;
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 200u);
}

TEST(Random, Uuid7SortsByTimeEvenWithinAMillisecondAndWhenTheClockStepsBack) {
    std::regex shape("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
    const std::int64_t ms = 1'790'000'000'000;  // 2026-09-21
    const auto first = security::uuid7(ms);
    EXPECT_TRUE(std::regex_match(first, shape)) << first;
    EXPECT_EQ(first.substr(0, 13), "01a0c450-6c00") << "the time, big-endian, first";
    std::string previous = first;
    for (int i = 0; i < 5000; ++i) {  // more than the 4096 a millisecond holds
        auto id = security::uuid7(i % 2 ? ms : ms - 5);
        ASSERT_TRUE(std::regex_match(id, shape)) << id;
        ASSERT_LT(previous, id) << "after " << i;
        previous = id;
    }
    EXPECT_LT(previous, security::uuid7(ms + 10));
}

TEST(Random, HexHasTwoCharsPerByte) {
    auto t = security::random_hex(32);
    EXPECT_EQ(t.size(), 64u);
    EXPECT_EQ(t.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_NE(t, security::random_hex(32));
}

TEST(Hash, Sha256MatchesKnownVectors) {
    EXPECT_EQ(security::sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(security::sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hash, ConstantTimeEqual) {
    EXPECT_TRUE(security::constant_time_equal("abc", "abc"));
    EXPECT_FALSE(security::constant_time_equal("abc", "abd"));
    EXPECT_FALSE(security::constant_time_equal("abc", "abcd"));
    EXPECT_TRUE(security::constant_time_equal("", ""));
}
