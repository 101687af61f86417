#pragma once
// Wall-clock time as the whole code base uses it: Unix epoch milliseconds, UTC.
#include <cstdint>
#include <string>

namespace common {

std::int64_t now_ms();
// strftime in UTC, e.g. format_utc(ms, "%Y-%m-%dT%H:%M:%SZ") for RFC 3339.
std::string format_utc(std::int64_t epoch_ms, const char* pattern);

inline constexpr const char* kRfc3339 = "%Y-%m-%dT%H:%M:%SZ";

}  // namespace common
