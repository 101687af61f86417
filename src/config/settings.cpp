#include "config/settings.hpp"

#include "http/url.hpp"
#include "observe/sentry.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <thread>

extern char** environ;

namespace config {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        auto comma = text.find(',');
        auto item = trim(text.substr(0, comma));
        if (!item.empty()) out.emplace_back(item);
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return out;
}

// scheme://user:password@host...: true when the authority carries a password.
bool url_has_password(std::string_view url) {
    auto scheme = url.find("://");
    if (scheme == std::string_view::npos) return false;
    auto authority = url.substr(scheme + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    auto at = authority.rfind('@');
    return at != std::string_view::npos && authority.substr(0, at).find(':') != std::string_view::npos;
}

// Reads settings one variable at a time, so every error names its variable.
class Reader {
public:
    explicit Reader(const Env& env) : env_(env) {}

    const std::string* raw(std::string_view key) const {
        auto it = env_.find(key);
        if (it == env_.end() || trim(it->second).empty()) return nullptr;
        return &it->second;
    }

    void string(std::string_view key, std::string& out) const {
        if (auto v = raw(key)) out = std::string(trim(*v));
    }

    template <class Int>
    void integer(std::string_view key, Int& out, long long min, long long max) const {
        auto v = raw(key);
        if (!v) return;
        auto t = trim(*v);
        long long parsed = 0;
        auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), parsed);
        if (ec != std::errc{} || ptr != t.data() + t.size() || parsed < min || parsed > max)
            fail(key, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max) + " (got '" +
                          std::string(t) + "')");
        out = static_cast<Int>(parsed);
    }

    void duration(std::string_view key, std::chrono::milliseconds& out) const {
        auto v = raw(key);
        if (!v) return;
        try {
            out = parse_duration(*v);
        } catch (const std::invalid_argument&) {
            fail(key, "must be a duration such as 30s, 15m, 2h or 14d (got '" + std::string(trim(*v)) + "')");
        }
    }

    [[noreturn]] static void fail(std::string_view key, const std::string& why) {
        throw ConfigError(std::string(key) + ": " + why);
    }

private:
    const Env& env_;
};

void validate_database_url(const std::string& url) {
    auto sep = url.find("://");
    if (sep == std::string::npos)
        Reader::fail("DATABASE_URL", "expected sqlite://PATH or postgresql://user:password@host/db");  // no echo: may hold a password
    auto scheme = url.substr(0, sep);
    if (scheme == "sqlite") {
        if (url.size() == sep + 3) Reader::fail("DATABASE_URL", "sqlite:// needs a file path");
        return;
    }
    if (scheme == "postgresql" || scheme == "postgres") return;
    Reader::fail("DATABASE_URL", "unsupported scheme '" + scheme + "' (use sqlite or postgresql)");
}

void validate_url_scheme(std::string_view key, const std::string& url, std::initializer_list<std::string_view> schemes) {
    if (url.empty()) return;
    auto sep = url.find("://");
    auto scheme = sep == std::string::npos ? std::string() : url.substr(0, sep);
    for (auto s : schemes)
        if (scheme == s) return;
    std::string allowed;
    for (auto s : schemes) allowed += (allowed.empty() ? "" : ", ") + std::string(s);
    Reader::fail(key, (sep == std::string::npos ? std::string("not a URL") : "unsupported scheme '" + scheme + "'") +
                          " (expected " + allowed + ")");
}

// Provider endpoints must be https, except on loopback where the tests' fakes listen.
void validate_endpoint(std::string_view key, const std::string& url) {
    auto parsed = http::parse_absolute_url(url);
    if (!parsed) Reader::fail(key, "must be an absolute http(s) URL (got '" + url + "')");
    const auto& o = parsed->origin;
    const bool loopback = o.starts_with("http://127.0.0.1") || o.starts_with("http://[::1]") || o.starts_with("http://localhost");
    if (!o.starts_with("https://") && !loopback) Reader::fail(key, "must use https (got '" + url + "')");
    if (url.find('?') != std::string::npos || url.find('#') != std::string::npos)
        Reader::fail(key, "must not carry a query or fragment (got '" + url + "')");
}

void read_provider(const Reader& r, const std::string& prefix, const char* identity_key, OAuthProviderSettings& p) {
    r.string(prefix + "_CLIENT_ID", p.client_id);
    r.string(prefix + "_CLIENT_SECRET", p.client_secret);
    r.string(prefix + "_AUTHORIZATION_URL", p.authorization_url);
    r.string(prefix + "_TOKEN_URL", p.token_url);
    r.string(prefix + "_" + identity_key, p.identity_url);
    if (p.enabled() && p.client_secret.empty())
        Reader::fail(prefix + "_CLIENT_SECRET", "is required when " + prefix + "_CLIENT_ID is set");
    validate_endpoint(prefix + "_AUTHORIZATION_URL", p.authorization_url);
    validate_endpoint(prefix + "_TOKEN_URL", p.token_url);
    validate_endpoint(prefix + "_" + identity_key, p.identity_url);
    while (p.identity_url.ends_with('/')) p.identity_url.pop_back();
}

}  // namespace

