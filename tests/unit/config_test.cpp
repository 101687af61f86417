#include "config/settings.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

using config::ConfigError;
using config::Env;
using config::load_settings;

TEST(Dotenv, ParsesPlainQuotedExportedAndCommentedLines) {
    auto env = config::parse_dotenv(
        "# a comment\n"
        "\n"
        "HOST=0.0.0.0\n"
        "export PORT=9000\n"
        "APP_NAME=\"My App\"  # trailing comment\n"
        "MAIL_FROM='Team <team@example.com>'\n"
        "MULTI=\"a\\nb\"\n"
        "BARE=value # comment\n"
        "EMPTY=\n"
        "WINDOWS=crlf\r\n");
    EXPECT_EQ(env.at("HOST"), "0.0.0.0");
    EXPECT_EQ(env.at("PORT"), "9000");
    EXPECT_EQ(env.at("APP_NAME"), "My App");
    EXPECT_EQ(env.at("MAIL_FROM"), "Team <team@example.com>");
    EXPECT_EQ(env.at("MULTI"), "a\nb");
    EXPECT_EQ(env.at("BARE"), "value");
    EXPECT_EQ(env.at("EMPTY"), "");
    EXPECT_EQ(env.at("WINDOWS"), "crlf");
}

TEST(Dotenv, RejectsMalformedLinesNamingTheLine) {
    try {
        config::parse_dotenv("OK=1\nthis is not a setting\n");
        FAIL() << "expected DotenvError";
    } catch (const config::DotenvError& e) {
        EXPECT_STREQ(e.what(), ".env line 2: expected KEY=VALUE");
    }
    EXPECT_THROW(config::parse_dotenv("KEY=\"unterminated\n"), config::DotenvError);
    EXPECT_THROW(config::parse_dotenv("1KEY=x\n"), config::DotenvError);
}

TEST(Settings, DefaultsGiveTheEmbeddedSetup) {
    auto s = load_settings({});
    EXPECT_EQ(s.server.host, "127.0.0.1");
    EXPECT_EQ(s.server.port, 8000);
    EXPECT_EQ(s.database_url, "sqlite://./data/starter.db");
    EXPECT_EQ(s.sqlite_path(), "./data/starter.db");
    EXPECT_FALSE(s.uses_postgres());
    EXPECT_EQ(s.log_format, config::LogFormat::console);
    EXPECT_GE(s.server.worker_threads, 1);
    EXPECT_GE(s.server.io_threads, 1);
    EXPECT_EQ(s.server.max_body_bytes, 64u * 1024);
}

TEST(Settings, WorkerThreadsDefaultFollowsTheDatabase) {
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    // SQLite never waits on a network: one worker per core (at least 2).
    EXPECT_EQ(load_settings({}).server.worker_threads, std::max(2, cores));
    // PostgreSQL workers wait on round trips: more of them than cores.
    EXPECT_EQ(load_settings({{"DATABASE_URL", "postgresql://u@127.0.0.1/db"}}).server.worker_threads, std::max(4, 2 * cores));
    // Rate limits in Redis are asked by the io threads, so they do not add workers.
    EXPECT_EQ(load_settings({{"REDIS_URL", "redis://127.0.0.1:6379/0"}}).server.worker_threads, std::max(2, cores));
    // An explicit value wins either way.
    EXPECT_EQ(load_settings({{"DATABASE_URL", "postgresql://u@127.0.0.1/db"}, {"WORKER_THREADS", "3"}}).server.worker_threads, 3);
}

TEST(Settings, DatabaseDefaultFollowsDataDir) {
    auto s = load_settings({{"DATA_DIR", "/var/lib/starter"}});
    EXPECT_EQ(s.database_url, "sqlite:///var/lib/starter/starter.db");
    EXPECT_EQ(s.sqlite_path(), "/var/lib/starter/starter.db");
}

