#pragma once
// Text measured as people count it.
#include <cstddef>
#include <string_view>

namespace common {

// Characters (code points) in UTF-8 text: every byte that does not continue a sequence.
inline std::size_t utf8_length(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

}  // namespace common
