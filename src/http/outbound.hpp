#pragma once
// Outbound HTTPS calls (OAuth token exchanges, JWKS, Graph API) over libcurl:
// blocking, bounded in time and size, TLS verified, never following redirects.
#include <chrono>
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
};

struct OutboundResponse {
    int status = 0;
    std::string body;
    std::string cache_control;
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