TEST(Settings, ReadsEveryDocumentedVariable) {
    auto s = load_settings({{"HOST", "0.0.0.0"},
                            {"PORT", "9000"},
                            {"DATABASE_URL", "postgresql://app:pw@db:5432/app"},
                            {"DATABASE_POOL_SIZE", "20"},
                            {"REDIS_URL", "redis://127.0.0.1:6379/0"},
                            {"SMTP_URL", "smtp://user:pw@mail:587"},
                            {"MAIL_FROM", "App <app@example.com>"},
                            {"APP_NAME", "App"},
                            {"APP_URL", "https://app.example.com"},
                            {"LOG_FORMAT", "json"},
                            {"LOG_LEVEL", "WARN"},
                            {"TRUSTED_PROXIES", "10.0.0.0/8, ::1"},
                            {"CORS_ALLOW_ORIGINS", "https://app.example.com/,http://localhost:3000"},
                            {"WORKER_THREADS", "6"},
                            {"IO_THREADS", "3"},
                            {"HTTP_HEADER_TIMEOUT", "5s"},
                            {"HTTP_IDLE_TIMEOUT", "2m"},
                            {"SHUTDOWN_TIMEOUT", "1500ms"}});
    EXPECT_EQ(s.server.host, "0.0.0.0");
    EXPECT_EQ(s.server.port, 9000);
    EXPECT_TRUE(s.uses_postgres());
    EXPECT_EQ(s.database_pool_size, 20);
    EXPECT_EQ(s.redis.url, "redis://127.0.0.1:6379/0");
    EXPECT_EQ(s.log_format, config::LogFormat::json);
    EXPECT_EQ(s.log_level, "warning");
    ASSERT_EQ(s.server.trusted_proxies.size(), 2u);
    EXPECT_EQ(s.server.trusted_proxies[0].to_string(), "10.0.0.0/8");
    EXPECT_EQ(s.cors_allow_origins, (std::vector<std::string>{"https://app.example.com", "http://localhost:3000"}));
    EXPECT_EQ(s.server.worker_threads, 6);
    EXPECT_EQ(s.server.io_threads, 3);
    EXPECT_EQ(s.server.header_timeout, std::chrono::seconds(5));
    EXPECT_EQ(s.server.idle_timeout, std::chrono::minutes(2));
    EXPECT_EQ(s.server.shutdown_timeout, std::chrono::milliseconds(1500));
}

void expect_config_error(const Env& env, const std::string& message) {
    try {
        load_settings(env);
        FAIL() << "expected ConfigError: " << message;
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()), message);
    }
}

TEST(Settings, BadValuesNameTheVariableInOneLine) {
    expect_config_error({{"DATABASE_URL", "mysql://root@db/app"}},
                        "DATABASE_URL: unsupported scheme 'mysql' (use sqlite or postgresql)");
    expect_config_error({{"PORT", "70000"}}, "PORT: must be an integer from 0 to 65535 (got '70000')");
    expect_config_error({{"PORT", "80x"}}, "PORT: must be an integer from 0 to 65535 (got '80x')");
    expect_config_error({{"LOG_FORMAT", "xml"}}, "LOG_FORMAT: must be console or json (got 'xml')");
    expect_config_error({{"TRUSTED_PROXIES", "10.0.0.0/33"}},
                        "TRUSTED_PROXIES: '10.0.0.0/33' is not an IP address or CIDR network");
    expect_config_error({{"REDIS_URL", "http://cache"}},
                        "REDIS_URL: not a redis:// or rediss:// URL (expected redis[s]://[[user]:password@]host[:port][/db])");
    expect_config_error(
        {{"REDIS_URL", "redis://cache:6379x/0"}},
        "REDIS_URL: the port must be a number from 1 to 65535 (expected redis[s]://[[user]:password@]host[:port][/db])");
    // The TLS files: each must be readable, the client certificate comes with its key, and
    // they are for rediss:// only.
    expect_config_error({{"REDIS_URL", "rediss://cache"}, {"REDIS_TLS_CA_FILE", "/nonexistent/ca.pem"}},
                        "REDIS_TLS_CA_FILE: '/nonexistent/ca.pem' is not a file");
    expect_config_error({{"REDIS_URL", "rediss://cache"}, {"REDIS_TLS_CA_FILE", "/tmp"}},
                        "REDIS_TLS_CA_FILE: '/tmp' is not a file");
    expect_config_error({{"REDIS_URL", "rediss://cache"}, {"REDIS_TLS_CERT_FILE", "/etc/passwd"}},
                        "REDIS_TLS_KEY_FILE: is required with REDIS_TLS_CERT_FILE");
    expect_config_error({{"REDIS_URL", "rediss://cache"}, {"REDIS_TLS_KEY_FILE", "/etc/passwd"}},
                        "REDIS_TLS_CERT_FILE: is required with REDIS_TLS_KEY_FILE");
    expect_config_error({{"REDIS_URL", "redis://cache"}, {"REDIS_TLS_CA_FILE", "/etc/passwd"}},
                        "REDIS_TLS_CA_FILE: is for TLS to Redis: REDIS_URL must then be a rediss:// URL");
    expect_config_error({{"REDIS_TLS_CERT_FILE", "/etc/passwd"}, {"REDIS_TLS_KEY_FILE", "/etc/passwd"}},
                        "REDIS_TLS_CERT_FILE: is for TLS to Redis: REDIS_URL must then be a rediss:// URL");
    expect_config_error({{"HTTP_IDLE_TIMEOUT", "soon"}},
                        "HTTP_IDLE_TIMEOUT: must be a duration such as 30s, 15m, 2h or 14d (got 'soon')");
    expect_config_error({{"CORS_ALLOW_ORIGINS", "app.example.com"}},
                        "CORS_ALLOW_ORIGINS: 'app.example.com' is not an origin such as https://app.example.com or *");
    expect_config_error({{"WORKER_THREADS", "0"}}, "WORKER_THREADS: must be an integer from 1 to 1024 (got '0')");
}

