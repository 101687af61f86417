#pragma once
// Text measured as people count it, cut into words, and escaped.
#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace common {

// `text` with A-Z as a-z, every other byte as it is (keys compared without case: emails,
// usernames, header names, User-Agent patterns).
inline std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Characters (code points) in UTF-8 text: every byte that does not continue a sequence.
inline std::size_t utf8_length(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

// The words of `text`: what its single spaces separate, empty ones (two spaces in a row) left out.
inline std::vector<std::string_view> words(std::string_view text) {
    std::vector<std::string_view> out;
    for (std::string_view rest = text; !rest.empty();) {
        auto space = rest.find(' ');
        if (space != 0) out.push_back(rest.substr(0, space));
        if (space == std::string_view::npos) break;
        rest.remove_prefix(space + 1);
    }
    return out;
}

// One character and what stands for it in an escaped text.
struct Escape {
    char c;
    std::string_view as;
};

// `text` with every character of `table` replaced by its escape, the rest as they are.
inline std::string escaped(std::string_view text, std::initializer_list<Escape> table) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        auto it = std::find_if(table.begin(), table.end(), [c](const Escape& e) { return e.c == c; });
        if (it == table.end())
            out += c;
        else
            out += it->as;
    }
    return out;
}

}  // namespace common
