#pragma once
// IP geolocation with libmaxminddb against a GeoLite2-City database, memory-mapped once
// and re-opened on demand (SIGHUP, or geo::GeoIpUpdater after a download). Private,
// loopback and unknown addresses have no location.
#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>

namespace geo {

struct Location {
    std::optional<std::string> city, region, country, country_code;
    std::optional<double> latitude, longitude;

    // {"city","region","country","country_code","latitude","longitude"} (nulls kept).
    std::string to_json() const;
    // "Mountain View, California, United States" or "Unknown".
    std::string readable() const;
};

class GeoIp {
public:
    // Opens `path` if it exists; a missing or unreadable file leaves lookups returning nullopt.
    explicit GeoIp(std::string path);
    ~GeoIp();

    bool is_open() const;
    // Re-opens the file (after it was replaced); keeps the old database if the new one fails.
    bool reopen();
    std::optional<Location> lookup(const boost::asio::ip::address& ip) const;
    const std::string& path() const { return path_; }

    // What a database file is, read from its metadata. Throws std::runtime_error when it is
    // not a MaxMind database or not a City one (the lookups need city and location).
    struct FileInfo {
        std::string database_type;  // "GeoLite2-City"
        std::uint64_t build_epoch = 0;
    };
    static FileInfo inspect(const std::string& path);

    struct Db;

private:
    std::string path_;
    mutable std::shared_mutex mutex_;
    std::unique_ptr<Db> db_;
};

// Loopback, private, link-local, carrier-grade NAT, unique-local and unspecified addresses.
bool is_non_public(const boost::asio::ip::address& ip);

}  // namespace geo
