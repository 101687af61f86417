// starter: the command-line entry point (serve, worker, migrate, jobs, users, keys, settings, openapi).
#include "api/reference.hpp"
#include "app/app.hpp"
#include "app/users_command.hpp"
#include "app/version.hpp"
#include "common/time.hpp"
#include "config/settings.hpp"
#include "db/migrations.hpp"
#include "jobs/outbox.hpp"
#include "observe/log.hpp"

#include <CLI/CLI.hpp>

#include <boost/json/parse.hpp>

#include <csignal>
#include <filesystem>
#include <iostream>

// Read by jemalloc when it is linked in (see CMakeLists.txt); ignored by glibc. Freed
// Argon2 buffers (64 MiB each) go back to the OS within a second instead of lingering.
extern "C" const char* malloc_conf;
const char* malloc_conf = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0";

namespace {

constexpr int kUsageError = 2;

std::string format_time_ms(std::int64_t ms) { return common::format_utc(ms, common::kRfc3339); }

// `starter worker`: the same delivery loop as inside `serve`, as its own process.
void run_worker(const config::Settings& settings, int threads, std::shared_ptr<observe::SentryReporter> reporter) {
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigset_t blocked = stop_signals;
    sigaddset(&blocked, SIGHUP);                    // a reload (systemctl reload) is the server's business: ignored here
    pthread_sigmask(SIG_BLOCK, &blocked, nullptr);  // threads started below inherit this
    auto s = settings;
    s.jobs_in_process = false;
    app::App application(s, std::move(reporter));
    db::migrate_up(application.pool());
    auto worker = application.make_worker(threads > 0 ? threads : settings.jobs.threads, "worker");
    worker->start();
    observe::info("worker.started", {{"database", config::mask_url(settings.database_url)},
                                     {"threads", threads > 0 ? threads : settings.jobs.threads}});
    int signo = 0;
    sigwait(&stop_signals, &signo);
    observe::info("worker.stopping", {{"signal", signo}});
    worker->stop();  // running jobs finish; unclaimed ones stay queued
    observe::info("worker.stopped");
}

// `starter jobs list|retry|purge`: the operator's view of the outbox.
int run_jobs_command(const config::Settings& settings, const std::string& action, const std::string& state, int limit,
                     const std::string& id, bool dead, bool done, const std::string& older_than) {
    db::Pool pool(settings.database_url, 1, settings.database_acquire_timeout);
    db::migrate_up(pool);
    jobs::Outbox outbox(pool);
    if (action == "list") {
        for (const auto& [st, n] : outbox.counts()) std::cout << st << "=" << n << "  ";
        std::cout << "\n";
        for (const auto& row : outbox.list(state.empty() ? std::nullopt : std::optional<std::string>(state), limit)) {
            std::cout << row.job.id << "  " << row.job.kind << "  " << row.state << "  attempts=" << row.job.attempts
                      << "  created=" << format_time_ms(row.created_at_ms) << "  run_at=" << format_time_ms(row.run_at_ms);
            if (row.last_error) std::cout << "  error=\"" << *row.last_error << "\"";
            std::cout << "\n";
        }
        return 0;
    }
    if (action == "retry") {
        if (!outbox.retry(id)) {
            std::cerr << "starter: job " << id << " is not dead or queued (or does not exist)\n";
            return 1;
        }
        std::cout << "queued " << id << "\n";
        return 0;
    }
    if (dead == done) {
        std::cerr << "starter: jobs purge needs exactly one of --dead or --done\n";
        return kUsageError;
    }
    std::chrono::milliseconds age;
    try {
        age = config::parse_duration(older_than);
    } catch (const std::invalid_argument&) {
        std::cerr << "starter: --older-than: not a duration such as 7d, 12h or 30m (got '" << older_than << "')\n";
        return kUsageError;
    }
    auto n = outbox.purge(dead ? "dead" : "done", age);
    std::cout << "deleted " << n << " " << (dead ? "dead" : "done") << " jobs older than " << older_than << "\n";
    return 0;
}

config::Settings load_or_exit(const std::string& env_file) {
    try {
        return config::load_settings(config::merged_environment(env_file));
    } catch (const config::ConfigError& e) {
        std::cerr << "starter: " << e.what() << "\n";
        std::exit(kUsageError);
    } catch (const config::DotenvError& e) {
        std::cerr << "starter: " << e.what() << "\n";
        std::exit(kUsageError);
    }
}

// `starter openapi`: the document of a server with the default settings, built against a
// throwaway SQLite database, so it needs no configuration and says the same everywhere.
int print_openapi(bool markdown) {
    char dir_template[] = "/tmp/starter-openapi-XXXXXX";
    const char* dir = mkdtemp(dir_template);
    if (!dir) {
        std::cerr << "starter: cannot make a temporary directory\n";
        return 1;
    }
    int rc = 0;
    try {
        auto settings = config::load_settings({{"DATA_DIR", dir}, {"LOG_LEVEL", "off"}});
        app::init_logging(settings);
        app::App application(settings);
        const auto& document = application.openapi_json();
        std::cout << (markdown ? api::reference_markdown(boost::json::parse(document).as_object(), notify::email_catalogue())
                               : document + "\n");
    } catch (const std::exception& e) {
        std::cerr << "starter: " << e.what() << "\n";
        rc = 1;
    }
    std::filesystem::remove_all(dir);
    return rc;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"starter: a secure authentication and user backend.", "starter"};
    cli.footer(config::settings_help());
    cli.set_version_flag("--version", std::string("starter ") + app::kVersion);
    cli.require_subcommand(1);
    std::string env_file = ".env";
    cli.add_option("--env-file", env_file, "Read settings from this .env file")->capture_default_str();