TEST(Settings, ErrorsNeverEchoAPasswordFromAUrl) {
    try {
        load_settings({{"DATABASE_URL", "postgresqlx//admin:hunter2@db/app"}});
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
    }
    for (auto redis : {"rediss://:hunter2@cache:bad/0", "redis://app:hunter2@cache:bad/0"}) {
        try {
            load_settings({{"REDIS_URL", redis}});
            ADD_FAILURE() << redis << " was accepted";
        } catch (const ConfigError& e) {
            EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
        }
    }
}

TEST(Settings, EnvironmentWinsOverDotenvFile) {
    auto path = std::filesystem::temp_directory_path() / "starter-config-test.env";
    std::ofstream(path) << "APP_NAME=FromFile\nAPP_URL=https://file.example.com\n";
    ::setenv("APP_NAME", "FromEnvironment", 1);
    auto s = load_settings(config::merged_environment(path.string()));
    ::unsetenv("APP_NAME");
    std::filesystem::remove(path);
    EXPECT_EQ(s.app_name, "FromEnvironment");
    EXPECT_EQ(s.app_url, "https://file.example.com");
}

TEST(Settings, MissingDotenvFileIsFine) { EXPECT_NO_THROW(config::merged_environment("/nonexistent/.env")); }

TEST(MaskUrl, HidesPasswordsOnly) {
    EXPECT_EQ(config::mask_url("postgresql://app:s3cret@db:5432/app?sslmode=require"),
              "postgresql://app:***@db:5432/app?sslmode=require");
    EXPECT_EQ(config::mask_url("smtp://user:p%40ss@mail:587"), "smtp://user:***@mail:587");
    EXPECT_EQ(config::mask_url("redis://cache:6379/0"), "redis://cache:6379/0");
    EXPECT_EQ(config::mask_url("sqlite://./data/starter.db"), "sqlite://./data/starter.db");
    EXPECT_EQ(config::mask_url("redis://only-user@cache"), "redis://only-user@cache");
}

TEST(ParseDuration, UnderstandsUnits) {
    using namespace std::chrono;
    EXPECT_EQ(config::parse_duration("90"), seconds(90));
    EXPECT_EQ(config::parse_duration("250ms"), milliseconds(250));
    EXPECT_EQ(config::parse_duration("15m"), minutes(15));
    EXPECT_EQ(config::parse_duration("2h"), hours(2));
    EXPECT_EQ(config::parse_duration("14d"), hours(24 * 14));
    EXPECT_THROW(config::parse_duration("-1s"), std::invalid_argument);
    EXPECT_THROW(config::parse_duration("10 years"), std::invalid_argument);
    EXPECT_THROW(config::parse_duration(""), std::invalid_argument);
}

