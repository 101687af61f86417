#include "ratelimit/redis_address.hpp"

#include "common/url.hpp"

#include <charconv>
#include <stdexcept>

namespace ratelimit {

namespace {

constexpr std::string_view kForm = "redis[s]://[[user]:password@]host[:port][/db]";

[[noreturn]] void refuse(const std::string& why) { throw std::invalid_argument(why + " (expected " + std::string(kForm) + ")"); }

// A whole number in [low, high], or refusal with `what`.
int number_in(std::string_view text, int low, int high, const char* what) {
    int n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || n < low || n > high)
        refuse(std::string(what) + " must be a number from " + std::to_string(low) + " to " + std::to_string(high));
    return n;
}

std::string decoded(std::string_view text, const char* what) {
    auto out = common::percent_decode(text);
    if (!out) refuse(std::string("the ") + what + " has a malformed %-escape");
    return *out;
}

}  // namespace

RedisAddress RedisAddress::parse(std::string_view url) {
    RedisAddress a;
    a.tls = url.starts_with("rediss://");
    if (!a.tls && !url.starts_with("redis://")) refuse("not a redis:// or rediss:// URL");
    auto rest = url.substr(url.find("://") + 3);
    const auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    if (slash != std::string_view::npos && slash + 1 < rest.size())
        a.db = number_in(rest.substr(slash + 1), 0, 65535, "the database");
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        const auto userinfo = authority.substr(0, at);
        const auto colon = userinfo.find(':');
        if (colon == std::string_view::npos) {
            a.password = decoded(userinfo, "password");
        } else {
            a.user = decoded(userinfo.substr(0, colon), "user");
            a.password = decoded(userinfo.substr(colon + 1), "password");
        }
        if (!a.user.empty() && a.password.empty()) refuse("a user needs its password");
        authority = authority.substr(at + 1);
    }
    std::string_view host = authority, port;
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) refuse("an [IPv6] host misses its ']'");
        host = authority.substr(1, close - 1);
        const auto after = authority.substr(close + 1);
        if (!after.empty() && !after.starts_with(':')) refuse("text after the [IPv6] host");
        if (!after.empty()) port = after.substr(1);
        if (host.empty()) refuse("an empty [IPv6] host");
    } else if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
        if (port.find(':') != std::string_view::npos) refuse("an IPv6 host must be written in [brackets]");
    }
    if (!port.empty() || authority.ends_with(':')) a.port = number_in(port, 1, 65535, "the port");
    if (!host.empty()) a.host = std::string(host);
    return a;
}

std::vector<std::string> RedisAddress::auth_command() const {
    if (password.empty()) return {};
    if (user.empty()) return {"AUTH", password};
    return {"AUTH", user, password};
}

std::string RedisAddress::connect_failure(std::string_view why) const {
    const auto shown = host.find(':') == std::string::npos ? host : "[" + host + "]";
    return "redis connect to " + shown + ":" + std::to_string(port) + " failed: " + std::string(why);
}

}  // namespace ratelimit
