#pragma once
// Typed application settings read from the environment and an optional .env file.
#include "config/dotenv.hpp"
#include "geo/updater.hpp"
#include "http/server_options.hpp"
#include "jobs/worker.hpp"
#include "oauth/oidc.hpp"
#include "observe/sentry.hpp"
#include "ratelimit/limiter.hpp"
#include "security/breached.hpp"
#include "security/password_hasher.hpp"
#include "sessions/session_store.hpp"
#include "webauthn/webauthn.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
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
    std::string identity_url;  // Google: the JWKS; Facebook: the Graph API base; GitHub: the REST API base
    bool enabled() const { return !client_id.empty(); }
};

// Every setting, as load_settings() leaves it. The defaults, limits and documentation of
// each live in one row of the table in settings.cpp, not here. A component's settings are
// its own options struct, so the wiring hands them over as they are.
struct Settings {
    std::string data_dir;
    std::string database_url;  // sqlite://PATH or postgresql://...
    int database_pool_size{};
    std::chrono::milliseconds database_acquire_timeout{};
    ratelimit::RedisOptions redis;  // empty url: in-process stores
    // 64 hex digits (checked); empty: SQLite keeps a generated key file under DATA_DIR.
    std::string data_encryption_key;
    std::vector<std::string> data_encryption_keys_previous;  // before a rotation (64 hex each)
    std::string smtp_url;                                    // empty: .eml files under DATA_DIR/outbox
    bool smtp_require_tls{};
    std::string mail_from;
    std::string app_name;
    std::string app_url;
    LogFormat log_format{};
    std::string log_level;
    http::ServerOptions server;
    std::vector<std::string> cors_allow_origins;

    ratelimit::LimiterOptions rate_limits;
    std::optional<ratelimit::Limit> login_failure_limit;
    int rate_limit_memory_mb{};  // budget of the in-process store (no REDIS_URL)

    // Device and location of requests.
    std::string geoip_database_path;
    geo::UpdateOptions geoip_updates;  // MaxMind downloads; off without an account
    std::string ua_regexes_path;

    // API docs: Swagger UI files (npm swagger-ui-dist).
    std::string swagger_ui_dir;
    bool development{};  // ENVIRONMENT=development
    bool account_app{};  // /account
    // /dev/mail: in development, when emails are .eml files.
    bool dev_mailbox() const { return development && smtp_url.empty(); }

    security::Argon2Params argon2;
    security::BreachCheckOptions breached_passwords;  // Have I Been Pwned
    ::sessions::SessionPolicy sessions;
    // PostgreSQL: tokens whose session and user `serve` keeps in memory for @me, kept
    // current by LISTEN/NOTIFY (0: off, every request reads the database).
    int session_cache_size{};
    std::chrono::milliseconds security_events_retention{};  // then the security activity goes
    std::chrono::milliseconds account_deletion_grace{};     // from a deletion request to the erasure

    // Social sign-in.
    std::string public_url;                    // where browsers reach this server
    std::vector<std::string> oauth_providers;  // OAUTH_PROVIDERS as given (empty: unset)
    // The providers that are on, in the order to show them: OAUTH_PROVIDERS, or when it is
    // unset google, facebook and github where a client id is set.
    std::vector<std::string> sign_in_providers() const;
    OAuthProviderSettings google;
    OAuthProviderSettings facebook;
    OAuthProviderSettings github;
    std::vector<oauth::OidcSettings> oidc_providers;  // OAUTH_PROVIDERS' own OpenID Connect providers
    std::vector<std::string> oauth_redirect_allowed_origins;
    // Where redirect_to may point: the setting's origins, and this server's own while it
    // serves the account app (which signs in through PUBLIC_URL/account).
    std::vector<std::string> oauth_redirect_origins() const;
    std::chrono::milliseconds oauth_http_timeout{};

    webauthn::RelyingParty webauthn;  // passkeys: RP id, name (APP_NAME) and allowed origins

    observe::SentryOptions sentry;  // its release is the build's, not a setting

    bool jobs_in_process{};  // worker threads inside `serve`
    ::jobs::WorkerOptions jobs;

    // Where the generated data-encryption key lives when DATA_ENCRYPTION_KEY is unset.
    std::string data_key_file() const { return data_dir + "/data-encryption.key"; }
    bool uses_postgres() const { return database_url.starts_with("postgresql://") || database_url.starts_with("postgres://"); }
    // The SQLite file path when the database is SQLite.
    std::string sqlite_path() const;
};

// Builds settings from `env` (already merged: environment over .env), every unset one from
// its default. Throws ConfigError.
Settings load_settings(const Env& env);

// What the settings table says, for people: `--help`, `.env.example` and docs/operations.md's
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