TEST(Settings, PasskeysFollowAppUrlAndRefuseOriginsOutsideTheRpId) {
    auto local = load_settings({});
    EXPECT_EQ(local.webauthn.id, "localhost");
    EXPECT_EQ(local.webauthn.name, "Starter");
    EXPECT_EQ(local.webauthn.origins, (std::vector<std::string>{"http://localhost:3000", "http://localhost:8000"}));
    // The API on another host than the app: only the app's origin by default.
    auto split = load_settings({{"APP_URL", "https://app.example.com"}, {"PUBLIC_URL", "https://api.example.net"}});
    EXPECT_EQ(split.webauthn.id, "app.example.com");
    EXPECT_EQ(split.webauthn.origins, std::vector<std::string>{"https://app.example.com"});
    auto parent = load_settings({{"APP_URL", "https://app.example.com"},
                                 {"WEBAUTHN_RP_ID", "Example.com"},
                                 {"WEBAUTHN_ORIGINS", "https://app.example.com, https://example.com"}});
    EXPECT_EQ(parent.webauthn.id, "example.com");
    EXPECT_EQ(parent.webauthn.origins.size(), 2u);
    expect_config_error({{"WEBAUTHN_RP_ID", "https://example.com"}},
                        "WEBAUTHN_RP_ID: must be a domain name such as example.com or localhost, without scheme or port (got "
                        "'https://example.com')");
    expect_config_error(
        {{"WEBAUTHN_RP_ID", "example.com"}, {"WEBAUTHN_ORIGINS", "https://evil.com"}},
        "WEBAUTHN_ORIGINS: 'https://evil.com' is not on WEBAUTHN_RP_ID 'example.com' or a subdomain of it (browsers "
        "would refuse its passkeys)");
    expect_config_error({{"DATA_ENCRYPTION_KEY", "hunter2"}},
                        "DATA_ENCRYPTION_KEY: must be 64 hex digits (generate one with: openssl rand -hex 32)");
}

TEST(Settings, SocialSignInIsOffUntilAClientIdIsGiven) {
    auto s = load_settings({{"PORT", "8000"}, {"APP_URL", "https://app.example.com/welcome"}});
    EXPECT_FALSE(s.google.enabled());
    EXPECT_FALSE(s.facebook.enabled());
    EXPECT_EQ(s.public_url, "http://localhost:8000");
    EXPECT_EQ(s.oauth_redirect_allowed_origins, (std::vector<std::string>{"https://app.example.com"}));
    EXPECT_EQ(s.google.token_url, "https://oauth2.googleapis.com/token");

    s = load_settings({{"GOOGLE_CLIENT_ID", "id.apps.googleusercontent.com"},
                       {"GOOGLE_CLIENT_SECRET", "s"},
                       {"GOOGLE_JWKS_URL", "http://127.0.0.1:9999/certs"},
                       {"FACEBOOK_CLIENT_ID", "123"},
                       {"FACEBOOK_CLIENT_SECRET", "s2"},
                       {"FACEBOOK_GRAPH_URL", "https://graph.facebook.com/v20.0/"},
                       {"PUBLIC_URL", "https://api.example.com/"},
                       {"OAUTH_REDIRECT_ALLOWED_ORIGINS", "https://app.example.com, http://localhost:5173"},
                       {"OAUTH_HTTP_TIMEOUT", "3s"}});
    EXPECT_TRUE(s.google.enabled());
    EXPECT_TRUE(s.facebook.enabled());
    EXPECT_EQ(s.google.identity_url, "http://127.0.0.1:9999/certs");
    EXPECT_EQ(s.facebook.identity_url, "https://graph.facebook.com/v20.0");
    EXPECT_EQ(s.public_url, "https://api.example.com");
    EXPECT_EQ(s.oauth_redirect_allowed_origins, (std::vector<std::string>{"https://app.example.com", "http://localhost:5173"}));
    EXPECT_EQ(s.oauth_http_timeout, std::chrono::seconds(3));
}

TEST(Settings, TheAccountAppsOwnOriginIsARedirectTargetOnlyWhileItIsServed) {
    auto production = load_settings({{"PORT", "8000"}, {"APP_URL", "https://app.example.com"}});
    EXPECT_EQ(production.oauth_redirect_origins(), (std::vector<std::string>{"https://app.example.com"}));
    auto development = load_settings({{"PORT", "8000"}, {"APP_URL", "https://app.example.com"}, {"ENVIRONMENT", "development"}});
    EXPECT_EQ(development.oauth_redirect_origins(),
              (std::vector<std::string>{"https://app.example.com", "http://localhost:8000"}));
    auto served = load_settings({{"PUBLIC_URL", "https://api.example.com"},
                                 {"OAUTH_REDIRECT_ALLOWED_ORIGINS", "https://api.example.com"},
                                 {"ACCOUNT_APP", "true"}});
    EXPECT_EQ(served.oauth_redirect_origins(), (std::vector<std::string>{"https://api.example.com"})) << "listed once";
}

