// GeoIP updates against a fake of MaxMind's download service (tests/support/fake_maxmind):
// the database is downloaded, verified and swapped in while lookups go on; an unchanged one
// is not downloaded again; every kind of failure leaves the database in use untouched.
#include "geo/updater.hpp"

#include "security/hash.hpp"
#include "security/random.hpp"
#include "support/fake_maxmind.hpp"
#include "support/test_server.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using namespace testing_support;
using boost::asio::ip::make_address;
namespace fs = std::filesystem;

namespace {

std::string real_database_path() {
    const char* v = std::getenv("STARTER_TEST_GEOIP");
    return v ? v : std::string(STARTER_SOURCE_DIR) + "/data/GeoLite2-City.mmdb";
}

class GeoIpUpdates : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (!fs::exists(real_database_path())) return;
        auto db = read_file(real_database_path());
        archive_ = new std::string(FakeMaxMind::archive_of({{"GeoLite2-City.mmdb", db}, {"LICENSE.txt", "first"}}));
        newer_ = new std::string(FakeMaxMind::archive_of({{"GeoLite2-City.mmdb", db}, {"LICENSE.txt", "second"}}));
    }
    static void TearDownTestSuite() {
        delete archive_;
        delete newer_;
    }
    void SetUp() override {
        if (!fs::exists(real_database_path()))
            GTEST_SKIP() << real_database_path() << " is missing: run scripts/fetch-geoip (scripts/test does)";
        ASSERT_TRUE(archive_ && newer_) << "the test archives could not be made";
        dir_ = fs::temp_directory_path() / ("geoip-update-" + security::random_hex(6));
        fs::create_directories(dir_);
        fake_.serve(*archive_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    geo::UpdateOptions options(std::string license = FakeMaxMind::kLicense) const {
        return {.account_id = FakeMaxMind::kAccount,
                .license_key = std::move(license),
                .download_url = fake_.permalink(),
                .interval = std::chrono::hours(24 * 7),
                .timeout = std::chrono::seconds(30)};
    }
    fs::path target() const { return dir_ / "GeoLite2-City.mmdb"; }
    // Only the database and the digest of the archive it came from: no temporary is left.
    std::vector<std::string> files() const {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename().string());
        std::sort(out.begin(), out.end());
        return out;
    }

    static inline std::string* archive_ = nullptr;
    static inline std::string* newer_ = nullptr;
    FakeMaxMind fake_;
    fs::path dir_;
};

}  // namespace

TEST_F(GeoIpUpdates, DownloadsVerifiesAndSwapsTheDatabaseInWithoutARestart) {
    geo::GeoIp geoip(target().string());
    ASSERT_FALSE(geoip.lookup(make_address("8.8.8.8")));  // no database yet
    geo::GeoIpUpdater updater(geoip, options());

    auto result = updater.check_now();
    ASSERT_EQ(result.outcome, geo::GeoIpUpdater::Outcome::updated) << result.detail;
    auto located = geoip.lookup(make_address("8.8.8.8"));
    ASSERT_TRUE(located);
    EXPECT_EQ(located->country_code, "US");
    EXPECT_EQ(read_file(target()), read_file(real_database_path()));
    EXPECT_EQ(files(), (std::vector<std::string>{"GeoLite2-City.mmdb", "GeoLite2-City.mmdb.sha256"}));
    EXPECT_EQ(read_file(dir_ / "GeoLite2-City.mmdb.sha256"), security::sha256_hex(*archive_));

    // The credentials go to MaxMind, never on to the storage the download is redirected to.
    EXPECT_TRUE(fake_.permalink_saw_credentials());
    EXPECT_EQ(fake_.storage_authorizations(), std::vector<std::string>{""});
}

