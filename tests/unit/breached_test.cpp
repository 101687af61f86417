// The breached-password lists as Have I Been Pwned writes them: a range answer (suffixes
// with padding) and a sorted dataset, searched line by line and by binary search.
#include "security/breached.hpp"

#include <gtest/gtest.h>

#include <string>

using security::count_in_range;
using security::count_in_sorted;

TEST(BreachedPasswords, Sha1IsWrittenInUpperCaseHexAsPwnedPasswordsDoes) {
    EXPECT_EQ(security::sha1_upper_hex("password"), "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8");
    EXPECT_EQ(security::sha1_upper_hex(""), "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709");
}

TEST(BreachedPasswords, ARangeAnswerGivesTheSuffixsCountAndPaddingLinesCountNothing) {
    const std::string body =
        "0018A45C4D1DEF81644B54AB7F969B88D65:0\r\n"
        "1E4C9B93F3F0682250B6CF8331B7EE68FD8:9545824\r\n"
        "1e4c9b93f3f0682250b6cf8331b7ee68fd9:3\r\n"
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0";
    EXPECT_EQ(count_in_range(body, "1E4C9B93F3F0682250B6CF8331B7EE68FD8"), 9545824u);
    EXPECT_EQ(count_in_range(body, "1E4C9B93F3F0682250B6CF8331B7EE68FD9"), 3u) << "any case";
    EXPECT_EQ(count_in_range(body, "0018A45C4D1DEF81644B54AB7F969B88D65"), 0u) << "a padding line";
    EXPECT_EQ(count_in_range(body, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"), 0u) << "last line, no line end";
    EXPECT_EQ(count_in_range(body, "1E4C9B93F3F0682250B6CF8331B7EE68FD7"), 0u);
    EXPECT_EQ(count_in_range("", "1E4C9B93F3F0682250B6CF8331B7EE68FD8"), 0u);
    EXPECT_EQ(count_in_range("1E4C9B93F3F0682250B6CF8331B7EE68FD8\n", "1E4C9B93F3F0682250B6CF8331B7EE68FD8"), 0u) << "no count";
}

TEST(BreachedPasswords, TheBinarySearchFindsEveryLineOfASortedDatasetAndNothingElse) {
    // Hashes 000..0, 111..1, ... with counts of different widths, so lines differ in length.
    std::string data;
    std::vector<std::string> hashes;
    for (char c : std::string("0123456789ABCDEF")) {
        hashes.emplace_back(40, c);
        data += hashes.back() + ":" + std::string(static_cast<std::size_t>(1 + (c % 7)), '7') + (c % 2 ? "\r\n" : "\n");
    }
    for (std::size_t i = 0; i < hashes.size(); ++i) {
        const char c = hashes[i][0];
        EXPECT_EQ(count_in_sorted(data, hashes[i]), std::stoull(std::string(static_cast<std::size_t>(1 + (c % 7)), '7')))
            << hashes[i];
        std::string neighbour = hashes[i];
        neighbour.back() = '0';  // sorts just before it: not in the set
        if (neighbour != hashes[i]) {
            EXPECT_EQ(count_in_sorted(data, neighbour), 0u) << neighbour;
        }
    }
    EXPECT_EQ(count_in_sorted(data, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFE"), 0u) << "before the last";
    EXPECT_EQ(count_in_sorted(data, "0000000000000000000000000000000000000001"), 0u) << "after the first";
    EXPECT_EQ(count_in_sorted("", "0000000000000000000000000000000000000000"), 0u);
    // Without a final line end, and in lower case (a file someone made by hand).
    EXPECT_EQ(count_in_sorted("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:5", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 5u);
}

TEST(BreachedPasswords, ADisabledCheckCallsNothingAndSaysClean) {
    security::BreachCheckOptions options;
    options.enabled = false;
    options.api_url = "http://127.0.0.1:9";
    security::BreachedPasswords off(options);
    auto v = off.check("password");
    EXPECT_EQ(v.result, security::BreachVerdict::Result::clean);
    EXPECT_EQ(off.counts().clean, 0u);
}
