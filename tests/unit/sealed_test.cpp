// Secrets sealed under the data-encryption key (AES-256-GCM): they open only with the same
// key and the same context, a wrong key is named as such, and the key file is private.
#include "security/sealed.hpp"
#include "support/process.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

using security::DataKey;
using security::SealError;

namespace {

TEST(DataKey, SealsAndOpensUnderTheSameKeyAndContext) {
    const auto key = DataKey::generate();
    const std::string secret("\x00\x01totp seed\xff", 13);
    const auto sealed = key.seal(secret, "totp:user-1");
    EXPECT_EQ(key.open(sealed, "totp:user-1"), secret);
    EXPECT_EQ(sealed.find("totp seed"), std::string::npos);
    EXPECT_NE(key.seal(secret, "totp:user-1"), sealed) << "a fresh nonce every time";
    EXPECT_EQ(DataKey::key_id_of(sealed), key.id());
}

TEST(DataKey, RefusesAnotherContextAnAlteredValueAndAnotherKey) {
    const auto key = DataKey::generate();
    const auto sealed = key.seal("seed", "totp:user-1");
    EXPECT_THROW(key.open(sealed, "totp:user-2"), SealError);  // moved to another user's row
    auto altered = sealed;
    altered[altered.size() - 3] = altered[altered.size() - 3] == 'A' ? 'B' : 'A';
    EXPECT_THROW(key.open(altered, "totp:user-1"), SealError);
    EXPECT_THROW(key.open("not sealed", "totp:user-1"), SealError);
    EXPECT_THROW(key.open("v1." + key.id() + ".", "totp:user-1"), SealError);
    const auto other = DataKey::generate();
    try {
        other.open(sealed, "totp:user-1");
        FAIL() << "opened under another key";
    } catch (const SealError& e) {
        EXPECT_NE(std::string(e.what()).find(key.id()), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("DATA_ENCRYPTION_KEY"), std::string::npos) << e.what();
    }
}

TEST(DataKey, ParsesHexAndBase64OfThirtyTwoBytesOnly) {
    const auto key = DataKey::generate();
    auto again = DataKey::parse(key.hex());
    ASSERT_TRUE(again);
    EXPECT_EQ(again->id(), key.id());
    EXPECT_EQ(DataKey::parse(" " + key.hex() + "\n")->id(), key.id());
    EXPECT_TRUE(DataKey::parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="));  // base64, 32 bytes
    EXPECT_FALSE(DataKey::parse(""));
    EXPECT_FALSE(DataKey::parse("secret"));
    EXPECT_FALSE(DataKey::parse(key.hex().substr(2)));                             // 31 bytes
    EXPECT_FALSE(DataKey::parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg=="));  // 31 bytes
}

TEST(DataKey, KeyFileIsCreatedOnceWithOwnerOnlyAccess) {
    const testing_support::TempDir temp("starter-key-");
    const auto& dir = temp.path();
    const auto path = (dir / "data" / "data-encryption.key").string();
    const auto first = DataKey::load_or_create(path);
    struct stat st {};
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(DataKey::load_or_create(path).id(), first.id()) << "the second start reads the same key";
    std::ofstream(path, std::ios::trunc) << "garbage\n";
    try {
        DataKey::load_or_create(path);
        FAIL() << "a file without a key was accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
}

}  // namespace
