#include "common/url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace common {

std::string url_encode(std::string_view text) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() * 3);
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += digits[c >> 4];
            out += digits[c & 0xF];
        }
    }
    return out;
}

std::optional<std::string> percent_decode(std::string_view text) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size()) return std::nullopt;
        const int hi = hex(text[i + 1]), lo = hex(text[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

std::optional<AbsoluteUrl> parse_absolute_url(std::string_view url) {
    if (url.size() > 2048) return std::nullopt;
    for (unsigned char c : url)
        if (c <= 0x20 || c == 0x7F || c == '\\' || c >= 0x80) return std::nullopt;
    std::string lowered(url);
    std::transform(lowered.begin(), lowered.end(), lowered.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string scheme;
    if (lowered.starts_with("https://"))
        scheme = "https";
    else if (lowered.starts_with("http://"))
        scheme = "http";
    else
        return std::nullopt;
    const std::size_t start = scheme.size() + 3;
    const std::size_t end = std::min(url.find_first_of("/?#", start), url.size());
    std::string_view authority = std::string_view(lowered).substr(start, end - start);
    if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;

    std::string_view host = authority, port;
    if (authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = authority.substr(0, close + 1);
        auto after = authority.substr(close + 1);
        if (!after.empty() && after.front() != ':') return std::nullopt;
        if (!after.empty()) port = after.substr(1);
        if (!std::all_of(host.begin() + 1, host.end() - 1,
                         [](unsigned char c) { return std::isxdigit(c) || c == ':' || c == '.'; }))
            return std::nullopt;
    } else {
        auto colon = authority.find(':');
        if (colon != std::string_view::npos) {
            host = authority.substr(0, colon);
            port = authority.substr(colon + 1);
        }
        if (host.empty() ||
            !std::all_of(host.begin(), host.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '.'; }))
            return std::nullopt;
    }
    if (authority.back() == ':') return std::nullopt;
    if (!port.empty()) {
        unsigned value = 0;
        auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc{} || ptr != port.data() + port.size() || value == 0 || value > 65535) return std::nullopt;
        if ((scheme == "http" && value == 80) || (scheme == "https" && value == 443)) port = {};
    }
    AbsoluteUrl out;
    out.origin = scheme + "://" + std::string(host);
    if (!port.empty()) out.origin += ":" + std::to_string(std::stoul(std::string(port)));
    out.rest = std::string(url.substr(end));
    return out;
}

std::string with_query_param(std::string_view url, std::string_view name, std::string_view value) {
    auto hash = url.find('#');
    std::string_view before = url.substr(0, hash);
    std::string out(before);
    out += before.find('?') == std::string_view::npos ? '?' : (before.back() == '?' || before.back() == '&' ? '\0' : '&');
    if (!out.empty() && out.back() == '\0') out.pop_back();
    out += url_encode(name);
    out += '=';
    out += url_encode(value);
    if (hash != std::string_view::npos) out += url.substr(hash);
    return out;
}

bool is_provider_endpoint(std::string_view url) {
    auto parsed = parse_absolute_url(url);
    if (!parsed) return false;
    const auto& o = parsed->origin;
    return o.starts_with("https://") || o.starts_with("http://127.0.0.1") || o.starts_with("http://[::1]") ||
           o == "http://localhost" || o.starts_with("http://localhost:");
}

}  // namespace common
