// geo::required_literal against RE2 itself: for any pattern and text (the input's first line
// and the rest), if RE2 finds the pattern in the text, the text contains the literal, also
// when both are compared ignoring ASCII case as the case-insensitive uap-core rules are. A
// wrong literal would make the User-Agent prefilter skip a rule that matches.
#include "geo/user_agent.hpp"

#include <re2/re2.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

void check(std::string_view pattern, std::string_view text, bool case_insensitive) {
    RE2::Options o;
    o.set_log_errors(false);
    o.set_max_mem(1 << 20);
    o.set_encoding(RE2::Options::EncodingLatin1);
    o.set_case_sensitive(!case_insensitive);
    RE2 re(re2::StringPiece(pattern.data(), pattern.size()), o);
    if (!re.ok() || !RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), re)) return;
    auto literal = geo::required_literal(pattern);
    const bool found =
        case_insensitive ? lower(text).find(lower(literal)) != std::string::npos : text.find(literal) != std::string_view::npos;
    if (!found) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto newline = input.find('\n');
    if (newline == std::string_view::npos || newline > 512) return 0;
    auto pattern = input.substr(0, newline), text = input.substr(newline + 1);
    check(pattern, text, false);
    check(pattern, text, true);
    return 0;
}
