// What the breached-password check reads from outside: range answers of the Pwned
// Passwords API (or a mirror) and local datasets. Neither may crash it, and on a sorted
// dataset the binary search must find exactly what a line-by-line scan finds.
#include "security/breached.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

std::string upper40(std::string_view line) {
    std::string key(line.substr(0, std::min<std::size_t>(40, line.size())));
    for (auto& c : key)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)security::count_in_range(text, "1E4C9B93F3F0682250B6CF8331B7EE68FD8");
    (void)security::count_in_sorted(text, "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8");

    // Lines of 40 hex digits, ':' and a count: when sorted and distinct, every hash must be found.
    std::vector<std::string_view> lines;
    for (std::size_t start = 0; start < text.size() && lines.size() < 64;) {
        auto end = text.find('\n', start);
        auto line = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        if (line.ends_with('\r')) line.remove_suffix(1);
        lines.push_back(line);
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    const bool well_formed = !lines.empty() && std::all_of(lines.begin(), lines.end(), [](std::string_view l) {
        return l.size() > 41 && l[40] == ':' &&
               l.substr(0, 40).find_first_not_of("0123456789ABCDEFabcdef") == std::string_view::npos;
    });
    if (!well_formed || lines.size() * 64 < size / 2) return 0;
    for (std::size_t i = 1; i < lines.size(); ++i)
        if (upper40(lines[i - 1]) >= upper40(lines[i])) return 0;  // not sorted, or a repeat
    for (auto line : lines) {
        auto key = upper40(line);
        std::uint64_t want = 0;
        auto count = line.substr(41);
        bool digits = !count.empty() && count.find_first_not_of("0123456789") == std::string_view::npos && count.size() < 19;
        if (digits) want = std::stoull(std::string(count));
        if (digits && security::count_in_sorted(text, key) != want) __builtin_trap();
    }
    return 0;
}
