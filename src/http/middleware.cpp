#include "http/middleware.hpp"

#include "observe/log.hpp"
#include "security/random.hpp"

#include <boost/beast/http/field.hpp>

#include <algorithm>
#include <chrono>

namespace http {
using field = boost::beast::http::field;

bool is_sane_request_id(std::string_view id) {
    if (id.empty() || id.size() > 128) return false;
    return std::all_of(id.begin(), id.end(),
                       [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':'; });
}

Response error_response(const Error& e) {
    auto res = json(e.status(), e.body());
    for (const auto& [k, v] : e.headers()) res.set(k, v);
    return res;
}

Middleware request_id() {
    return [](Request& req, Next next) {
        auto given = req.header("X-Request-ID");
        req.request_id = is_sane_request_id(given) ? std::string(given) : security::uuid4_nonsecret();
        observe::LogContext ctx({{"request_id", req.request_id}});
        auto res = next(req);
        res.set("X-Request-ID", req.request_id);
        return res;
    };
}

Middleware access_log() {
    return [](Request& req, Next next) {
        auto res = next(req);
        if (observe::enabled(observe::Level::info)) {
            auto elapsed = std::chrono::steady_clock::now() - req.received_at;
            double ms = std::chrono::duration<double, std::milli>(elapsed).count();
            observe::info("http.request",
                          {{"method", req.method.empty() ? std::string_view("-") : req.method},
                           {"route", req.route ? std::string_view(req.route->pattern) : std::string_view("unmatched")},
                           {"path", req.path},
                           {"status", res.result_int()},
                           {"duration_ms", ms},
                           {"client_ip", req.client.to_string()}});
        }
        return res;
    };
}

Middleware request_metrics(observe::HttpMetrics& metrics) {
    return [&metrics](Request& req, Next next) {
        metrics.begin();
        struct End {
            observe::HttpMetrics& m;
            ~End() { m.end(); }
        } end{metrics};
        auto res = next(req);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - req.received_at).count();
        metrics.record(req.route, req.route ? std::string_view(req.route->method) : req.method, res.result_int(), seconds);
        return res;
    };
}

Middleware security_headers(SecurityHeaderOptions options) {
    return [options](Request& req, Next next) {
        auto res = next(req);
        res.set("X-Content-Type-Options", "nosniff");
        res.set("X-Frame-Options", "DENY");
        res.set("Referrer-Policy", "no-referrer");
        if (res.find(field::cache_control) == res.end()) res.set(field::cache_control, "no-store");
        if (res.find("Content-Security-Policy") == res.end())
            res.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
        if (options.hsts) res.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
        return res;
    };
}

Middleware cors(std::vector<std::string> allowed_origins) {
    const bool any = std::find(allowed_origins.begin(), allowed_origins.end(), "*") != allowed_origins.end();
    return [allowed_origins = std::move(allowed_origins), any](Request& req, Next next) {
        auto origin = req.header("Origin");
        const bool allowed = !origin.empty() &&
                             (any || std::find(allowed_origins.begin(), allowed_origins.end(), origin) != allowed_origins.end());
        if (allowed && req.method == "OPTIONS" && !req.header("Access-Control-Request-Method").empty()) {
            Response res = no_content();
            res.set("Access-Control-Allow-Origin", any ? std::string_view("*") : origin);
            res.set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
            res.set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Authentication-Token, X-Request-ID");
            res.set("Access-Control-Max-Age", "600");
            res.set(field::vary, "Origin");
            return res;
        }
        auto res = next(req);
        if (allowed) {
            res.set("Access-Control-Allow-Origin", any ? std::string_view("*") : origin);
            res.set("Access-Control-Expose-Headers",
                    "X-Request-ID, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After");
            res.set(field::vary, "Origin");
        }
        return res;
    };
}

Middleware error_mapping(std::vector<ErrorTranslator> translators, ErrorReporter report) {
    return [translators = std::move(translators), report = std::move(report)](Request& req, Next next) -> Response {
        try {
            return next(req);
        } catch (const Error& e) {
            return error_response(e);
        } catch (const common::Refusal& r) {
            return error_response(from_refusal(r));
        } catch (const std::exception& e) {
            for (const auto& translate : translators)
                if (auto mapped = translate(e)) return error_response(*mapped);
            observe::error("http.unexpected_error", {{"exception", e.what()},
                                                     {"method", req.method},
                                                     {"route", req.route ? std::string_view(req.route->pattern) : req.path}});
            if (report) report(req, e);
        } catch (...) {
            observe::error("http.unexpected_error", {{"exception", "unknown"}, {"method", req.method}});
            if (report) report(req, std::runtime_error("an exception not derived from std::exception"));
        }
        return error_response(Error(500, "unexpected", "An unexpected error occurred. Quote the request_id when reporting it.",
                                    {{"request_id", req.request_id}}));
    };
}

}  // namespace http
