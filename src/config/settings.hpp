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

// Every setting, as load_settings() leaves it. The defaults, limits and documentation of
// each live in one row of the table in settings.cpp, not here.
struct Settings {
    std::string host;
    std::uint16_t port{};
    std::string data_dir;
    std::string database_url;  // sqlite://PATH or postgresql://...
    int database_pool_size{};
    std::chrono::milliseconds database_acquire_timeout{};
    std::string redis_url;  // empty: in-process stores
    std::string smtp_url;   // empty: .eml files under DATA_DIR/outbox
    bool smtp_require_tls{};
    std::string mail_from;
    std::string app_name;
    std::string app_url;
    LogFormat log_format{};
    std::string log_level;
    std::vector<http::Cidr> trusted_proxies;
    std::vector<std::string> cors_allow_origins;
    int worker_threads{};
    int io_threads{};
    std::size_t max_body_bytes = 64 * 1024;  // not a setting: API.md fixes it
    std::chrono::milliseconds header_timeout{};
    std::chrono::milliseconds idle_timeout{};
    std::chrono::milliseconds shutdown_timeout{};
    std::size_t max_queued_requests{};

    // Rate limits.
    bool rate_limits_enabled{};
    double rate_limit_multiplier{};
    bool rate_limit_fail_closed{};
    std::string rate_limit_primary;
    std::string login_failure_limit;
    std::string rate_limit_namespace;  // key prefix, to share one Redis between deployments
    int rate_limit_memory_mb{};        // budget of the in-process store (no REDIS_URL)

    // Device and location of requests.
    std::string geoip_database_path;  // default: DATA_DIR/GeoLite2-City.mmdb
    std::string ua_regexes_path;

    // API docs: Swagger UI files (npm swagger-ui-dist); default DATA_DIR/swagger-ui.
    std::string swagger_ui_dir;

    // Passwords and sessions.
    std::uint32_t argon2_time_cost{};
    std::uint32_t argon2_memory_kib{};
    std::uint32_t argon2_parallelism{};
    int argon2_max_concurrent{};
    std::chrono::milliseconds session_idle_timeout{};
    std::chrono::milliseconds session_max_age{};
    // PostgreSQL: tokens whose session and user `serve` keeps in memory for @me, kept
    // current by LISTEN/NOTIFY (0: off, every request reads the database).
    int session_cache_size{};

    // Social sign-in.
    std::string public_url;  // where browsers reach this server; default http://localhost:PORT
    OAuthProviderSettings google;
    OAuthProviderSettings facebook;
    std::vector<std::string> oauth_redirect_allowed_origins;  // default: APP_URL's origin
    std::chrono::milliseconds oauth_http_timeout{};

    // Error reporting.
    std::string sentry_dsn;  // empty: off
    std::string sentry_environment;
    double sentry_sample_rate{};

    // Job worker (outbox delivery).
    bool jobs_in_process{};  // worker threads inside `serve`
    int job_threads{};
    std::chrono::milliseconds job_poll_interval{};
    std::chrono::milliseconds job_retry_delay{};  // first retry; doubled per attempt
    std::chrono::milliseconds job_lease{};
    int job_max_attempts{};
    std::chrono::milliseconds job_retry_max_delay{};
    std::chrono::milliseconds job_retention{};

    bool uses_postgres() const { return database_url.starts_with("postgresql://") || database_url.starts_with("postgres://"); }
    // The SQLite file path when the database is SQLite.
    std::string sqlite_path() const;
};

// Builds settings from `env` (already merged: environment over .env), every unset one from
// its default. Throws ConfigError.
Settings load_settings(const Env& env);

// What the settings table says, for people: `--help`, `.env.example` and the README's
// table (`starter settings --help|--env|--markdown`; tests keep the files equal to these).
std::string settings_help();
std::string settings_env_example();
std::string settings_markdown();

// The process environment merged over the given .env file (the environment wins).
Env merged_environment(const std::string& dotenv_path);

// "postgresql://user:secret@host/db" -> "postgresql://user:***@host/db"; other text unchanged.
std::string mask_url(std::string_view url);

// "90", "90s", "15m", "2h", "14d", "250ms" -> milliseconds. Throws std::invalid_argument.
std::chrono::milliseconds parse_duration(std::string_view text);

}  // namespace config
