#pragma once
// Typed application settings read from the environment and an optional .env file.
#include "config/dotenv.hpp"
#include "http/client_ip.hpp"

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace config {

// A bad setting. The message is one line naming the variable, e.g.
// "DATABASE_URL: unsupported scheme 'mysql'". It never contains a secret.
struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class LogFormat { console, json };

// One social sign-in provider. Empty client_id: the provider is disabled.
struct OAuthProviderSettings {
    std::string client_id;
    std::string client_secret;
    std::string authorization_url;
    std::string token_url;
    std::string identity_url;  // Google: the JWKS; Facebook: the Graph API base
    bool enabled() const { return !client_id.empty(); }
};

struct Settings {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8000;
    std::string data_dir = "./data";
    std::string database_url;  // sqlite://PATH or postgresql://...
    int database_pool_size = 8;
    std::chrono::milliseconds database_acquire_timeout{5000};
    std::string redis_url;  // empty: in-process stores
    std::string smtp_url;   // empty: .eml files under DATA_DIR/outbox
    bool smtp_require_tls = false;  // SMTP_REQUIRE_TLS; defaults to on when SMTP_URL holds a password
    std::string mail_from = "Starter <no-reply@localhost>";
    std::string app_name = "Starter";
    std::string app_url = "http://localhost:3000";
    LogFormat log_format = LogFormat::console;
    std::string log_level = "info";
    std::vector<http::Cidr> trusted_proxies;
    std::vector<std::string> cors_allow_origins;
    int worker_threads = 0;  // resolved at load: never 0 afterwards
    int io_threads = 0;
    std::size_t max_body_bytes = 64 * 1024;
    std::chrono::milliseconds header_timeout{10'000};
    std::chrono::milliseconds idle_timeout{60'000};
    std::chrono::milliseconds shutdown_timeout{10'000};
    std::size_t max_queued_requests = 4096;

    // Rate limits.
    bool rate_limits_enabled = true;
    double rate_limit_multiplier = 1.0;
    bool rate_limit_fail_closed = false;
    std::string rate_limit_primary = "5000/hour";
    std::string login_failure_limit = "10/15minute";
    std::string rate_limit_namespace;  // key prefix, to share one Redis between deployments
    int rate_limit_memory_mb = 64;     // budget of the in-process store (no REDIS_URL)

    // Device and location of requests.
    std::string geoip_database_path;  // default: DATA_DIR/GeoLite2-City.mmdb
    std::string ua_regexes_path = "/usr/share/uap-core/regexes.yaml";

    // API docs: Swagger UI files (npm swagger-ui-dist); default DATA_DIR/swagger-ui.
    std::string swagger_ui_dir;

    // Passwords and sessions.
    std::uint32_t argon2_time_cost = 3;
    std::uint32_t argon2_memory_kib = 64 * 1024;
    std::uint32_t argon2_parallelism = 4;
    int argon2_max_concurrent = 0;  // resolved at load: cores
    std::chrono::milliseconds session_idle_timeout{std::chrono::hours(24 * 14)};
    std::chrono::milliseconds session_max_age{std::chrono::hours(24 * 30)};
    // PostgreSQL: tokens whose session and user `serve` keeps in memory for @me, kept
    // current by LISTEN/NOTIFY (0: off, every request reads the database).
    int session_cache_size = 10'000;

    // Social sign-in.
    std::string public_url;  // where browsers reach this server; default http://localhost:PORT
    OAuthProviderSettings google{"", "", "https://accounts.google.com/o/oauth2/v2/auth", "https://oauth2.googleapis.com/token",
                                 "https://www.googleapis.com/oauth2/v3/certs"};
    OAuthProviderSettings facebook{"", "", "https://www.facebook.com/v19.0/dialog/oauth",
                                   "https://graph.facebook.com/v19.0/oauth/access_token", "https://graph.facebook.com/v19.0"};
    std::vector<std::string> oauth_redirect_allowed_origins;  // default: APP_URL's origin
    std::chrono::milliseconds oauth_http_timeout{10'000};

    // Error reporting.
    std::string sentry_dsn;  // empty: off
    std::string sentry_environment = "production";
    double sentry_sample_rate = 1.0;

    // Job worker (outbox delivery).
    bool jobs_in_process = true;  // worker threads inside `serve`
    int job_threads = 2;
    std::chrono::milliseconds job_poll_interval{1000};
    std::chrono::milliseconds job_retry_delay{30'000};  // first retry; doubled per attempt
    std::chrono::milliseconds job_lease{5 * 60'000};
    int job_max_attempts = 5;
    std::chrono::milliseconds job_retry_max_delay{15 * 60'000};
    std::chrono::milliseconds job_retention{7LL * 24 * 3600 * 1000};

    bool uses_postgres() const { return database_url.starts_with("postgresql://") || database_url.starts_with("postgres://"); }
    // The SQLite file path when the database is SQLite.
    std::string sqlite_path() const;
};

// Builds settings from `env` (already merged: environment over .env). Throws ConfigError.
Settings load_settings(const Env& env);

// The process environment merged over the given .env file (the environment wins).
Env merged_environment(const std::string& dotenv_path);

// "postgresql://user:secret@host/db" -> "postgresql://user:***@host/db"; other text unchanged.
std::string mask_url(std::string_view url);

// "90", "90s", "15m", "2h", "14d", "250ms" -> milliseconds. Throws std::invalid_argument.
std::chrono::milliseconds parse_duration(std::string_view text);

}  // namespace config