TEST(Settings, SocialSignInMistakesAreCaughtAtStart) {
    expect_config_error({{"GOOGLE_CLIENT_ID", "id"}}, "GOOGLE_CLIENT_SECRET: is required when GOOGLE_CLIENT_ID is set");
    expect_config_error({{"FACEBOOK_TOKEN_URL", "http://graph.example.com/token"}},
                        "FACEBOOK_TOKEN_URL: must use https (got 'http://graph.example.com/token')");
    expect_config_error({{"GOOGLE_JWKS_URL", "certs"}}, "GOOGLE_JWKS_URL: must be an absolute http(s) URL (got 'certs')");
    expect_config_error(
        {{"OAUTH_REDIRECT_ALLOWED_ORIGINS", "https://app.example.com/path"}},
        "OAUTH_REDIRECT_ALLOWED_ORIGINS: 'https://app.example.com/path' is not an origin such as https://app.example.com");
    expect_config_error({{"PUBLIC_URL", "https://api.example.com/v1"}},
                        "PUBLIC_URL: must be the origin browsers reach this server at, e.g. https://api.example.com (got "
                        "'https://api.example.com/v1')");
}

TEST(Settings, SmtpRequiresTlsWheneverTheUrlCarriesAPassword) {
    EXPECT_FALSE(load_settings({}).smtp_require_tls);
    EXPECT_FALSE(load_settings({{"SMTP_URL", "smtp://mail.example.com:25"}}).smtp_require_tls);
    EXPECT_FALSE(load_settings({{"SMTP_URL", "smtp://user@mail.example.com:25"}}).smtp_require_tls);
    EXPECT_TRUE(load_settings({{"SMTP_URL", "smtp://user:secret@mail.example.com:587"}}).smtp_require_tls);
    EXPECT_FALSE(
        load_settings({{"SMTP_URL", "smtp://user:secret@mail.example.com:587"}, {"SMTP_REQUIRE_TLS", "false"}}).smtp_require_tls);
    EXPECT_TRUE(load_settings({{"SMTP_URL", "smtp://relay:25"}, {"SMTP_REQUIRE_TLS", "true"}}).smtp_require_tls);
    expect_config_error({{"SMTP_REQUIRE_TLS", "maybe"}}, "SMTP_REQUIRE_TLS: must be true or false (got 'maybe')");
}

TEST(Settings, GeoIpUpdatesNeedTheAccountAndTheKeyTogether) {
    EXPECT_FALSE(load_settings({}).geoip_updates.enabled());
    auto s = load_settings({{"GEOIP_ACCOUNT_ID", "123456"}, {"GEOIP_LICENSE_KEY", "secret-key"}});
    EXPECT_TRUE(s.geoip_updates.enabled());
    EXPECT_EQ(s.geoip_updates.interval, std::chrono::hours(24 * 7));
    EXPECT_EQ(s.geoip_updates.download_url, "https://download.maxmind.com/geoip/databases/GeoLite2-City/download");
    expect_config_error({{"GEOIP_ACCOUNT_ID", "123456"}}, "GEOIP_LICENSE_KEY: is required with GEOIP_ACCOUNT_ID");
    expect_config_error({{"GEOIP_LICENSE_KEY", "secret-key"}}, "GEOIP_ACCOUNT_ID: is required with GEOIP_LICENSE_KEY");
    expect_config_error({{"GEOIP_DOWNLOAD_URL", "http://mirror.example.com/GeoLite2-City"}},
                        "GEOIP_DOWNLOAD_URL: must use https (got 'http://mirror.example.com/GeoLite2-City')");
}

