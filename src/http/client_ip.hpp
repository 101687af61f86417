#pragma once
// Client address resolution: the socket peer, or X-Forwarded-For when the peer is a trusted proxy.
#include <boost/asio/ip/address.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace http {

// An IPv4 or IPv6 network such as 10.0.0.0/8 or ::1/128. A bare address is a /32 or /128.
class Cidr {
public:
    static std::optional<Cidr> parse(std::string_view text);
    bool contains(const boost::asio::ip::address& addr) const;
    std::string to_string() const;

private:
    boost::asio::ip::address network_;
    unsigned prefix_ = 0;
};

// The right-most X-Forwarded-For entry that is not a trusted proxy, when the peer itself is
// trusted; otherwise the peer. Spoofed headers from untrusted peers are therefore ignored.
boost::asio::ip::address client_ip(const boost::asio::ip::address& peer, std::string_view forwarded_for,
                                   const std::vector<Cidr>& trusted);

}  // namespace http