std::string Settings::sqlite_path() const {
    constexpr std::string_view prefix = "sqlite://";
    return database_url.starts_with(prefix) ? database_url.substr(prefix.size()) : std::string();
}

std::chrono::milliseconds parse_duration(std::string_view text) {
    text = trim(text);
    long long n = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || n < 0) throw std::invalid_argument("bad duration");
    std::string_view unit(ptr, static_cast<std::size_t>(text.data() + text.size() - ptr));
    long long factor = 0;
    if (unit.empty() || unit == "s") factor = 1000;
    else if (unit == "ms") factor = 1;
    else if (unit == "m") factor = 60'000;
    else if (unit == "h") factor = 3'600'000;
    else if (unit == "d") factor = 86'400'000;
    else throw std::invalid_argument("bad duration unit");
    if (n > (1LL << 40)) throw std::invalid_argument("duration too large");
    return std::chrono::milliseconds(n * factor);
}

std::string mask_url(std::string_view url) {
    auto sep = url.find("://");
    if (sep == std::string_view::npos) return std::string(url);
    auto authority_start = sep + 3;
    auto authority_end = url.find_first_of("/?#", authority_start);
    auto authority = url.substr(authority_start, authority_end == std::string_view::npos ? std::string_view::npos
                                                                                          : authority_end - authority_start);
    auto at = authority.rfind('@');
    if (at == std::string_view::npos) return std::string(url);
    auto userinfo = authority.substr(0, at);
    auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) return std::string(url);
    std::string out(url.substr(0, authority_start));
    out += userinfo.substr(0, colon);
    out += ":***";
    out += url.substr(authority_start + at);
    return out;
}

