#include "http/client_ip.hpp"

#include <charconv>

namespace http {
namespace ip = boost::asio::ip;
namespace {

// IPv4-mapped IPv6 peers (::ffff:1.2.3.4) are compared as the IPv4 address they carry.
ip::address normalize(const ip::address& a) {
    if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
    return a;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::optional<Cidr> Cidr::parse(std::string_view text) {
    text = trim(text);
    auto slash = text.find('/');
    boost::system::error_code ec;
    auto addr = ip::make_address(std::string(text.substr(0, slash)), ec);
    if (ec) return std::nullopt;
    addr = normalize(addr);
    const unsigned max = addr.is_v4() ? 32 : 128;
    unsigned prefix = max;
    if (slash != std::string_view::npos) {
        auto digits = text.substr(slash + 1);
        auto [ptr, err] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
        if (err != std::errc{} || ptr != digits.data() + digits.size() || digits.empty() || prefix > max) return std::nullopt;
    }
    Cidr c;
    c.network_ = addr;
    c.prefix_ = prefix;
    return c;
}

bool Cidr::contains(const ip::address& raw) const {
    auto addr = normalize(raw);
    if (addr.is_v4() != network_.is_v4()) return false;
    auto bytes_equal_under_prefix = [this](const auto& a, const auto& b) {
        unsigned bits = prefix_;
        for (std::size_t i = 0; i < a.size() && bits > 0; ++i) {
            unsigned take = bits >= 8 ? 8 : bits;
            unsigned char mask = static_cast<unsigned char>(0xFF << (8 - take));
            if ((a[i] & mask) != (b[i] & mask)) return false;
            bits -= take;
        }
        return true;
    };
    if (addr.is_v4()) return bytes_equal_under_prefix(addr.to_v4().to_bytes(), network_.to_v4().to_bytes());
    return bytes_equal_under_prefix(addr.to_v6().to_bytes(), network_.to_v6().to_bytes());
}

std::string Cidr::to_string() const { return network_.to_string() + "/" + std::to_string(prefix_); }

ip::address client_ip(const ip::address& peer, std::string_view forwarded_for, const std::vector<Cidr>& trusted) {
    auto is_trusted = [&](const ip::address& a) {
        for (const auto& c : trusted)
            if (c.contains(a)) return true;
        return false;
    };
    auto current = normalize(peer);
    if (forwarded_for.empty() || !is_trusted(current)) return current;
    // Walk right to left: each hop was appended by the proxy we trust at that point.
    while (!forwarded_for.empty()) {
        auto comma = forwarded_for.rfind(',');
        auto entry = trim(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
        forwarded_for = comma == std::string_view::npos ? std::string_view{} : forwarded_for.substr(0, comma);
        boost::system::error_code ec;
        auto addr = ip::make_address(std::string(entry), ec);
        if (ec) return current;  // garbage in the chain: stop at the last hop we could verify
        current = normalize(addr);
        if (!is_trusted(current)) return current;
    }
    return current;
}

}  // namespace http
