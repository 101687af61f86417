#pragma once
// The languages emails are written in: English (templates/emails/, also the fallback for
// any template a language lacks) and German (templates/emails/de/). A test holds every
// locale to every template with the same variables.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace notify {

inline constexpr std::array<std::string_view, 2> kLocales{"en", "de"};
inline constexpr std::string_view kDefaultLocale = "en";

bool supported_locale(std::string_view locale);
// The best of kLocales for an Accept-Language header ("de-CH, de;q=0.9, en;q=0.8" -> "de"),
// by quality then order; the default when none matches.
std::string best_locale(std::string_view accept_language);
// A time as emails show it in `locale`, always in UTC with the zone named:
// "2026-11-24 10:00 UTC" (en), "24.11.2026, 10:00 UTC" (de).
std::string email_time(std::int64_t epoch_ms, std::string_view locale);

}  // namespace notify
