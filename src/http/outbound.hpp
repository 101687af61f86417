#pragma once
// Outbound HTTPS calls (OAuth token exchanges, JWKS, Graph API, GeoIP downloads) over
// libcurl: blocking, bounded in time and size, TLS verified, never following redirects
// (a caller that wants to follows `redirect_url` itself, choosing what to send there).
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace http {

using Fields = std::vector<std::pair<std::string, std::string>>;

struct OutboundRequest {
    std::string method = "GET";
    std::string url;
    Fields headers;
    std::string body;
    std::chrono::milliseconds timeout{10'000};
    std::size_t max_response_bytes = 1 << 20;
    // HTTP Basic credentials (user, password).
    std::optional<std::pair<std::string, std::string>> basic_auth;
    // Non-empty: the body goes to this file (created or truncated), not into the response.
    std::string save_to;
    // Reuse this thread's connection to the host (and its DNS answer and TLS session) from
    // the previous such call: one round trip instead of three for a frequent small call.
    bool keep_alive = false;
};

struct OutboundResponse {
    int status = 0;
    std::string body;
    std::string cache_control;
    std::string redirect_url;  // a 3xx's Location, made absolute
};

// The call did not complete (DNS, connect, TLS, timeout, oversized answer). The
// message names the host and the cause, never a query string (which may carry a
// secret).
struct OutboundError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

OutboundResponse fetch(const OutboundRequest& request);

// "a=1&b=x%20y" from fields, for query strings and x-www-form-urlencoded
// bodies.
std::string form_encode(const Fields& fields);
// Parses "a=1&b=x+y" (query strings and form bodies); malformed escapes drop
// the pair.
Fields form_decode(std::string_view text);

}  // namespace http
