// TOTP (RFC 6238) and base32 (RFC 4648) against the RFCs' own vectors and against Debian's
// oathtool, the reference implementation authenticator apps agree with.
#include "security/random.hpp"
#include "security/totp.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <memory>
#include <random>
#include <string>

namespace totp = security::totp;

namespace {

const std::string kRfcSecret = "12345678901234567890";  // RFC 6238 Appendix B, SHA-1

std::string run(const std::string& command) {
    std::unique_ptr<FILE, decltype(&pclose)> pipe(popen(command.c_str(), "r"), pclose);
    if (!pipe) return "";
    std::string out;
    std::array<char, 256> buffer{};
    while (fgets(buffer.data(), buffer.size(), pipe.get())) out += buffer.data();
    return out;
}

TEST(Base32, MatchesRfc4648Vectors) {
    const std::pair<std::string, std::string> vectors[] = {{"", ""},
                                                           {"f", "MY"},
                                                           {"fo", "MZXQ"},
                                                           {"foo", "MZXW6"},
                                                           {"foob", "MZXW6YQ"},
                                                           {"fooba", "MZXW6YTB"},
                                                           {"foobar", "MZXW6YTBOI"}};
    for (const auto& [plain, encoded] : vectors) {
        EXPECT_EQ(totp::base32_encode(plain), encoded);
        EXPECT_EQ(totp::base32_decode(encoded), plain);
    }
    // Apps show secrets grouped, lower-case or padded: all the same secret.
    EXPECT_EQ(totp::base32_decode("mzxw 6ytb oi======"), "foobar");
    EXPECT_FALSE(totp::base32_decode("MZXW1"));  // 1 is not base32
    EXPECT_FALSE(totp::base32_decode("MZ-XW"));
}

TEST(Totp, MatchesRfc6238Vectors) {
    // The RFC lists 8 digits; 6-digit codes are their last six.
    const std::pair<std::int64_t, std::string> vectors[] = {{59, "287082"},         {1111111109, "081804"},
                                                            {1111111111, "050471"}, {1234567890, "005924"},
                                                            {2000000000, "279037"}, {20000000000, "353130"}};
    for (const auto& [time, code] : vectors) EXPECT_EQ(totp::code_at(kRfcSecret, totp::step_at(time)), code) << time;
}

TEST(Totp, AcceptsTheNeighbouringStepsOnlyAndEachCodeOnce) {
    const auto now = 1'700'000'000;
    const auto step = totp::step_at(now);
    for (auto offset : {-1, 0, 1})
        EXPECT_EQ(totp::accept(kRfcSecret, totp::code_at(kRfcSecret, step + offset), now, std::nullopt), step + offset);
    for (auto offset : {-3, -2, 2, 3})
        EXPECT_FALSE(totp::accept(kRfcSecret, totp::code_at(kRfcSecret, step + offset), now, std::nullopt)) << offset;
    // A code of a step at or before the last one used is a replay.
    const auto code = totp::code_at(kRfcSecret, step);
    EXPECT_FALSE(totp::accept(kRfcSecret, code, now, step));
    EXPECT_FALSE(totp::accept(kRfcSecret, code, now, step + 1));
    EXPECT_EQ(totp::accept(kRfcSecret, code, now, step - 1), step);
    // Wrong shapes never match.
    for (const char* bad : {"", "12345", "1234567", "12a456", " 12345", "０１２３４５"})
        EXPECT_FALSE(totp::accept(kRfcSecret, bad, now, std::nullopt)) << bad;
}

TEST(Totp, UriCarriesWhatAuthenticatorAppsRead) {
    EXPECT_EQ(totp::otpauth_uri("foobar", "Acme Cloud", "zoe@example.com"),
              "otpauth://totp/Acme%20Cloud:zoe%40example.com?secret=MZXW6YTBOI&issuer=Acme%20Cloud&algorithm=SHA1&digits=6&"
              "period=30");
}

// Many secrets and times: our codes are oathtool's, and a code oathtool made for a time
// far from now is refused.
TEST(Totp, AgreesWithOathtool) {
    ASSERT_FALSE(run("command -v oathtool").empty()) << "oathtool is missing: run scripts/bootstrap --test";
    std::mt19937_64 rng(20261201);
    for (int i = 0; i < 40; ++i) {
        const auto secret = security::random_hex(totp::kSecretBytes).substr(0, totp::kSecretBytes);
        const auto b32 = totp::base32_encode(secret);
        const std::int64_t time = static_cast<std::int64_t>(rng() % 4'000'000'000ULL);
        const auto theirs = run("oathtool --totp --base32 " + b32 + " -N @" + std::to_string(time));
        ASSERT_EQ(theirs.size(), 7u) << theirs;
        const auto code = theirs.substr(0, 6);
        EXPECT_EQ(totp::code_at(secret, totp::step_at(time)), code) << b32 << " @" << time;
        EXPECT_EQ(totp::accept(secret, code, time + 25, std::nullopt), totp::step_at(time));
        EXPECT_FALSE(totp::accept(secret, code, time + 3600, std::nullopt));
    }
}

}  // namespace
