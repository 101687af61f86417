#include "app/app.hpp"

#include "api/accounts.hpp"
#include "api/docs.hpp"
#include "api/health.hpp"
#include "api/metrics.hpp"
#include "api/openapi.hpp"
#include "api/web.hpp"
#include "api/oauth.hpp"
#include "app/version.hpp"
#include "audit/security_log.hpp"
#include "common/time.hpp"
#include "db/migrations.hpp"
#include "http/middleware.hpp"
#include "http/server.hpp"
#include "oauth/facebook.hpp"
#include "oauth/github.hpp"
#include "oauth/oidc.hpp"
#include "observe/log.hpp"

#include <boost/core/demangle.hpp>
#include <boost/json/serialize.hpp>
#include <soci/soci.h>

#include <set>

#include <csignal>

namespace app {
namespace {

std::optional<http::Error> translate_database_errors(const std::exception& e) {
    if (!db::is_connection_error(e)) return std::nullopt;
    observe::error("db.unavailable", {{"error", db::describe_error(e)}});
    return http::unavailable();
}

// DATA_ENCRYPTION_KEY, or on SQLite (one process, the embedded default) the key file.
security::DataKey open_data_key(const config::Settings& s) {
    auto key = [&] {
        if (!s.data_encryption_key.empty()) return *security::DataKey::parse(s.data_encryption_key);
        if (s.uses_postgres())
            throw config::ConfigError(
                "DATA_ENCRYPTION_KEY: is required with PostgreSQL, so that every server shares it (generate one with: "
                "openssl rand -hex 32)");
        return security::DataKey::load_or_create(s.data_key_file());
    }();
    // Values sealed before a rotation still open (until `starter keys reseal`).
    for (const auto& previous : s.data_encryption_keys_previous) key.add_previous(*security::DataKey::parse(previous));
    return key;
}

}  // namespace

void init_logging(const config::Settings& s) {
    observe::init_logging(s.log_format == config::LogFormat::json ? observe::Format::json : observe::Format::console,
                          s.log_level);
}

std::shared_ptr<observe::SentryReporter> make_reporter(const config::Settings& s) {
    auto options = s.sentry;
    options.release = std::string("starter@") + kVersion;
    return std::make_shared<observe::SentryReporter>(std::move(options));
}

namespace {
// The sign-in provider OAUTH_PROVIDERS names `name` (settings checked it is set up).
std::unique_ptr<oauth::Provider> make_provider(const config::Settings& s, const std::string& name) {
    const auto timeout = s.oauth_http_timeout;
    if (name == "google") return std::make_unique<oauth::OidcProvider>(oauth::google_settings(s.google), timeout);
    if (name == "facebook") return std::make_unique<oauth::FacebookProvider>(s.facebook, timeout);
    if (name == "github") return std::make_unique<oauth::GitHubProvider>(s.github, timeout);
    auto it = std::find_if(s.oidc_providers.begin(), s.oidc_providers.end(), [&](const auto& p) { return p.name == name; });
    return std::make_unique<oauth::OidcProvider>(*it, timeout);
}
}  // namespace

App::App(config::Settings settings, std::shared_ptr<observe::SentryReporter> reporter)
    : settings_(std::move(settings)),
      templates_(settings_.app_name, settings_.app_url),
      reporter_(reporter ? std::move(reporter) : make_reporter(settings_)) {
    user_agents_ = geo::UserAgentParser::load_in_background(settings_.ua_regexes_path);  // read while the rest starts
    pool_ = std::make_unique<db::Pool>(settings_.database_url, static_cast<std::size_t>(settings_.database_pool_size),
                                       settings_.database_acquire_timeout);
    mailer_ = notify::make_mailer(settings_.smtp_url, settings_.smtp_require_tls, settings_.data_dir);
    sender_ = std::make_unique<notify::EmailSender>(templates_, *mailer_, settings_.mail_from);

    limiter_ = std::make_unique<ratelimit::RateLimiter>(
        ratelimit::open_store(settings_.redis, static_cast<std::size_t>(settings_.rate_limit_memory_mb) << 20,
                              settings_.rate_limits),
        settings_.rate_limits);
    hasher_ = std::make_unique<security::PasswordHasher>(settings_.argon2);
    sessions_ = std::make_unique<sessions::SessionStore>(*pool_, settings_.sessions);
    data_key_ = std::make_unique<security::DataKey>(open_data_key(settings_));
    codes_ = std::make_unique<codes::EmailCodes>(*pool_, *data_key_);
    breaches_ = std::make_unique<security::BreachedPasswords>(settings_.breached_passwords);
    accounts_ =
        std::make_unique<accounts::AccountService>(*pool_, *hasher_, strength_, *sessions_, *codes_,
                                                   accounts::AccountPolicy{.deletion_grace = settings_.account_deletion_grace,
                                                                           .login_failures = settings_.login_failure_limit},
                                                   limiter_.get());
    if (settings_.session_cache_size > 0) {
        // Entries live a minute at most, should a change ever slip past the feed unnoticed.
        viewer_cache_ = std::make_unique<accounts::ViewerCache>(static_cast<std::size_t>(settings_.session_cache_size),
                                                                std::chrono::minutes(1));
        accounts_->use_cache(viewer_cache_.get());
    }
    if (breaches_->enabled()) accounts_->use_breach_check(breaches_.get());

    passkeys_ = std::make_unique<mfa::Passkeys>(*pool_, *accounts_, settings_.webauthn);
    second_factor_ = std::make_unique<mfa::SecondFactor>(*pool_, *accounts_, *passkeys_, *data_key_, settings_.app_name);
    social_ = std::make_unique<oauth::SocialSignIn>(*pool_, *accounts_,
                                                    oauth::SignInPolicy{.public_url = settings_.public_url,
                                                                        .allowed_origins = settings_.oauth_redirect_origins(),
                                                                        .default_redirect = settings_.app_url});
    worker_ = make_worker(settings_.jobs.threads, "serve");
    for (const auto& name : settings_.sign_in_providers()) social_->add(make_provider(settings_, name));

    geoip_ = std::make_unique<geo::GeoIp>(settings_.geoip_database_path);
    if (settings_.geoip_updates.enabled()) geoip_updater_ = std::make_unique<geo::GeoIpUpdater>(*geoip_, settings_.geoip_updates);
    if (!geoip_->is_open())
        observe::warn("geo.geoip_unavailable",
                      {{"path", settings_.geoip_database_path},
                       {"effect", geoip_updater_ ? "locations are null until the first download from MaxMind"
                                                 : "locations are null; run scripts/fetch-geoip or set GEOIP_ACCOUNT_ID"}});
    inspector_ = std::make_unique<api::RequestInspector>(user_agents_.get(), geoip_.get());

    auto& store = limiter_->store();
    api::register_health_routes(router_,
                                {.database = [this] { return pool_->ping(); },
                                 .redis = store.shared() ? std::function<bool()>([&store] { return store.ping(); }) : nullptr,
                                 .draining = [this] { return server_ && server_->draining(); }});
    services_ = std::make_unique<api::Services>(api::Services{*accounts_, *sessions_, *second_factor_, *passkeys_, *inspector_});
    api::Routes routes(router_, *services_);
    api::register_auth_routes(routes);
    api::register_user_routes(routes);
    api::register_mfa_routes(routes);
    api::register_admin_routes(routes);
    api::register_oauth_routes(routes, *social_, *inspector_, settings_.public_url.starts_with("https://"));
    auto swagger_ui = api::load_swagger_ui(settings_.swagger_ui_dir);
    if (swagger_ui.empty())
        observe::warn("docs.swagger_ui_unavailable",
                      {{"path", settings_.swagger_ui_dir}, {"effect", "/docs answers 404; run scripts/fetch-web-assets"}});
    api::register_web_routes(
        router_, {.account_app = settings_.account_app,
                  .app_name = settings_.app_name,
                  .providers = social_->enabled_providers(),
                  .public_url = settings_.public_url,
                  .passkey_rp_id = settings_.webauthn.id,
                  .mailbox = settings_.dev_mailbox()
                                 ? std::optional<std::filesystem::path>(std::filesystem::path(settings_.data_dir) / "outbox")
                                 : std::nullopt});
    api::register_docs_routes(router_, openapi_json_, std::move(swagger_ui));
    api::register_metrics_route(
        router_, {.http = http_metrics_,
                  .job_delivery_seconds = job_delivery_seconds_,
                  .jobs_by_state = [this] { return jobs::Outbox(*pool_).counts(); },
                  .db_pool =
                      [this] {
                          return std::pair{pool_->in_use(), pool_->size()};
                      },
                  .rate_limit_rejections = [this] { return limiter_->rejections(); },
                  .rate_limit_store_errors = [this] { return limiter_->store_errors(); },
                  .rate_limit_memory = [&store] { return store.memory_usage(); },
                  .breach_checks = [this] { return breaches_->counts(); },
                  .session_cache = viewer_cache_ ? std::function<api::SessionCacheStats()>([c = viewer_cache_.get()] {
                      return api::SessionCacheStats{c->enabled(), c->size(), c->hits(), c->misses()};
                  })
                                                 : nullptr});
    for (const auto& route : router_.routes()) http_metrics_.add_route(route.get(), route->method, route->pattern);
    // Last: the document describes every route declared above.
    openapi_json_ = boost::json::serialize(api::openapi_document(
        router_, {.title = settings_.app_name + " API", .version = kVersion, .server_url = settings_.public_url}));

    // Outermost first. Rate limits sit outside error mapping so they can add their headers
    // to every answer; they need the routes declared above.
    pipeline_.use(http::request_id());
    pipeline_.use(http::request_metrics(http_metrics_));
    pipeline_.use(http::access_log());
    pipeline_.use(http::security_headers({.hsts = settings_.app_url.starts_with("https://")}));
    pipeline_.use(http::cors(settings_.cors_allow_origins));
    auto limiting = ratelimit::limit_routes(*limiter_, router_);
    pipeline_.use(std::move(limiting.middleware));
    pipeline_.use(http::error_mapping({translate_database_errors}, [this](const http::Request& req, const std::exception& e) {
        observe::ErrorEvent event;
        event.type = boost::core::demangle(typeid(e).name());
        event.message = e.what();
        event.stack = observe::current_stack(2);
        event.request_method = std::string(req.method);
        event.request_route = req.route ? req.route->pattern : "unmatched";
        event.user_id = req.user_id;
        event.tags = {{"request_id", req.request_id}, {"route", event.request_route}};
        reporter_->capture(std::move(event));
    }));

    server_ = std::make_unique<http::Server>(settings_.server, router_, pipeline_);
    if (limiting.ask_first) server_->run_first(std::move(limiting.ask_first));
}

App::~App() { worker_->stop(); }

void App::start_change_feed() {
    auto* cache = viewer_cache_.get();
    auto up = std::make_shared<std::atomic<bool>>(false);
    change_feed_ = std::make_unique<db::Listener>(
        settings_.database_url, "starter_auth",
        db::Listener::Callbacks{
            .notified = [cache](const std::string& user_id) { cache->forget_user(user_id); },
            .listening =
                [cache, up] {
                    cache->on();
                    up->store(true);
                    observe::info("accounts.session_cache_on", {{"reason", "listening for changes (LISTEN starter_auth)"}});
                },
            .lost =
                [cache, up](const std::string& why) {
                    cache->off();
                    // Told once per outage, not at every reconnect attempt.
                    if (up->exchange(false) && why != "stopping")
                        observe::warn("accounts.session_cache_off",
                                      {{"error", why}, {"effect", "@me reads the database until the change feed is back"}});
                }});
}

void App::follow_sqlite_changes() {
    try {
        sqlite_changes_ = std::make_unique<db::SqliteChanges>(settings_.sqlite_path());
    } catch (const std::exception& e) {
        observe::warn("accounts.session_cache_off", {{"error", e.what()}, {"effect", "@me reads the database every time"}});
        return;
    }
    viewer_cache_->follow([changes = sqlite_changes_.get()] { return changes->read(); });
    viewer_cache_->on();
}

std::unique_ptr<jobs::Worker> App::make_worker(int threads, const std::string& name) {
    auto o = settings_.jobs;
    o.threads = threads;
    o.name = name;
    o.delivery_seconds = &job_delivery_seconds_;
    o.prunes.push_back({"accounts.erased", [this] { return accounts_->erase_due(common::now_ms()); }});
    o.prunes.push_back({"security_events", [this] {
                            const auto before = common::now_ms() - settings_.security_events_retention.count();
                            return audit::SecurityLog(*pool_).purge(before);
                        }});
    o.on_dead = [reporter = reporter_](const jobs::Job& job, const std::string& error) {
        observe::ErrorEvent event;
        event.type = "JobDead";
        event.message = "job " + job.kind + " gave up after " + std::to_string(job.attempts) + " attempts: " + error;
        event.tags = {{"job_id", job.id}, {"job_kind", job.kind}};
        reporter->capture(std::move(event));
    };
    std::map<std::string, jobs::JobHandler> handlers{
        {notify::kEmailJob, notify::email_job_handler(*sender_)},
        {accounts::kCodeRequestJob, accounts::code_request_handler(*accounts_, *sender_)}};
    return std::make_unique<jobs::Worker>(*pool_, std::move(handlers), o);
}

void App::prepare() {
    auto applied = db::migrate_up(*pool_);
    for (const auto& name : applied) observe::info("db.migration_applied", {{"migration", name}});
    check_data_key();
    if (viewer_cache_ && settings_.uses_postgres() && !change_feed_)
        start_change_feed();  // after the migration that adds its triggers
    if (viewer_cache_ && !settings_.uses_postgres() && !sqlite_changes_) follow_sqlite_changes();
    server_->listen();
    if (settings_.jobs_in_process) worker_->start();
    if (geoip_updater_) geoip_updater_->start();  // its first check runs beside the server, never before it
}

void App::check_data_key() {
    // Every stored secret must open under the key or one of the previous keys.
    std::set<std::string> known{data_key_->id()};
    for (const auto& previous : data_key_->previous()) known.insert(previous.id());
    for (const auto& [id, count] : second_factor_->secrets_by_key()) {
        if (known.contains(id)) continue;
        std::string message = std::to_string(count);
        message += " stored second-factor secret(s) were sealed under data-encryption key " + id + ", which is not configured (";
        for (const auto& k : known) message += (message.ends_with("(") ? "" : ", ") + k;
        message += "): set DATA_ENCRYPTION_KEY to the key they were made with, or list it in DATA_ENCRYPTION_KEY_PREVIOUS";
        if (settings_.data_encryption_key.empty()) message += " (or restore " + settings_.data_key_file() + ")";
        throw std::runtime_error(message);
    }
}

void App::serve_forever() {
    prepare();
    server_->stop_on_signals();
    server_->on_signal(SIGHUP, [this] {
        const bool ok = geoip_->reopen();
        observe::log(ok ? observe::Level::info : observe::Level::warning, "geo.geoip_reopened",
                     {{"path", settings_.geoip_database_path}, {"ok", ok}});
    });
    observe::info("server.started", {{"version", kVersion},
                                     {"address", "http://" + settings_.server.host + ":" + std::to_string(server_->port())},
                                     {"database", config::mask_url(settings_.database_url)},
                                     {"io_threads", settings_.server.io_threads},
                                     {"worker_threads", settings_.server.worker_threads}});
    for (const auto* name : {"google", "facebook"}) {
        if (social_->enabled(name))
            observe::info("oauth.provider_enabled", {{"provider", name}, {"callback_url", social_->callback_url(name)}});
        else
            observe::info(
                "oauth.provider_disabled",
                {{"provider", name},
                 {"reason", std::string(name == std::string("google") ? "GOOGLE" : "FACEBOOK") + "_CLIENT_ID is not set"}});
    }
    server_->run();
    worker_->stop();
    observe::info("server.stopped");
}

}  // namespace app
