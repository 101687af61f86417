// What the social sign-in flow reads from browsers and providers: redirect_to URLs, query
// strings and form bodies, cookies' base64url, and ID tokens.
#include "http/outbound.hpp"
#include "common/url.hpp"
#include "security/jwt.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto url = common::parse_absolute_url(text)) {
        auto again = common::parse_absolute_url(url->origin + url->rest);
        if (!again || again->origin != url->origin) __builtin_trap();  // normalizing is stable
        (void)common::with_query_param(text, "code", "x");
    }
    auto fields = http::form_decode(text);
    if (http::form_decode(http::form_encode(fields)) != fields) __builtin_trap();  // round trip
    if (auto bytes = security::base64url_decode(text)) {
        if (security::base64url_decode(security::base64url_encode(*bytes)) != *bytes) __builtin_trap();
    }
    try {
        (void)security::Jwt::parse(text);
    } catch (const security::JwtError&) {
    }
    return 0;
}
