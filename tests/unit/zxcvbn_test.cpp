// Our zxcvbn against the oracle, Debian's python3-zxcvbn (a port of zxcvbn 4.4): a corpus of
// passwords of every kind, scored by the oracle when tests/data/zxcvbn/generate_corpus.py
// made it. Both must agree on the score for >= 99.5% and on guesses_log10 within 0.01 for
// >= 99%. The oracle pins the reference year for dates to 2017, so we do here too.
#include "security/strength.hpp"
#include "zxcvbn/zxcvbn.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

namespace {

using zxcvbn::estimate;

TEST(Zxcvbn, AgreesWithTheOracleOnTheCorpus) {
    std::ifstream in(std::string(STARTER_SOURCE_DIR) + "/tests/data/zxcvbn/corpus.jsonl");
    ASSERT_TRUE(in) << "tests/data/zxcvbn/corpus.jsonl is missing";
    std::string line;
    int total = 0, same_score = 0, close_guesses = 0, shown = 0;
    while (std::getline(in, line)) {
        auto o = boost::json::parse(line).as_object();
        std::string password(o.at("password").as_string());
        std::vector<std::string> inputs;
        for (const auto& v : o.at("user_inputs").as_array()) inputs.emplace_back(v.as_string());
        const auto expected_score = o.at("score").as_int64();
        const double expected_log10 = o.at("guesses_log10").to_number<double>();
        auto r = estimate(password, inputs, {.reference_year = 2017});
        ++total;
        const bool score_ok = r.score == expected_score;
        const bool guesses_ok = std::fabs(r.guesses_log10 - expected_log10) <= 0.01;
        same_score += score_ok;
        close_guesses += guesses_ok;
        if ((!score_ok || !guesses_ok) && shown++ < 25)
            ADD_FAILURE() << "disagreement on '" << password << "': score " << r.score << " vs " << expected_score << ", log10 "
                          << r.guesses_log10 << " vs " << expected_log10;
    }
    ASSERT_GE(total, 5000);
    const double score_rate = 100.0 * same_score / total, guesses_rate = 100.0 * close_guesses / total;
    RecordProperty("score_agreement_percent", std::to_string(score_rate));
    EXPECT_GE(score_rate, 99.5) << same_score << " of " << total;
    EXPECT_GE(guesses_rate, 99.0) << close_guesses << " of " << total;
    std::printf("zxcvbn agreement: scores %.2f%%, guesses_log10 within 0.01 %.2f%% (%d passwords)\n", score_rate, guesses_rate,
                total);
}

TEST(Zxcvbn, WhatTheIssueReportedIsFixed) {
    // zxcvbn-c rejected these; zxcvbn 4.4 (the browser's meter) scores them 3.
    EXPECT_EQ(estimate("stoneriver!", {}).score, 3);
    EXPECT_EQ(estimate("dragonguitar!", {}).score, 3);
}

TEST(Zxcvbn, FeedbackNamesTheWeakness) {
    auto r = estimate("password", {});
    EXPECT_EQ(r.score, 0);
    EXPECT_EQ(r.warning, "This is a top-10 common password");
    ASSERT_FALSE(r.suggestions.empty());
    EXPECT_EQ(r.suggestions[0], "Add another word or two. Uncommon words are better.");
    EXPECT_EQ(estimate("qwertyuiop", {}).warning, "This is a top-100 common password");
    EXPECT_EQ(estimate("zxcvfr", {}).warning, "Short keyboard patterns are easy to guess");
    EXPECT_EQ(estimate("abcabcabcabc", {}).warning, "Repeats like \"abcabcabc\" are only slightly harder to guess than \"abc\"");
    auto l33t = estimate("P@ssw0rd", {});
    EXPECT_NE(std::find(l33t.suggestions.begin(), l33t.suggestions.end(),
                        "Predictable substitutions like '@' instead of 'a' don't help very much"),
              l33t.suggestions.end());
    auto strong = estimate("correct horse battery staple", {});
    EXPECT_EQ(strong.score, 4);
    EXPECT_TRUE(strong.warning.empty());
    EXPECT_TRUE(strong.suggestions.empty());
}

TEST(Zxcvbn, UserInputsCountAsKnownWords) {
    const auto alone = estimate("maximiliano.rodriguez", {});
    const auto known = estimate("maximiliano.rodriguez", {"maximiliano.rodriguez@example.com", "maximiliano.rodriguez"});
    EXPECT_LT(known.guesses_log10, alone.guesses_log10);
    EXPECT_LE(known.score, 1);
}

TEST(Zxcvbn, LongAndRepetitiveInputsAreScoredWhole) {
    std::string long_repeat(128, 'a');
    EXPECT_LE(estimate(long_repeat, {}).score, 1);
    std::string mixed;
    while (mixed.size() < 128) mixed += "P@ssw0rd!1qaz";
    mixed.resize(128);
    auto r = estimate(mixed, {});
    EXPECT_GT(r.guesses_log10, 0);
    std::string unicode;
    for (int i = 0; i < 40; ++i) unicode += "パスワード";
    EXPECT_GE(estimate(unicode, {}).score, 0);  // code points, not bytes; no crash on multi-byte input
}

TEST(Strength, TheServiceUsesTheSameEstimator) {
    security::StrengthEstimator s;
    EXPECT_EQ(s.estimate("stoneriver!", {"jane@example.com", "jane"}).score, 3);
    EXPECT_EQ(s.estimate("jane@example.com", {"jane@example.com", "jane"}).score, 0);
}

}  // namespace
