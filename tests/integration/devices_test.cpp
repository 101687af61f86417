// Where and on what: sessions and security emails carry device and location, and a login
// from a device (or country) the account never used sends one new-device alert.
#include "support/accounts_fixture.hpp"
#include "support/fake_maxmind.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace testing_support;

namespace {

constexpr const char* kChromeMac =
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
constexpr const char* kFirefoxWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0";
constexpr const char* kFirefoxWindowsNewer = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:122.0) Gecko/20100101 Firefox/122.0";

class Devices : public AccountsFixture {
protected:
    void configure(config::Settings& s) override { s.server.trusted_proxies = {*http::Cidr::parse("127.0.0.1")}; }

    HttpResponse login_from(const std::string& email, const char* ua, const std::string& ip = "") {
        Headers h{{"User-Agent", ua}};
        if (!ip.empty()) h.emplace_back("X-Forwarded-For", ip);
        return client_->post_json("/api/auth/login", body({{"login", email}, {"password", kPassword}}), h);
    }
    std::size_t alerts(const std::string& email) {
        std::size_t n = 0;
        for (const auto& m : all_mail_to(email)) n += m.header("Subject").find("New sign-in") != std::string::npos;
        return n;
    }
    std::string register_from(const char* ua) {
        auto email = fresh_email();
        auto r = client_->post_json("/api/auth/email-verification-request", body({{"email", email}}), {{"User-Agent", ua}});
        EXPECT_EQ(r.status, 202);
        auto code = code_in(mail_to(email, "verification code"));
        auto reg = client_->post_json("/api/auth/register",
                                      body({{"email", email},
                                            {"email_verification_code", code},
                                            {"username", "dev_" + security::random_hex(4)},
                                            {"password", kPassword}}),
                                      {{"User-Agent", ua}});
        EXPECT_EQ(reg.status, 201) << reg.body;
        mail_to(email, "Welcome");
        return email;
    }
};

}  // namespace

TEST_F(Devices, OnlyALoginFromAnUnseenDeviceSendsAnAlert) {
    auto email = register_from(kChromeMac);
    ASSERT_EQ(login_from(email, kChromeMac).status, 200);  // the registration's device
    ASSERT_EQ(login_from(email, kFirefoxWindows).status, 200);
    auto alert = mail_to(email, "New sign-in");
    ASSERT_EQ(login_from(email, kFirefoxWindowsNewer).status, 200);  // same device, newer browser version
    ASSERT_EQ(login_from(email, kChromeMac).status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(400));  // give a wrong alert time to show up
    EXPECT_EQ(alerts(email), 1u);
    for (const auto* part : {&alert.text, &alert.html}) {
        EXPECT_NE(part->find("Firefox 121 on Windows 10"), std::string::npos) << *part;
        EXPECT_NE(part->find("127.0.0.1"), std::string::npos);
        EXPECT_NE(part->find(" UTC"), std::string::npos) << "the alert says when";
    }
}

TEST_F(Devices, ALoginFromANewCountryOnAKnownDeviceSendsAnAlert) {
    auto email = register_from(kChromeMac);
    ASSERT_EQ(login_from(email, kChromeMac, "8.8.8.8").status, 200);  // first time in the US
    auto alert = mail_to(email, "New sign-in");
    EXPECT_NE(alert.text.find("United States"), std::string::npos) << alert.text;
    ASSERT_EQ(login_from(email, kChromeMac, "8.8.4.4").status, 200);  // the US again
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    EXPECT_EQ(alerts(email), 1u);
}

TEST_F(Devices, SessionsShowDeviceAndLocation) {
    auto email = register_from(kChromeMac);
    auto r = login_from(email, kFirefoxWindows, "2a00:1450:4001:80b::200e");
    ASSERT_EQ(r.status, 200);
    std::string token(r.json().at("authentication_token").as_string());
    auto list = client_->get("/api/auth/sessions", bearer(token)).json().as_array();
    ASSERT_EQ(list.size(), 2u);
    auto current = list[0].as_object();
    EXPECT_EQ(current["device"], std::string("Firefox 121 on Windows 10"));
    EXPECT_EQ(current["ip_address"], std::string("2a00:1450:4001:80b::200e"));
    EXPECT_EQ(current["user_agent"], std::string(kFirefoxWindows));
    ASSERT_TRUE(current["location"].is_object()) << boost::json::serialize(current);
    auto loc = current["location"].as_object();
    EXPECT_EQ(loc["country_code"], std::string("DE"));
    EXPECT_TRUE(loc["latitude"].is_double());
    auto first = list[1].as_object();
    EXPECT_EQ(first["device"], std::string("Chrome 120 on Mac OS X 10.15"));
    EXPECT_TRUE(first["location"].is_null()) << "loopback has no location";
}

