// Lookups in the real GeoLite2-City database (scripts/fetch-geoip puts it in ./data).
#include "geo/geoip.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace {
using boost::asio::ip::make_address;

std::string database_path() {
    const char* v = std::getenv("STARTER_TEST_GEOIP");
    return v ? v : std::string(STARTER_SOURCE_DIR) + "/data/GeoLite2-City.mmdb";
}

class GeoIpLookup : public ::testing::Test {
protected:
    void SetUp() override {
        if (!std::filesystem::exists(database_path()))
            GTEST_SKIP() << database_path() << " is missing: run scripts/fetch-geoip (scripts/test does)";
    }
};
}  // namespace

TEST_F(GeoIpLookup, PublicAddressesResolveToTheirCountry) {
    geo::GeoIp geo(database_path());
    ASSERT_TRUE(geo.is_open());
    auto google_dns = geo.lookup(make_address("8.8.8.8"));
    ASSERT_TRUE(google_dns);
    EXPECT_EQ(google_dns->country_code, "US");
    EXPECT_EQ(google_dns->country, "United States");
    EXPECT_TRUE(google_dns->latitude && google_dns->longitude);
    auto v6 = geo.lookup(make_address("2001:4860:4860::8888"));
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->country_code, "US");
    auto frankfurt = geo.lookup(make_address("2a00:1450:4001:80b::200e"));
    ASSERT_TRUE(frankfurt);
    EXPECT_EQ(frankfurt->country_code, "DE");
    auto dtag = geo.lookup(make_address("80.156.55.1"));  // Deutsche Telekom
    ASSERT_TRUE(dtag);
    EXPECT_EQ(dtag->country_code, "DE");
    EXPECT_NE(dtag->readable(), "Unknown");
    EXPECT_NE(dtag->to_json().find("\"country_code\":\"DE\""), std::string::npos);
}

TEST_F(GeoIpLookup, PrivateAndLoopbackAddressesHaveNoLocation) {
    geo::GeoIp geo(database_path());
    for (auto ip : {"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.1.1", "100.64.0.1", "::1", "fd00::1",
                    "fe80::1", "::ffff:10.0.0.1", "0.0.0.0"})
        EXPECT_FALSE(geo.lookup(make_address(ip))) << ip;
}

TEST_F(GeoIpLookup, ReopenKeepsWorking) {
    geo::GeoIp geo(database_path());
    EXPECT_TRUE(geo.reopen());
    EXPECT_TRUE(geo.lookup(make_address("8.8.8.8")));
}

TEST(GeoIp, MissingDatabaseMeansNoLocationNotAnError) {
    geo::GeoIp geo("/nonexistent/GeoLite2-City.mmdb");
    EXPECT_FALSE(geo.is_open());
    EXPECT_FALSE(geo.lookup(make_address("8.8.8.8")));
    EXPECT_FALSE(geo.reopen());
}

TEST(GeoIp, LocationReadable) {
    geo::Location l;
    EXPECT_EQ(l.readable(), "Unknown");
    l.city = "Berlin";
    l.country = "Germany";
    EXPECT_EQ(l.readable(), "Berlin, Germany");
}
