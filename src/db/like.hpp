#pragma once
// Text matched with LIKE: the caller's wildcards (% and _) taken literally, escaped with '!'
// (write the condition as `column LIKE :pattern ESCAPE '!'`; the same on SQLite and PostgreSQL).
#include <string>
#include <string_view>

namespace db {

inline std::string like_escaped(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == '%' || c == '_' || c == '!') out += '!';
        out += c;
    }
    return out;
}

}  // namespace db
