#pragma once
// Wiring: the one place that knows every part. Builds the pool, router, pipeline and server
// from settings and owns their lifetimes.
#include "accounts/service.hpp"
#include "codes/email_codes.hpp"
#include "api/authn.hpp"
#include "api/routes.hpp"
#include "config/settings.hpp"
#include "geo/geoip.hpp"
#include "geo/updater.hpp"
#include "geo/user_agent.hpp"
#include "ratelimit/limiter.hpp"
#include "security/password_hasher.hpp"
#include "security/strength.hpp"
#include "sessions/session_store.hpp"
#include "db/listener.hpp"
#include "db/pool.hpp"
#include "db/sqlite_changes.hpp"
#include "http/pipeline.hpp"
#include "http/router.hpp"
#include "jobs/worker.hpp"
#include "notify/email.hpp"
#include "notify/mailer.hpp"
#include "observe/metrics.hpp"
#include "observe/sentry.hpp"
#include "oauth/social_sign_in.hpp"
#include "mfa/service.hpp"
#include "security/sealed.hpp"

#include <memory>

namespace http {
class Server;  // http/server.hpp: only app.cpp needs Asio's io_context and sockets
}

namespace app {

// The Sentry reporter the settings ask for (a disabled one without SENTRY_DSN).
std::shared_ptr<observe::SentryReporter> make_reporter(const config::Settings& settings);

class App {
public:
    // `reporter`: the process's Sentry reporter (main makes it first, so it can report a
    // failed start); null makes one from the settings.
    explicit App(config::Settings settings, std::shared_ptr<observe::SentryReporter> reporter = nullptr);
    ~App();

    // Applies pending migrations (logged), then listens. Throws on failure.
    void prepare();
    // Serves until SIGINT/SIGTERM, then shuts down gracefully.
    void serve_forever();

    const config::Settings& settings() const { return settings_; }
    // The id of the key that seals new secrets (8 hex digits).
    const std::string& data_key_id() const { return data_key_->id(); }
    // The OpenAPI document of every route, as served at /api/openapi.json.
    const std::string& openapi_json() const { return openapi_json_; }
    db::Pool& pool() { return *pool_; }
    http::Router& router() { return router_; }
    http::Server& server() { return *server_; }
    jobs::Worker& worker() { return *worker_; }
    accounts::AccountService& accounts() { return *accounts_; }
    oauth::SocialSignIn& social() { return *social_; }
    mfa::SecondFactor& second_factor() { return *second_factor_; }
    observe::SentryReporter& reporter() { return *reporter_; }
    sessions::SessionStore& sessions() { return *sessions_; }
    // The @me session cache and its change feed: null on SQLite or with SESSION_CACHE_SIZE=0
    // (the feed also before prepare()).
    accounts::ViewerCache* viewer_cache() { return viewer_cache_.get(); }
    db::Listener* change_feed() { return change_feed_.get(); }
    geo::GeoIp& geoip() { return *geoip_; }
    ratelimit::RateLimiter& limiter() { return *limiter_; }

    // Builds the job worker for `starter worker` or the in-process threads.
    std::unique_ptr<jobs::Worker> make_worker(int threads, const std::string& name);

private:
    void start_change_feed();
    void follow_sqlite_changes();
    // Refuses to start when stored secrets were sealed under another data-encryption key.
    void check_data_key();

    config::Settings settings_;
    std::unique_ptr<db::Pool> pool_;
    std::unique_ptr<security::DataKey> data_key_;  // seals secrets, keys the code hashes
    notify::Templates templates_;
    std::unique_ptr<notify::Mailer> mailer_;
    std::unique_ptr<notify::EmailSender> sender_;
    std::unique_ptr<security::PasswordHasher> hasher_;
    security::StrengthEstimator strength_;
    std::unique_ptr<security::BreachedPasswords> breaches_;  // Have I Been Pwned
    std::unique_ptr<accounts::ViewerCache> viewer_cache_;    // outlives its users below
    std::unique_ptr<sessions::SessionStore> sessions_;
    std::unique_ptr<codes::EmailCodes> codes_;
    std::unique_ptr<accounts::AccountService> accounts_;
    std::unique_ptr<oauth::SocialSignIn> social_;
    std::unique_ptr<mfa::Passkeys> passkeys_;
    std::unique_ptr<mfa::SecondFactor> second_factor_;
    std::unique_ptr<jobs::Worker> worker_;  // its handlers use the services above
    std::string openapi_json_;              // built once every route exists
    std::shared_ptr<observe::SentryReporter> reporter_;
    observe::HttpMetrics http_metrics_;
    observe::Histogram job_delivery_seconds_{observe::Histogram::latency_buckets()};
    std::unique_ptr<geo::UserAgentParser> user_agents_;
    std::unique_ptr<geo::GeoIp> geoip_;
    std::unique_ptr<geo::GeoIpUpdater> geoip_updater_;  // with a MaxMind account; started by prepare()
    std::unique_ptr<api::RequestInspector> inspector_;
    std::unique_ptr<api::Services> services_;  // what the API's handlers use
    std::unique_ptr<ratelimit::RateLimiter> limiter_;
    http::Router router_;
    http::Pipeline pipeline_;
    std::unique_ptr<http::Server> server_;
    std::unique_ptr<db::Listener> change_feed_;          // feeds viewer_cache_ on PostgreSQL; started by prepare()
    std::unique_ptr<db::SqliteChanges> sqlite_changes_;  // what viewer_cache_ follows on SQLite; opened by prepare()
};

// Converts settings to observe's logging setup.
void init_logging(const config::Settings& settings);

}  // namespace app