    auto* serve = cli.add_subcommand("serve", "Run the HTTP API (applies pending migrations first)");
    std::string host;
    int port = -1;
    serve->add_option("--host", host, "Listen address (overrides HOST)");
    serve->add_option("--port", port, "Listen port (overrides PORT)")->check(CLI::Range(0, 65535));

    auto* worker = cli.add_subcommand("worker", "Deliver queued jobs (emails) until SIGTERM");
    int worker_threads = 0;
    worker->add_option("--threads", worker_threads, "Concurrent jobs (overrides JOB_THREADS)")->check(CLI::Range(1, 256));
    auto* migrate = cli.add_subcommand("migrate", "Apply or list database migrations");
    std::string migrate_action = "up";
    migrate->add_option("action", migrate_action, "up (default) or status")->check(CLI::IsMember({"up", "status"}));

    auto* jobs_cmd = cli.add_subcommand("jobs", "Inspect and operate the job queue (emails)");
    jobs_cmd->require_subcommand(1);
    auto* jobs_list = jobs_cmd->add_subcommand("list", "List jobs, newest first, with counts per state");
    std::string list_state;
    int list_limit = 50;
    jobs_list->add_option("--state", list_state, "Only this state")->check(CLI::IsMember({"queued", "running", "done", "dead"}));
    jobs_list->add_option("--limit", list_limit, "At most this many rows")->check(CLI::Range(1, 100000))->capture_default_str();
    auto* jobs_retry = jobs_cmd->add_subcommand("retry", "Queue a dead job again, with a fresh set of attempts");
    std::string retry_id;
    jobs_retry->add_option("id", retry_id, "The job id")->required();
    auto* jobs_purge = jobs_cmd->add_subcommand("purge", "Delete dead or done jobs older than a duration");
    bool purge_dead = false, purge_done = false;
    std::string older_than = "7d";
    jobs_purge->add_flag("--dead", purge_dead, "Delete dead jobs");
    jobs_purge->add_flag("--done", purge_done, "Delete delivered jobs");
    jobs_purge->add_option("--older-than", older_than, "Age, e.g. 7d, 12h, 30m")->capture_default_str();

    auto* settings_cmd = cli.add_subcommand("settings",
                                            "Print every setting with its default: as --help does, as .env.example (--env) or as "
                                            "the table of docs/operations.md (--markdown)");
    bool as_env = false, as_markdown = false;
    settings_cmd->add_flag("--env", as_env, "As a .env file");
    settings_cmd->add_flag("--markdown", as_markdown, "As a Markdown table");