namespace {
std::string read_source(const std::string& relative) {
    std::ifstream in(std::string(STARTER_SOURCE_DIR) + "/" + relative, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
}  // namespace

TEST(Settings, EnvExampleAndTheOperationsGuidesTableAreMadeFromTheSettingsTable) {
    EXPECT_EQ(read_source(".env.example"), config::settings_env_example())
        << "regenerate it: ./build/starter settings --env > .env.example";
    EXPECT_NE(read_source("docs/operations.md").find(config::settings_markdown()), std::string::npos)
        << "paste `./build/starter settings --markdown` over the settings table of docs/operations.md";
}

TEST(Settings, EveryDocumentedDefaultIsWhatLoadingNothingGives) {
    // The example file, read as a .env, changes nothing: its values are the defaults.
    auto example = config::parse_dotenv(config::settings_env_example());
    auto from_example = load_settings(example);
    auto defaults = load_settings({});
    EXPECT_EQ(from_example.server.host, defaults.server.host);
    EXPECT_EQ(from_example.server.port, defaults.server.port);
    EXPECT_EQ(from_example.mail_from, defaults.mail_from);
    EXPECT_EQ(from_example.log_level, defaults.log_level);
    EXPECT_EQ(defaults.server.host, "127.0.0.1");
    EXPECT_EQ(defaults.jobs.retry.max_attempts, 5);
    EXPECT_EQ(defaults.jobs.retry.max_delay, std::chrono::minutes(15));
    EXPECT_EQ(defaults.jobs.done_retention, std::chrono::hours(24 * 7));
    EXPECT_EQ(defaults.google.token_url, "https://oauth2.googleapis.com/token");
    EXPECT_EQ(defaults.facebook.identity_url, "https://graph.facebook.com/v19.0");
    EXPECT_EQ(defaults.server.max_body_bytes, 64u * 1024);
}

TEST(Settings, OauthProvidersTurnsProvidersOnAndOffAndSetsUpOpenIdOnesByIssuer) {
    // Unset: the built-in providers that have a client id.
    EXPECT_TRUE(load_settings({}).sign_in_providers().empty());
    auto s = load_settings(
        {{"GITHUB_CLIENT_ID", "gh"}, {"GITHUB_CLIENT_SECRET", "x"}, {"GOOGLE_CLIENT_ID", "g"}, {"GOOGLE_CLIENT_SECRET", "y"}});
    EXPECT_EQ(s.sign_in_providers(), (std::vector<std::string>{"google", "github"}));

    // Listed: those, in that order; Google is off although it has a client id.
    s = load_settings({{"OAUTH_PROVIDERS", "Keycloak, github"},
                       {"GITHUB_CLIENT_ID", "gh"},
                       {"GITHUB_CLIENT_SECRET", "x"},
                       {"GOOGLE_CLIENT_ID", "g"},
                       {"OAUTH_KEYCLOAK_ISSUER", "https://sso.example.com/realms/main/"},
                       {"OAUTH_KEYCLOAK_CLIENT_ID", "starter"},
                       {"OAUTH_KEYCLOAK_CLIENT_SECRET", "s3cret"}});
    EXPECT_EQ(s.sign_in_providers(), (std::vector<std::string>{"keycloak", "github"}));
    ASSERT_EQ(s.oidc_providers.size(), 1u);
    EXPECT_EQ(s.oidc_providers[0].issuer, "https://sso.example.com/realms/main");
    EXPECT_EQ(s.oidc_providers[0].client_id, "starter");
    EXPECT_EQ(s.oidc_providers[0].scopes, "openid email profile");

    auto refused = [](const config::Env& env, const std::string& says) {
        try {
            load_settings(env);
            ADD_FAILURE() << "accepted; expected: " << says;
        } catch (const config::ConfigError& e) {
            EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
            EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << "a secret in the message";
        }
    };
    refused({{"OAUTH_PROVIDERS", "acme"}}, "OAUTH_ACME_ISSUER: is required when OAUTH_PROVIDERS names acme");
    refused({{"OAUTH_PROVIDERS", "my-idp"}, {"OAUTH_MY_IDP_ISSUER", "http://sso.example.com"}}, "OAUTH_MY_IDP_ISSUER: must be");
    refused({{"OAUTH_PROVIDERS", "acme"}, {"OAUTH_ACME_ISSUER", "https://sso.example.com"}, {"OAUTH_ACME_CLIENT_ID", "c"}},
            "OAUTH_ACME_CLIENT_SECRET: is required");
    refused({{"OAUTH_PROVIDERS", "acme"},
             {"OAUTH_ACME_ISSUER", "https://sso.example.com"},
             {"OAUTH_ACME_CLIENT_ID", "c"},
             {"OAUTH_ACME_CLIENT_SECRET", "s3cret"},
             {"OAUTH_ACME_SCOPES", "email"}},
            "OAUTH_ACME_SCOPES: must include openid");
    refused({{"OAUTH_PROVIDERS", "google"}}, "GOOGLE_CLIENT_ID: is required when OAUTH_PROVIDERS names google");
    refused({{"OAUTH_PROVIDERS", "github,github"}}, "names 'github' twice");
    refused({{"OAUTH_PROVIDERS", "acme/../x"}}, "is not a provider name");
    refused({{"GITHUB_CLIENT_ID", "gh"}}, "GITHUB_CLIENT_SECRET: is required");
}
