#pragma once
// Absolute http(s) URLs as browsers resolve them, for redirect targets and
// configured origins. Anything a browser might read differently from us is
// refused.
#include <optional>
#include <string>
#include <string_view>

namespace common {

struct AbsoluteUrl {
    std::string origin;  // "https://app.example.com" or "http://localhost:3000":
                         // lower-case, no default port
    std::string rest;    // path, query and fragment as given ("" or starting with
                         // '/', '?' or '#')
};

// nullopt unless `url` is http(s)://host[:port][rest] with no user info, no
// backslash, no whitespace or control character, and a host of letters, digits,
// '-', '.' or an [IPv6] literal.
std::optional<AbsoluteUrl> parse_absolute_url(std::string_view url);

// RFC 3986 percent-encoding of one query or form component.
std::string url_encode(std::string_view text);
// Decodes each %XX (nothing else: a '+' stays a '+'); nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text);
// True for an https URL, or an http one on loopback (127.0.0.1, [::1], localhost), where
// tests' fakes of outside services listen: what a provider endpoint may be.
bool is_provider_endpoint(std::string_view url);

// `url` with name=value (encoded) added to its query, before any fragment.
std::string with_query_param(std::string_view url, std::string_view name, std::string_view value);

}  // namespace common
