#include "notify/locale.hpp"

#include <gtest/gtest.h>

TEST(Locale, TheBestSupportedLanguageOfAnAcceptLanguageHeaderByQuality) {
    EXPECT_EQ(notify::best_locale(""), "en");
    EXPECT_EQ(notify::best_locale("de-DE"), "de");
    EXPECT_EQ(notify::best_locale("DE"), "de");
    EXPECT_EQ(notify::best_locale("fr-CH, fr;q=0.9, de;q=0.8, en;q=0.7, *;q=0.5"), "de");
    EXPECT_EQ(notify::best_locale("en;q=0.5, de;q=0.6"), "de");
    EXPECT_EQ(notify::best_locale("de;q=0, en"), "en") << "q=0 means not wanted";
    EXPECT_EQ(notify::best_locale("fr, es"), "en") << "none we ship: the default";
    EXPECT_EQ(notify::best_locale(std::string(10000, ',') + "de"), "en") << "only the first 256 characters are read";
    EXPECT_EQ(notify::best_locale(";;;q=;,de;q=abc"), "de");
}

TEST(Locale, EmailTimesAreInUtcWithTheZoneNamedInTheLocalesFormat) {
    const std::int64_t ms = 1'795'513'200'000;  // 2026-11-24 09:40:00 UTC
    EXPECT_EQ(notify::email_time(ms, "en"), "2026-11-24 09:40 UTC");
    EXPECT_EQ(notify::email_time(ms, "de"), "24.11.2026, 09:40 UTC");
}
