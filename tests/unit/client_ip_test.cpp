#include "http/client_ip.hpp"

#include <gtest/gtest.h>

using boost::asio::ip::make_address;
using http::Cidr;

TEST(Cidr, ParsesAndMatchesV4AndV6) {
    auto ten = Cidr::parse("10.0.0.0/8");
    ASSERT_TRUE(ten);
    EXPECT_TRUE(ten->contains(make_address("10.200.3.4")));
    EXPECT_FALSE(ten->contains(make_address("11.0.0.1")));
    EXPECT_FALSE(ten->contains(make_address("::1")));
    auto odd = Cidr::parse("192.168.1.128/25");
    ASSERT_TRUE(odd);
    EXPECT_TRUE(odd->contains(make_address("192.168.1.200")));
    EXPECT_FALSE(odd->contains(make_address("192.168.1.127")));
    auto v6 = Cidr::parse("fd00::/8");
    ASSERT_TRUE(v6);
    EXPECT_TRUE(v6->contains(make_address("fd12:3456::1")));
    auto single = Cidr::parse("127.0.0.1");
    ASSERT_TRUE(single);
    EXPECT_EQ(single->to_string(), "127.0.0.1/32");
    // A v4-mapped v6 peer is the v4 address it carries.
    EXPECT_TRUE(single->contains(make_address("::ffff:127.0.0.1")));
}

TEST(Cidr, RejectsGarbage) {
    for (auto bad : {"", "10.0.0.0/", "10.0.0.0/33", "::/129", "not-an-ip", "10.0.0.0/8x", "1.2.3.4/-1"})
        EXPECT_FALSE(Cidr::parse(bad)) << bad;
}

TEST(ClientIp, UntrustedPeerIsTheClientWhateverTheHeaderSays) {
    std::vector<Cidr> trusted{*Cidr::parse("10.0.0.0/8")};
    EXPECT_EQ(http::client_ip(make_address("203.0.113.9"), "1.2.3.4", trusted).to_string(), "203.0.113.9");
    EXPECT_EQ(http::client_ip(make_address("203.0.113.9"), "1.2.3.4", {}).to_string(), "203.0.113.9");
}

TEST(ClientIp, TrustedProxyChainYieldsRightMostUntrustedEntry) {
    std::vector<Cidr> trusted{*Cidr::parse("10.0.0.0/8")};
    // The client forged "6.6.6.6"; the proxies appended the real client and themselves.
    EXPECT_EQ(http::client_ip(make_address("10.0.0.2"), "6.6.6.6, 198.51.100.7, 10.0.0.1", trusted).to_string(), "198.51.100.7");
    EXPECT_EQ(http::client_ip(make_address("10.0.0.2"), " 198.51.100.7 ", trusted).to_string(), "198.51.100.7");
    // Every hop trusted: the left-most one is the best we know.
    EXPECT_EQ(http::client_ip(make_address("10.0.0.2"), "10.1.1.1", trusted).to_string(), "10.1.1.1");
    // Garbage stops the walk at the last verified hop.
    EXPECT_EQ(http::client_ip(make_address("10.0.0.2"), "junk", trusted).to_string(), "10.0.0.2");
    EXPECT_EQ(http::client_ip(make_address("10.0.0.2"), "", trusted).to_string(), "10.0.0.2");
}