    auto* keys_cmd =
        cli.add_subcommand("keys", "Data-encryption key rotation: which keys seal the stored secrets, and re-sealing");
    keys_cmd->require_subcommand(1);
    auto* keys_status = keys_cmd->add_subcommand("status", "How many stored secrets each key id seals");
    auto* keys_reseal = keys_cmd->add_subcommand(
        "reseal", "Seal every secret still under a DATA_ENCRYPTION_KEY_PREVIOUS key again under DATA_ENCRYPTION_KEY");

    auto* openapi_cmd = cli.add_subcommand(
        "openapi", "Print the OpenAPI document the server serves, or with --markdown the API reference (docs/api.md)");
    app::UsersCommand users(cli);
    bool openapi_markdown = false;
    openapi_cmd->add_flag("--markdown", openapi_markdown, "As Markdown: the routes, error codes and emails");

    try {
        cli.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return cli.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return cli.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return cli.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "starter: " << e.what() << " (see starter --help)\n";
        return kUsageError;
    }

    if (*settings_cmd) {  // needs no valid configuration: it documents it
        std::cout << (as_env        ? config::settings_env_example()
                      : as_markdown ? config::settings_markdown()
                                    : config::settings_help());
        return 0;
    }
    if (*openapi_cmd) return print_openapi(openapi_markdown);
    auto settings = load_or_exit(env_file);
    if (!host.empty()) settings.server.host = host;
    if (port >= 0) settings.server.port = static_cast<std::uint16_t>(port);
    app::init_logging(settings);

    int rc = 0;
    // Made first, so a failed start (bad database, port taken) is reported too.
    auto reporter = app::make_reporter(settings);
    try {
        if (*serve) {
            app::App application(settings, reporter);
            application.serve_forever();
        } else if (*worker) {
            run_worker(settings, worker_threads, reporter);
        } else if (*jobs_cmd) {
            rc = run_jobs_command(settings,
                                  *jobs_list    ? "list"
                                  : *jobs_retry ? "retry"
                                                : "purge",
                                  list_state, list_limit, retry_id, purge_dead, purge_done, older_than);
        } else if (users.chosen()) {
            rc = users.run(settings);
        } else if (*keys_cmd) {
            app::App application(settings, reporter);
            db::migrate_up(application.pool());
            if (*keys_reseal) {
                const int moved = application.second_factor().reseal_secrets();
                std::cout << "resealed " << moved << " secret(s) under key " << application.data_key_id() << "\n";
            }
            if (*keys_status || *keys_reseal) {
                for (const auto& [id, count] : application.second_factor().secrets_by_key())
                    std::cout << id << "  " << count << (id == application.data_key_id() ? "  (DATA_ENCRYPTION_KEY)" : "")
                              << "\n";
            }
        } else if (*migrate) {
            db::Pool pool(settings.database_url, 1, settings.database_acquire_timeout);
            if (migrate_action == "up") {
                auto ran = db::migrate_up(pool);
                std::cout << (ran.empty() ? "No pending migrations.\n" : "");
                for (const auto& name : ran) std::cout << "applied " << name << "\n";
            } else {
                for (const auto& st : db::migration_status(pool)) {
                    std::cout << st.migration.name << "  "
                              << (st.applied_at_ms ? "applied " + format_time_ms(*st.applied_at_ms) : std::string("pending"))
                              << (st.checksum_mismatch ? "  CHANGED SINCE APPLIED" : "") << "\n";
                }
            }
        }
    } catch (const std::exception& e) {
        observe::error("starter.fatal", {{"error", db::describe_error(e)}});
        observe::ErrorEvent event;
        event.level = "fatal";
        event.type = "StartupFailure";
        event.message = db::describe_error(e);
        event.tags = {{"command", *serve           ? "serve"
                                  : *worker        ? "worker"
                                  : *migrate       ? "migrate"
                                  : *keys_cmd      ? "keys"
                                  : users.chosen() ? "users"
                                                   : "jobs"}};
        if (!reporter->capture(std::move(event)).empty()) reporter->flush(std::chrono::seconds(3));
        observe::shutdown_logging();
        std::cerr << "starter: " << db::describe_error(e) << "\n";
        return 1;
    }
    observe::shutdown_logging();
    return rc;
}
