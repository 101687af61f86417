#pragma once
// Wall-clock time as the whole code base uses it: Unix epoch milliseconds, UTC.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace common {

std::int64_t now_ms();
// strftime in UTC, e.g. format_utc(ms, "%Y-%m-%dT%H:%M:%SZ") for RFC 3339.
std::string format_utc(std::int64_t epoch_ms, const char* pattern);

// Milliseconds in one unit of time, by its short or long name: ms, s/second, m/minute,
// h/hour, d/day. nullopt for any other name. Settings' durations (15m) and rate limits
// (10/15minute) both read their units here.
std::optional<std::int64_t> unit_ms(std::string_view unit);

inline constexpr const char* kRfc3339 = "%Y-%m-%dT%H:%M:%SZ";

}  // namespace common