TEST_F(Devices, SecurityEmailsCarryIpDeviceAndLocation) {
    auto email = fresh_email();
    auto r = client_->post_json("/api/auth/email-verification-request", body({{"email", email}}),
                                {{"User-Agent", kFirefoxWindows}, {"X-Forwarded-For", "8.8.8.8"}});
    ASSERT_EQ(r.status, 202);
    auto mail = mail_to(email, "verification code");
    for (const auto* part : {&mail.text, &mail.html}) {
        EXPECT_NE(part->find("8.8.8.8"), std::string::npos);
        EXPECT_NE(part->find("Firefox 121 on Windows 10"), std::string::npos);
        EXPECT_NE(part->find("United States"), std::string::npos) << *part;
    }
}

TEST(DevicesWithoutData, TheServerStartsWithoutRegexesOrGeoIpAndSaysUnknown) {
    STARTER_REQUIRE_DATABASE();
    TestServer server([](config::Settings& s) {
        s.ua_regexes_path = "/nonexistent/regexes.yaml";
        s.geoip_database_path = "/nonexistent/GeoLite2-City.mmdb";
        s.server.trusted_proxies = {*http::Cidr::parse("127.0.0.1")};
    });
    HttpClient c(server.port());
    auto email = "nodata." + security::random_hex(4) + "@example.com";
    ASSERT_EQ(c.post_json("/api/auth/email-verification-request", body({{"email", email}}),
                          {{"User-Agent", kChromeMac}, {"X-Forwarded-For", "8.8.8.8"}})
                  .status,
              202);
    Mail mail;
    ASSERT_TRUE(wait_until([&] {
        auto all = outbox_mail_to(server.data_dir(), email);
        if (all.empty()) return false;
        mail = all[0];
        return true;
    }));
    EXPECT_NE(mail.text.find("Unknown device"), std::string::npos) << mail.text;
    EXPECT_NE(mail.text.find("Location: Unknown"), std::string::npos) << mail.text;
}

namespace {

// A server with a MaxMind account downloads GeoLite2-City itself and starts locating
// requests once it has it, without a restart (the updater: tests/unit/geoip_update_test.cpp).
class DevicesWithGeoIpUpdates : public Devices {
protected:
    static std::string real_database() {
        const char* v = std::getenv("STARTER_TEST_GEOIP");
        return v ? v : std::string(STARTER_SOURCE_DIR) + "/data/GeoLite2-City.mmdb";
    }
    void SetUp() override {
        if (!std::filesystem::exists(real_database())) GTEST_SKIP() << real_database() << " is missing";
        fake_.serve("not yet an archive", std::string(64, '0'));  // the first check fails
        Devices::SetUp();
    }
    void configure(config::Settings& s) override {
        Devices::configure(s);
        s.geoip_database_path = (std::filesystem::path(s.data_dir) / "geoip" / "GeoLite2-City.mmdb").string();
        s.geoip_updates = {.account_id = FakeMaxMind::kAccount,
                           .license_key = FakeMaxMind::kLicense,
                           .download_url = fake_.permalink(),
                           .interval = std::chrono::milliseconds(300)};
    }
    std::optional<boost::json::object> location_of_a_login_from(const std::string& email, const std::string& ip) {
        auto r = login_from(email, kFirefoxWindows, ip);
        EXPECT_EQ(r.status, 200);
        std::string token(r.json().at("authentication_token").as_string());
        auto current = client_->get("/api/auth/sessions", bearer(token)).json().as_array()[0].as_object();
        if (!current["location"].is_object()) return std::nullopt;
        return current["location"].as_object();
    }
    FakeMaxMind fake_;
};

}  // namespace

TEST_F(DevicesWithGeoIpUpdates, TheServerDownloadsTheDatabaseAndLocatesRequestsWithoutARestart) {
    auto email = register_from(kChromeMac);
    EXPECT_FALSE(location_of_a_login_from(email, "8.8.8.8")) << "no database has been downloaded yet";

    fake_.serve(FakeMaxMind::archive_of({{"GeoLite2-City.mmdb", read_file(real_database())}}));
    std::optional<boost::json::object> location;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!(location = location_of_a_login_from(email, "8.8.8.8")) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ASSERT_TRUE(location) << "the server never located a request";
    EXPECT_EQ((*location)["country_code"], std::string("US"));
    // Checked again every 300 ms, the unchanged archive is not downloaded again.
    const int downloads = fake_.archive_downloads();
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    EXPECT_EQ(fake_.archive_downloads(), downloads);
}
