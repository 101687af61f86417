#pragma once
// The standard middleware, outermost first: request id, access log, security headers, CORS,
// error mapping. `app/` installs them in that order.
#include "http/pipeline.hpp"
#include "observe/metrics.hpp"

#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace http {

// Echoes a sane client X-Request-ID (1-128 of [A-Za-z0-9._:-]) or makes a UUIDv4; binds it to
// every log line written while the request is handled.
Middleware request_id();

// One `http.request` event per request: method, route template, path, status, duration.
Middleware access_log();
// Counts every answer by route template and status, with its duration (for /metrics).
Middleware request_metrics(observe::HttpMetrics& metrics);

struct SecurityHeaderOptions {
    bool hsts = false;  // only when served over https
};
Middleware security_headers(SecurityHeaderOptions options);

// Allows the listed origins ("*" for any); answers preflight requests itself.
Middleware cors(std::vector<std::string> allowed_origins);

// Maps a non-http exception to an Error (e.g. a database outage to 503), or nullopt.
using ErrorTranslator = std::function<std::optional<Error>(const std::exception&)>;

// Turns http::Error into its JSON body; any other exception into a logged 500
// `unexpected` carrying the request id, unless a translator claims it.
// Called with each unexpected exception (a 500), e.g. to report it to Sentry.
using ErrorReporter = std::function<void(const Request&, const std::exception&)>;
Middleware error_mapping(std::vector<ErrorTranslator> translators, ErrorReporter report = {});

// The JSON response for an Error (status, body, headers).
Response error_response(const Error& e);

bool is_sane_request_id(std::string_view id);

}  // namespace http
