#include "support/test_server.hpp"

#include "db/pool.hpp"
#include "observe/log.hpp"
#include "security/random.hpp"
#include "db/libpq.hpp"

#include <soci/soci.h>

#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

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
        sqlite_dir_.emplace("starter-test-");
        url_ = "sqlite://" + (sqlite_dir_->path() / "test.db").string();
        return;
    }
    pg_name_ = "starter_test_" + security::random_hex(6);
    soci::session admin(*db::libpq().soci_backend, db::postgres_keyword_string(postgres_admin_url()));
    admin << "CREATE DATABASE " + pg_name_;
    url_ = with_database(postgres_admin_url(), pg_name_);
}

TestDatabase::~TestDatabase() {
    if (kind_ != TestDb::postgres) return;
    try {
        soci::session admin(*db::libpq().soci_backend, db::postgres_keyword_string(postgres_admin_url()));
        admin << "DROP DATABASE IF EXISTS " + pg_name_ + " WITH (FORCE)";
    } catch (...) {
    }
}

TestServer::TestServer(const std::function<void(config::Settings&)>& configure, const std::function<void(app::App&)>& add_routes,
                       std::shared_ptr<TestDatabase> database) {
    db_ = database ? std::move(database) : std::make_shared<TestDatabase>(requested_db());
    config::Env env{{"PORT", "0"},
                    {"DATA_DIR", data_dir_.path().string()},
                    {"DATABASE_URL", db_->url()},
                    {"DATA_ENCRYPTION_KEY", kTestDataKey},
                    // No test reaches the internet; the breached-password tests point at a fake.
                    {"HIBP_ENABLED", "false"},
                    {"DATABASE_POOL_SIZE", "4"},
                    {"IO_THREADS", "2"},
                    {"WORKER_THREADS", "4"},
                    {"JOB_POLL_INTERVAL", "50ms"},
                    // Functional tests make many requests from one IP; the limiter's own
                    // tests set the multiplier back to 1.
                    {"RATE_LIMIT_MULTIPLIER", "1000"},
                    {"GEOIP_DATABASE_PATH", env_or_empty("STARTER_TEST_GEOIP").empty()
                                                ? std::string(STARTER_SOURCE_DIR) + "/data/GeoLite2-City.mmdb"
                                                : env_or_empty("STARTER_TEST_GEOIP")},
                    // Cheap hashes keep the suite fast; one unit test covers the real defaults.
                    {"ARGON2_TIME_COST", "1"},
                    {"ARGON2_MEMORY_KIB", "1024"},
                    {"ARGON2_PARALLELISM", "1"},
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
}

}  // namespace testing_support

namespace testing_support {

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
}

bool wait_until_answers(std::uint16_t port, const std::string& path, std::chrono::milliseconds timeout) {
    return wait_until(
        [&] {
            try {
                return HttpClient(port).get(path).status == 200;
            } catch (...) {
                return false;
            }
        },
        timeout);
}

std::string env_or_empty(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

namespace {

std::string decode_base64(const std::string& in) {
    std::string clean;
    for (char c : in)
        if (!std::isspace(static_cast<unsigned char>(c))) clean += c;
    std::string out(clean.size() / 4 * 3 + 3, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(clean.data()),
                            static_cast<int>(clean.size()));
    if (n < 0) return {};
    std::size_t pad = 0;
    if (!clean.empty() && clean.back() == '=') ++pad;
    if (clean.size() > 1 && clean[clean.size() - 2] == '=') ++pad;
    out.resize(static_cast<std::size_t>(n) - pad);
    return out;
}

std::vector<Mail> mail_in(const std::filesystem::path& dir, const std::string& to) {
    std::vector<Mail> out;
    // Half-written files are left out: the outbox's `.tmp` files and a maildir's `tmp/`, from
    // where the sink moves each message into `new/` once written (a scan that read it in
    // `tmp/` could otherwise miss it on the next scan, as one did under load).
    auto files = files_under(dir);
    std::erase_if(files, [](const auto& f) { return f.extension() == ".tmp" || f.parent_path().filename() == "tmp"; });
    // Both the file outbox and the maildir name files by delivery time.
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.filename() < b.filename(); });
    for (const auto& f : files) {
        auto mail = parse_mail(read_file(f));
        if (mail.header("To") == to) out.push_back(std::move(mail));
    }
    return out;
}

}  // namespace

std::vector<std::filesystem::path> files_under(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> out;
    std::vector<std::filesystem::path> pending{dir};
    while (!pending.empty()) {
        auto next = std::move(pending.back());
        pending.pop_back();
        // Not range-for: its ++ throws when the directory changes under it (as PostgreSQL's
        // did in a CI run); increment(ec) lets the walk stop this directory alone.
        std::error_code ec;
        for (std::filesystem::directory_iterator it(next, ec), end; !ec && it != end; it.increment(ec)) {
            std::error_code type_ec;
            const auto status = it->symlink_status(type_ec);
            if (type_ec) continue;
            if (std::filesystem::is_directory(status))
                pending.push_back(it->path());
            else if (std::filesystem::is_regular_file(status))
                out.push_back(it->path());
        }
    }
    return out;
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::filesystem::path artifacts_dir() {
    auto dir = std::filesystem::current_path() / "artifacts" / (requested_db() == TestDb::postgres ? "postgres" : "sqlite");
    std::filesystem::create_directories(dir);
    return dir;
}

std::string Mail::header(const std::string& name) const {
    std::istringstream in(headers);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.size() > name.size() + 1 && line.compare(0, name.size(), name) == 0 && line[name.size()] == ':')
            return line.substr(name.size() + 2);
    }
    return {};
}

Mail parse_mail(const std::string& raw_in) {
    std::string raw;
    for (std::size_t i = 0; i < raw_in.size(); ++i)
        if (raw_in[i] != '\r') raw += raw_in[i];
    Mail m;
    auto split = raw.find("\n\n");
    m.headers = raw.substr(0, split);
    auto part = [&](const std::string& type) {
        auto at = raw.find("Content-Type: " + type);
        if (at == std::string::npos) return std::string();
        auto body = raw.find("\n\n", at);
        auto end = raw.find("\n--", body + 2);
        return decode_base64(raw.substr(body + 2, end - body - 2));
    };
    m.text = part("text/plain");
    m.html = part("text/html");
    return m;
}

std::vector<Mail> sink_mail_to(const std::string& to) {
    auto dir = env_or_empty("STARTER_TEST_MAILDIR");
    return dir.empty() ? std::vector<Mail>{} : mail_in(dir, to);
}

std::vector<Mail> outbox_mail_to(const std::filesystem::path& data_dir, const std::string& to) {
    return mail_in(data_dir / "outbox", to);
}

}  // namespace testing_support