Env merged_environment(const std::string& dotenv_path) {
    Env env = read_dotenv_file(dotenv_path);
    for (char** e = environ; e && *e; ++e) {
        std::string_view kv(*e);
        auto eq = kv.find('=');
        if (eq == std::string_view::npos) continue;
        env.insert_or_assign(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
    return env;
}

Settings load_settings(const Env& env) {
    Settings s;
    Reader r(env);
    r.string("HOST", s.host);
    {
        boost::system::error_code ec;
        boost::asio::ip::make_address(s.host, ec);
        if (ec && s.host != "localhost") Reader::fail("HOST", "must be an IP address such as 127.0.0.1 or 0.0.0.0 (got '" + s.host + "')");
    }
    r.integer("PORT", s.port, 0, 65535);
    r.string("DATA_DIR", s.data_dir);
    s.database_url = "sqlite://" + s.data_dir + "/starter.db";
    r.string("DATABASE_URL", s.database_url);
    validate_database_url(s.database_url);
    r.integer("DATABASE_POOL_SIZE", s.database_pool_size, 1, 1000);
    r.duration("DATABASE_ACQUIRE_TIMEOUT", s.database_acquire_timeout);
    r.string("REDIS_URL", s.redis_url);
    validate_url_scheme("REDIS_URL", s.redis_url, {"redis", "rediss"});
    r.string("SMTP_URL", s.smtp_url);
    validate_url_scheme("SMTP_URL", s.smtp_url, {"smtp", "smtps"});
    r.string("MAIL_FROM", s.mail_from);
    if (s.mail_from.find('@') == std::string::npos) Reader::fail("MAIL_FROM", "must contain an email address");
    r.string("APP_NAME", s.app_name);
    r.string("APP_URL", s.app_url);
    validate_url_scheme("APP_URL", s.app_url, {"http", "https"});

    std::string format = "console";
    r.string("LOG_FORMAT", format);
    if (format == "console") s.log_format = LogFormat::console;
    else if (format == "json") s.log_format = LogFormat::json;
    else Reader::fail("LOG_FORMAT", "must be console or json (got '" + format + "')");

    r.string("LOG_LEVEL", s.log_level);
    std::transform(s.log_level.begin(), s.log_level.end(), s.log_level.begin(), [](unsigned char c) { return std::tolower(c); });
    if (s.log_level == "warn") s.log_level = "warning";
    static constexpr std::string_view levels[] = {"trace", "debug", "info", "warning", "error", "critical", "off"};
    if (std::find(std::begin(levels), std::end(levels), s.log_level) == std::end(levels))
        Reader::fail("LOG_LEVEL", "must be one of trace, debug, info, warning, error, critical, off (got '" + s.log_level + "')");

    if (auto v = r.raw("TRUSTED_PROXIES")) {
        for (const auto& item : split_list(*v)) {
            auto cidr = http::Cidr::parse(item);
            if (!cidr) Reader::fail("TRUSTED_PROXIES", "'" + item + "' is not an IP address or CIDR network");
            s.trusted_proxies.push_back(*cidr);
        }
    }
    if (auto v = r.raw("CORS_ALLOW_ORIGINS")) {
        for (auto& origin : split_list(*v)) {
            if (origin != "*" && !(origin.starts_with("http://") || origin.starts_with("https://")))
                Reader::fail("CORS_ALLOW_ORIGINS", "'" + origin + "' is not an origin such as https://app.example.com or *");
            while (origin.size() > 1 && origin.back() == '/') origin.pop_back();
            s.cors_allow_origins.push_back(origin);
        }
    }

    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    s.io_threads = cores;
    // SQLite answers in microseconds without waiting on a network, so workers beyond the
    // cores only add thread wake-ups (bench/RESULTS.md: 2 workers on 2 cores serve @me 40%
    // faster than 4); PostgreSQL workers spend much of their time waiting on round trips.
    s.worker_threads = s.database_url.starts_with("sqlite://") ? std::max(2, cores) : std::max(4, 2 * cores);
    r.integer("IO_THREADS", s.io_threads, 1, 256);
    r.integer("WORKER_THREADS", s.worker_threads, 1, 1024);
    r.integer("HTTP_MAX_QUEUED_REQUESTS", s.max_queued_requests, 1, 1'000'000);
    r.duration("HTTP_HEADER_TIMEOUT", s.header_timeout);
    r.duration("HTTP_IDLE_TIMEOUT", s.idle_timeout);
    r.duration("SHUTDOWN_TIMEOUT", s.shutdown_timeout);

    auto boolean = [&](std::string_view key, bool& out) {
        auto v = r.raw(key);
        if (!v) return;
        auto t = std::string(trim(*v));
        if (t == "true" || t == "1" || t == "yes") out = true;
        else if (t == "false" || t == "0" || t == "no") out = false;
        else Reader::fail(key, "must be true or false (got '" + t + "')");
    };
    boolean("RATE_LIMITS_ENABLED", s.rate_limits_enabled);
    boolean("RATE_LIMIT_FAIL_CLOSED", s.rate_limit_fail_closed);
    // Credentials must never cross the network in clear: on by default when the URL has a
    // password. smtps:// is TLS from the first byte whatever this says.
    s.smtp_require_tls = url_has_password(s.smtp_url);
    boolean("SMTP_REQUIRE_TLS", s.smtp_require_tls);
    if (auto v = r.raw("RATE_LIMIT_MULTIPLIER")) {
        try {
            std::size_t used = 0;
            s.rate_limit_multiplier = std::stod(std::string(trim(*v)), &used);
            if (used != trim(*v).size() || !(s.rate_limit_multiplier > 0)) throw std::invalid_argument("x");
        } catch (const std::exception&) {
            Reader::fail("RATE_LIMIT_MULTIPLIER", "must be a positive number (got '" + std::string(trim(*v)) + "')");
        }
    }
    r.string("RATE_LIMIT_PRIMARY", s.rate_limit_primary);
    r.string("LOGIN_FAILURE_LIMIT", s.login_failure_limit);
    r.string("RATE_LIMIT_NAMESPACE", s.rate_limit_namespace);
    r.integer("RATE_LIMIT_MEMORY_MB", s.rate_limit_memory_mb, 1, 1 << 20);
    for (auto [key, value] : {std::pair<const char*, const std::string*>{"RATE_LIMIT_PRIMARY", &s.rate_limit_primary},
                              {"LOGIN_FAILURE_LIMIT", &s.login_failure_limit}}) {
        // Same syntax as route declarations: N/second|minute|hour|day, e.g. 10/15minute.
        auto slash = value->find('/');
        bool ok = slash != std::string::npos && slash > 0 &&
                  std::all_of(value->begin(), value->begin() + static_cast<long>(slash), [](unsigned char c) { return std::isdigit(c); });
        if (ok) {
            std::string unit = value->substr(slash + 1);
            while (!unit.empty() && std::isdigit(static_cast<unsigned char>(unit.front()))) unit.erase(0, 1);
            if (unit.size() > 1 && unit.back() == 's') unit.pop_back();
            ok = unit == "second" || unit == "minute" || unit == "hour" || unit == "day";
        }
        if (!ok) Reader::fail(key, "must look like 5000/hour or 10/15minute (got '" + *value + "')");
    }

    s.geoip_database_path = s.data_dir + "/GeoLite2-City.mmdb";
    r.string("GEOIP_DATABASE_PATH", s.geoip_database_path);
    r.string("UA_REGEXES_PATH", s.ua_regexes_path);
    s.swagger_ui_dir = s.data_dir + "/swagger-ui";
    r.string("SWAGGER_UI_DIR", s.swagger_ui_dir);

    r.integer("ARGON2_TIME_COST", s.argon2_time_cost, 1, 100);
    r.integer("ARGON2_MEMORY_KIB", s.argon2_memory_kib, 8, 4 * 1024 * 1024);
    r.integer("ARGON2_PARALLELISM", s.argon2_parallelism, 1, 64);
    s.argon2_max_concurrent = cores;
    r.integer("ARGON2_MAX_CONCURRENT", s.argon2_max_concurrent, 1, 1024);
    r.duration("SESSION_IDLE_TIMEOUT", s.session_idle_timeout);
    r.duration("SESSION_MAX_AGE", s.session_max_age);
    if (s.session_idle_timeout.count() <= 0 || s.session_max_age.count() <= 0)
        Reader::fail("SESSION_MAX_AGE", "session timeouts must be positive");
    r.integer("SESSION_CACHE_SIZE", s.session_cache_size, 0, 10'000'000);

    // PORT=0 (any free port) cannot make a callback URL: such setups must set PUBLIC_URL.
    s.public_url = s.port ? "http://localhost:" + std::to_string(s.port) : "http://localhost";
    r.string("PUBLIC_URL", s.public_url);
    while (s.public_url.ends_with('/')) s.public_url.pop_back();
    if (auto u = http::parse_absolute_url(s.public_url); !u || (!u->rest.empty()))
        Reader::fail("PUBLIC_URL", "must be the origin browsers reach this server at, e.g. https://api.example.com (got '" +
                                       s.public_url + "')");
    read_provider(r, "GOOGLE", "JWKS_URL", s.google);
    read_provider(r, "FACEBOOK", "GRAPH_URL", s.facebook);
    if (auto v = r.raw("OAUTH_REDIRECT_ALLOWED_ORIGINS")) {
        for (const auto& item : split_list(*v)) {
            auto u = http::parse_absolute_url(item);
            if (!u || !(u->rest.empty() || u->rest == "/"))
                Reader::fail("OAUTH_REDIRECT_ALLOWED_ORIGINS", "'" + item + "' is not an origin such as https://app.example.com");
            s.oauth_redirect_allowed_origins.push_back(u->origin);
        }
    } else if (auto app = http::parse_absolute_url(s.app_url)) {
        s.oauth_redirect_allowed_origins.push_back(app->origin);
    }
    r.duration("OAUTH_HTTP_TIMEOUT", s.oauth_http_timeout);
    if (s.oauth_http_timeout.count() <= 0) Reader::fail("OAUTH_HTTP_TIMEOUT", "must be positive");

    r.string("SENTRY_DSN", s.sentry_dsn);
    if (!s.sentry_dsn.empty() && !observe::SentryDsn::parse(s.sentry_dsn))
        Reader::fail("SENTRY_DSN", "must look like https://<public key>@<host>/<project id> (copy it from the project's settings)");
    r.string("SENTRY_ENVIRONMENT", s.sentry_environment);
    if (auto v = r.raw("SENTRY_SAMPLE_RATE")) {
        try {
            std::size_t used = 0;
            s.sentry_sample_rate = std::stod(std::string(trim(*v)), &used);
            if (used != trim(*v).size() || s.sentry_sample_rate < 0 || s.sentry_sample_rate > 1) throw std::invalid_argument("x");
        } catch (const std::exception&) {
            Reader::fail("SENTRY_SAMPLE_RATE", "must be a number from 0 to 1 (got '" + std::string(trim(*v)) + "')");
        }
    }

    if (auto v = r.raw("JOBS_IN_PROCESS")) {
        auto t = std::string(trim(*v));
        if (t == "true" || t == "1" || t == "yes") s.jobs_in_process = true;
        else if (t == "false" || t == "0" || t == "no") s.jobs_in_process = false;
        else Reader::fail("JOBS_IN_PROCESS", "must be true or false (got '" + t + "')");
    }
    r.integer("JOB_THREADS", s.job_threads, 1, 256);
    r.duration("JOB_POLL_INTERVAL", s.job_poll_interval);
    r.duration("JOB_RETRY_DELAY", s.job_retry_delay);
    r.duration("JOB_LEASE", s.job_lease);
    r.integer("JOB_MAX_ATTEMPTS", s.job_max_attempts, 1, 100);
    r.duration("JOB_RETRY_MAX_DELAY", s.job_retry_max_delay);
    r.duration("JOB_RETENTION", s.job_retention);
    return s;
}

}  // namespace config
