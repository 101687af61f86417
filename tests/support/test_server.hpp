#pragma once
// The real application, started in-process on a free port against a fresh database:
// a temporary SQLite file, or a new PostgreSQL database when STARTER_TEST_DB=postgres
// (from STARTER_TEST_POSTGRES_URL, an admin URL; dropped again at the end).
#include "app/app.hpp"
#include "config/settings.hpp"
#include "http/server.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace testing_support {

// The data-encryption key every test server and process uses (PostgreSQL needs one, and
// servers sharing a database must share it). Not a secret: tests only.
inline constexpr const char* kTestDataKey = "5f0c3a9e2b7d41e8a6c9f03b1d2e4a5c6b7d8e9f0a1b2c3d4e5f60718293a4b5";

enum class TestDb { sqlite, postgres };

// Which database this test process runs against; nullopt (with a reason) when it cannot.
TestDb requested_db();
// The PostgreSQL admin URL, or "" when none is configured.
std::string postgres_admin_url();

// A database that exists for the lifetime of the object.
class TestDatabase {
public:
    explicit TestDatabase(TestDb kind);
    ~TestDatabase();
    const std::string& url() const { return url_; }
    TestDb kind() const { return kind_; }

private:
    TestDb kind_;
    std::optional<TempDir> sqlite_dir_;  // holds the SQLite file; PostgreSQL's is a database dropped at the end
    std::string url_;
    std::string pg_name_;
};

class TestServer {
public:
    // `configure` may change settings before the app is built; `add_routes` may add
    // test-only routes before the server starts.
    explicit TestServer(const std::function<void(config::Settings&)>& configure = {},
                        const std::function<void(app::App&)>& add_routes = {}, std::shared_ptr<TestDatabase> database = nullptr);
    ~TestServer();

    std::uint16_t port() const { return app_->server().port(); }
    app::App& app() { return *app_; }
    HttpClient client() const { return HttpClient(app_->server().port()); }
    const std::filesystem::path& data_dir() const { return data_dir_.path(); }
    void stop();
    std::shared_ptr<TestDatabase> database() const { return db_; }

private:
    std::shared_ptr<TestDatabase> db_;
    TempDir data_dir_{"starter-data-"};  // removed after the app, also when it refuses to start
    std::unique_ptr<app::App> app_;
    bool stopped_ = false;
};

// Polls `done` every 20 ms until it is true or `timeout` passes; returns its last value.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(10));
// Waits (as wait_until does) until GET `path` on 127.0.0.1:`port` answers 200: a server
// process started by a test is up. Connection errors count as not yet.
bool wait_until_answers(std::uint16_t port, const std::string& path,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A delivered message, decoded: headers as raw text, the text/plain and text/html parts.
struct Mail {
    std::string headers;
    std::string text;
    std::string html;
    std::string header(const std::string& name) const;
};
Mail parse_mail(const std::string& raw);
// Messages the SMTP sink (STARTER_TEST_MAILDIR) received for `to`.
std::vector<Mail> sink_mail_to(const std::string& to);
// Messages the file outbox under `data_dir` holds for `to`.
std::vector<Mail> outbox_mail_to(const std::filesystem::path& data_dir, const std::string& to);
std::string env_or_empty(const char* name);
// A whole file as bytes (empty when it cannot be read).
std::string read_file(const std::filesystem::path& p);
// The regular files under `dir`, at any depth. Made for directories a running program
// changes (PostgreSQL's data directory, a maildir): an entry or a subdirectory that
// vanishes during the walk is left out instead of ending it with an exception.
std::vector<std::filesystem::path> files_under(const std::filesystem::path& dir);
// Where a test leaves screenshots and other outputs for people to look at:
// artifacts/<database>/ under the test's working directory (the SQLite and PostgreSQL runs
// of a test may run at once).
std::filesystem::path artifacts_dir();

// Skips the current test when PostgreSQL was requested but no URL was given.
#define STARTER_REQUIRE_DATABASE()                                                          \
    do {                                                                                    \
        if (::testing_support::requested_db() == ::testing_support::TestDb::postgres &&     \
            ::testing_support::postgres_admin_url().empty())                                \
            GTEST_SKIP() << "STARTER_TEST_POSTGRES_URL is not set: PostgreSQL run skipped"; \
    } while (0)

}  // namespace testing_support
