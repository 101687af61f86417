#include "common/time.hpp"

#include <chrono>
#include <ctime>

namespace common {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string format_utc(std::int64_t epoch_ms, const char* pattern) {
    std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::size_t n = std::strftime(buf, sizeof buf, pattern, &tm);
    return std::string(buf, n);
}

std::optional<std::int64_t> unit_ms(std::string_view unit) {
    if (unit == "ms") return 1;
    if (unit == "s" || unit == "second") return 1000;
    if (unit == "m" || unit == "minute") return 60'000;
    if (unit == "h" || unit == "hour") return 3'600'000;
    if (unit == "d" || unit == "day") return 86'400'000;
    return std::nullopt;
}

}  // namespace common