TEST_F(GeoIpUpdates, AnUnchangedDatabaseIsNotDownloadedAgainAndANewerOneReplacesIt) {
    geo::GeoIp geoip(target().string());
    geo::GeoIpUpdater updater(geoip, options());
    ASSERT_EQ(updater.check_now().outcome, geo::GeoIpUpdater::Outcome::updated);
    ASSERT_EQ(updater.check_now().outcome, geo::GeoIpUpdater::Outcome::current);
    EXPECT_EQ(fake_.archive_downloads(), 1);

    fake_.serve(*newer_);
    auto result = updater.check_now();
    ASSERT_EQ(result.outcome, geo::GeoIpUpdater::Outcome::updated) << result.detail;
    EXPECT_EQ(fake_.archive_downloads(), 2);
    EXPECT_EQ(read_file(dir_ / "GeoLite2-City.mmdb.sha256"), security::sha256_hex(*newer_));
    EXPECT_TRUE(geoip.lookup(make_address("8.8.8.8")));
}

TEST_F(GeoIpUpdates, EveryFailureKeepsTheDatabaseInUseAndLeavesNothingBehind) {
    geo::GeoIp geoip(target().string());
    ASSERT_EQ(geo::GeoIpUpdater(geoip, options()).check_now().outcome, geo::GeoIpUpdater::Outcome::updated);
    const auto installed = security::sha256_hex(read_file(target()));
    const auto garbage = security::random_hex(4096);

    struct Case {
        const char* what;
        std::string archive, digest, license, expected;
    };
    const std::vector<Case> cases = {
        {"wrong licence key", *newer_, "", "wrong-key-abcdef", "GEOIP_LICENSE_KEY"},
        {"digest does not match the archive", *newer_, std::string(64, 'a'), FakeMaxMind::kLicense, "SHA-256"},
        {"not an archive", garbage, "", FakeMaxMind::kLicense, "not a tar.gz archive"},
        {"an archive without a database", FakeMaxMind::archive_of({{"README.txt", "hello"}}), "", FakeMaxMind::kLicense,
         "no .mmdb"},
        {"a damaged database", FakeMaxMind::archive_of({{"GeoLite2-City.mmdb", garbage}}), "", FakeMaxMind::kLicense,
         "not a MaxMind database"},
        {"a truncated archive", newer_->substr(0, newer_->size() / 2), "", FakeMaxMind::kLicense, "damaged"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.what);
        fake_.serve(c.archive, c.digest);
        geo::GeoIpUpdater updater(geoip, options(c.license));
        auto result = updater.check_now();
        EXPECT_EQ(result.outcome, geo::GeoIpUpdater::Outcome::failed);
        EXPECT_NE(result.detail.find(c.expected), std::string::npos) << result.detail;
        EXPECT_EQ(result.detail.find(c.license), std::string::npos) << "the licence key leaked: " << result.detail;
        EXPECT_EQ(security::sha256_hex(read_file(target())), installed);
        EXPECT_TRUE(geoip.lookup(make_address("8.8.8.8")));
        EXPECT_EQ(files(), (std::vector<std::string>{"GeoLite2-City.mmdb", "GeoLite2-City.mmdb.sha256"}));
    }

    // The service is down.
    auto down = options();
    down.download_url = "http://127.0.0.1:1/geoip/databases/GeoLite2-City/download";
    EXPECT_EQ(geo::GeoIpUpdater(geoip, down).check_now().outcome, geo::GeoIpUpdater::Outcome::failed);
    EXPECT_TRUE(geoip.lookup(make_address("8.8.8.8")));
}

TEST_F(GeoIpUpdates, TheBackgroundThreadChecksAgainEveryInterval) {
    geo::GeoIp geoip(target().string());
    auto o = options();
    o.interval = std::chrono::milliseconds(200);
    geo::GeoIpUpdater updater(geoip, o);
    updater.start();
    fake_.serve(*newer_);
    const auto wanted = security::sha256_hex(*newer_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (read_file(dir_ / "GeoLite2-City.mmdb.sha256") != wanted && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    updater.stop();
    EXPECT_EQ(read_file(dir_ / "GeoLite2-City.mmdb.sha256"), wanted);
    EXPECT_TRUE(geoip.lookup(make_address("8.8.8.8")));
}
