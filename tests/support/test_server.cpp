#include "support/test_server.hpp"

#include "db/pool.hpp"
#include "observe/log.hpp"
#include "security/random.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <cstdlib>

namespace testing_support {
namespace {

// Replaces the database name (the path) of a postgresql:// URL.
std::string with_database(const std::string& url, const std::string& name) {
    auto scheme_end = url.find("://");
    auto path = url.find('/', scheme_end + 3);
    auto query = url.find('?', scheme_end + 3);
    std::string base = url.substr(0, path == std::string::npos ? query : path);
    std::string tail = query == std::string::npos ? "" : url.substr(query);
    return base + "/" + name + tail;
}

}  // namespace

TestDb requested_db() {
    const char* v = std::getenv("STARTER_TEST_DB");
    return v && std::string(v) == "postgres" ? TestDb::postgres : TestDb::sqlite;
}

std::string postgres_admin_url() {
    const char* v = std::getenv("STARTER_TEST_POSTGRES_URL");
    return v ? v : "";
}

TestDatabase::TestDatabase(TestDb kind) : kind_(kind) {
    if (kind == TestDb::sqlite) {
        dir_ = std::filesystem::temp_directory_path() / ("starter-test-" + security::random_hex(6));
        std::filesystem::create_directories(dir_);
        url_ = "sqlite://" + (dir_ / "test.db").string();
        return;
    }
    pg_name_ = "starter_test_" + security::random_hex(6);
    soci::session admin(*soci::factory_postgresql(), db::postgres_keyword_string(postgres_admin_url()));
    admin << "CREATE DATABASE " + pg_name_;
    url_ = with_database(postgres_admin_url(), pg_name_);
}

TestDatabase::~TestDatabase() {
    try {
        if (kind_ == TestDb::postgres) {
            soci::session admin(*soci::factory_postgresql(), db::postgres_keyword_string(postgres_admin_url()));
            admin << "DROP DATABASE IF EXISTS " + pg_name_ + " WITH (FORCE)";
        } else {
            std::filesystem::remove_all(dir_);
        }
    } catch (...) {
    }
}

TestServer::TestServer(const std::function<void(config::Settings&)>& configure,
                       const std::function<void(app::App&)>& add_routes) {
    db_ = std::make_unique<TestDatabase>(requested_db());
    data_dir_ = std::filesystem::temp_directory_path() / ("starter-data-" + security::random_hex(6));
    std::filesystem::create_directories(data_dir_);
    config::Env env{{"PORT", "0"},
                    {"DATA_DIR", data_dir_.string()},
                    {"DATABASE_URL", db_->url()},
                    {"DATABASE_POOL_SIZE", "4"},
                    {"IO_THREADS", "2"},
                    {"WORKER_THREADS", "4"},
                    {"LOG_LEVEL", std::getenv("STARTER_TEST_LOG_LEVEL") ? std::getenv("STARTER_TEST_LOG_LEVEL") : "warning"}};
    auto settings = config::load_settings(env);
    if (configure) configure(settings);
    app::init_logging(settings);
    app_ = std::make_unique<app::App>(settings);
    if (add_routes) add_routes(*app_);
    app_->prepare();
    app_->server().start();
}

void TestServer::stop() {
    if (stopped_) return;
    stopped_ = true;
    app_->server().stop();
    app_->server().join();
}

TestServer::~TestServer() {
    stop();
    app_.reset();
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(data_dir_, ec);
}

}  // namespace testing_support
