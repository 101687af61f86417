#include "security/password_hasher.hpp"
#include "security/strength.hpp"

#include <argon2.h>
#include <gtest/gtest.h>

TEST(PasswordHasher, DefaultsAreArgon2idT3M64MiBP4InPhcFormat) {
    security::PasswordHasher hasher({});
    auto h = hasher.hash("correct horse battery staple");
    EXPECT_EQ(h.rfind("$argon2id$v=19$m=65536,t=3,p=4$", 0), 0u) << h;
    EXPECT_TRUE(hasher.verify(h, "correct horse battery staple"));
    EXPECT_FALSE(hasher.verify(h, "correct horse battery stapl"));
    EXPECT_FALSE(hasher.needs_rehash(h));
}

TEST(PasswordHasher, SaltsEveryHashAndNeverThrowsOnGarbage) {
    security::PasswordHasher hasher({1, 1024, 1, 2});
    auto a = hasher.hash("same password");
    auto b = hasher.hash("same password");
    EXPECT_NE(a, b);
    EXPECT_FALSE(hasher.verify("", "x"));
    EXPECT_FALSE(hasher.verify("$argon2id$v=19$m=1024,t=1,p=1$garbage", "x"));
    EXPECT_FALSE(hasher.verify("$2b$12$bcryptlookinghash", "x"));
    EXPECT_NO_THROW(hasher.verify_dummy("anything"));
    // Unicode and spaces are hashed as given, never truncated.
    auto u = hasher.hash("pässwörd with spaces 🔑");
    EXPECT_TRUE(hasher.verify(u, "pässwörd with spaces 🔑"));
    EXPECT_FALSE(hasher.verify(u, "pässwörd with spaces"));
}

// The hash unknown accounts are verified against: well-formed (argon2 runs the whole
// verification and finds a mismatch; a decoding failure would return at once and time
// apart an unknown account), with the configured parameters, different on every start.
TEST(PasswordHasher, TheUnmatchableHashIsWellFormedWithTheConfiguredParameters) {
    const security::Argon2Params params{2, 2048, 2, 1};
    const auto h = security::unmatchable_hash(params);
    EXPECT_EQ(h.rfind("$argon2id$v=19$m=2048,t=2,p=2$", 0), 0u) << h;
    EXPECT_EQ(argon2id_verify(h.c_str(), "", 0), ARGON2_VERIFY_MISMATCH) << h;
    EXPECT_EQ(argon2id_verify(h.c_str(), "password", 8), ARGON2_VERIFY_MISMATCH) << h;
    EXPECT_FALSE(security::PasswordHasher(params).needs_rehash(h));
    EXPECT_NE(h, security::unmatchable_hash(params));
    // The same layout as a computed hash: 22 characters of salt, 43 of hash.
    const auto computed = security::PasswordHasher(params).hash("x");
    EXPECT_EQ(h.size(), computed.size()) << h << "\n" << computed;
}

TEST(PasswordHasher, NeedsRehashWhenParametersChange) {
    security::PasswordHasher weak({1, 1024, 1, 1});
    security::PasswordHasher stronger({2, 1024, 1, 1});
    auto h = weak.hash("x");
    EXPECT_FALSE(weak.needs_rehash(h));
    EXPECT_TRUE(stronger.needs_rehash(h));
    EXPECT_TRUE(stronger.needs_rehash("not a phc string"));
}

TEST(Strength, ScoreThresholdsAreZxcvbns) {
    using security::score_from_guesses_log10;
    EXPECT_EQ(score_from_guesses_log10(2.9), 0);
    EXPECT_EQ(score_from_guesses_log10(3.1), 1);
    EXPECT_EQ(score_from_guesses_log10(6.1), 2);
    EXPECT_EQ(score_from_guesses_log10(8.1), 3);
    EXPECT_EQ(score_from_guesses_log10(10.1), 4);
}

TEST(Strength, CommonPasswordsAreWeakAndPassphrasesStrong) {
    security::StrengthEstimator e;
    for (auto weak : {"password", "12345678", "qwertyuiop", "iloveyou1", "aaaaaaaaaa", "abcdefgh"}) {
        auto s = e.estimate(weak, {});
        EXPECT_LT(s.score, 3) << weak;
        EXPECT_FALSE(s.suggestions.empty()) << weak;
    }
    EXPECT_GE(e.estimate("correct horse battery staple", {}).score, 3);
    EXPECT_GE(e.estimate("purple elephant umbrella sunrise", {}).score, 3);
}

TEST(Strength, TheUsersOwnDetailsCountAsGuessable) {
    security::StrengthEstimator e;
    // As a front end calls zxcvbn: the email and the username are known words.
    const std::string pw = "mholloway1";
    EXPECT_EQ(e.estimate(pw, {}).score, 3);
    EXPECT_EQ(e.estimate(pw, {"marguerite.holloway@example.com", "mholloway"}).score, 1);
}
