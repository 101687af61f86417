#include "config/dotenv.hpp"

#include <cctype>
#include <fstream>
#include <sstream>

namespace config {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

bool valid_key(std::string_view key) {
    if (key.empty() || std::isdigit(static_cast<unsigned char>(key.front()))) return false;
    for (char c : key)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
    return true;
}

[[noreturn]] void fail(std::size_t line_no, std::string_view why) {
    throw DotenvError(".env line " + std::to_string(line_no) + ": " + std::string(why));
}

// Double-quoted values understand \n, \t, \", \\ escapes; single-quoted values are literal.
std::string unquote(std::string_view v, std::size_t line_no) {
    const char q = v.front();
    std::string out;
    std::size_t i = 1;
    for (; i < v.size(); ++i) {
        char c = v[i];
        if (c == q) break;
        if (q == '"' && c == '\\' && i + 1 < v.size()) {
            char n = v[++i];
            switch (n) {
                case 'n':
                    out += '\n';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'r':
                    out += '\r';
                    break;
                default:
                    out += n;
                    break;
            }
            continue;
        }
        out += c;
    }
    if (i >= v.size()) fail(line_no, "unterminated quoted value");
    auto rest = trim(v.substr(i + 1));
    if (!rest.empty() && rest.front() != '#') fail(line_no, "unexpected text after the closing quote");
    return out;
}

}  // namespace

Env parse_dotenv(std::string_view text) {
    Env env;
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        auto nl = text.find('\n');
        auto line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (line.empty() || line.front() == '#') continue;
        if (line.starts_with("export ")) line = trim(line.substr(7));
        auto eq = line.find('=');
        if (eq == std::string_view::npos) fail(line_no, "expected KEY=VALUE");
        auto key = trim(line.substr(0, eq));
        if (!valid_key(key)) fail(line_no, "invalid variable name");
        auto value = trim(line.substr(eq + 1));
        std::string parsed;
        if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
            parsed = unquote(value, line_no);
        } else {
            // An unquoted value ends at an inline comment introduced by " #".
            auto hash = value.find(" #");
            parsed = std::string(trim(value.substr(0, hash)));
        }
        env.insert_or_assign(std::string(key), std::move(parsed));
    }
    return env;
}

Env read_dotenv_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_dotenv(ss.str());
}

}  // namespace config
