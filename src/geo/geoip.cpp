#include "geo/geoip.hpp"

#include <boost/json.hpp>
#include <maxminddb.h>

#include <filesystem>
#include <mutex>
#include <stdexcept>

namespace geo {

struct GeoIp::Db {
    MMDB_s mmdb{};
    ~Db() { MMDB_close(&mmdb); }
};

namespace {

std::unique_ptr<GeoIp::Db> open_db(const std::string& path) {
    std::error_code ec;
    if (path.empty() || !std::filesystem::exists(path, ec)) return nullptr;
    MMDB_s mmdb{};
    if (MMDB_open(path.c_str(), MMDB_MODE_MMAP, &mmdb) != MMDB_SUCCESS) return nullptr;  // nothing to close
    auto db = std::make_unique<GeoIp::Db>();
    db->mmdb = mmdb;  // from here on the Db closes it
    return db;
}

std::optional<std::string> text(MMDB_entry_s* entry, const char* const* path) {
    MMDB_entry_data_s data{};
    if (MMDB_aget_value(entry, &data, path) != MMDB_SUCCESS || !data.has_data || data.type != MMDB_DATA_TYPE_UTF8_STRING)
        return std::nullopt;
    return std::string(data.utf8_string, data.data_size);
}

std::optional<double> number(MMDB_entry_s* entry, const char* const* path) {
    MMDB_entry_data_s data{};
    if (MMDB_aget_value(entry, &data, path) != MMDB_SUCCESS || !data.has_data || data.type != MMDB_DATA_TYPE_DOUBLE)
        return std::nullopt;
    return data.double_value;
}

}  // namespace

bool is_non_public(const boost::asio::ip::address& raw) {
    auto ip = raw;
    if (ip.is_v6() && ip.to_v6().is_v4_mapped()) ip = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, ip.to_v6());
    if (ip.is_loopback() || ip.is_unspecified() || ip.is_multicast()) return true;
    if (ip.is_v4()) {
        auto b = ip.to_v4().to_bytes();
        return b[0] == 10 || (b[0] == 172 && (b[1] & 0xF0) == 16) || (b[0] == 192 && b[1] == 168) ||
               (b[0] == 169 && b[1] == 254) || (b[0] == 100 && (b[1] & 0xC0) == 64) || b[0] == 0;
    }
    auto v6 = ip.to_v6();
    auto b = v6.to_bytes();
    return v6.is_link_local() || (b[0] & 0xFE) == 0xFC;
}

GeoIp::GeoIp(std::string path) : path_(std::move(path)), db_(open_db(path_)) {}

GeoIp::~GeoIp() = default;

GeoIp::FileInfo GeoIp::inspect(const std::string& path) {
    MMDB_s mmdb{};
    const int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &mmdb);
    if (status != MMDB_SUCCESS) throw std::runtime_error(std::string("not a MaxMind database: ") + MMDB_strerror(status));
    FileInfo info{mmdb.metadata.database_type ? mmdb.metadata.database_type : "", mmdb.metadata.build_epoch};
    // One lookup that must succeed: the tree and data section are readable, not just the header.
    int gai_error = 0, mmdb_error = 0;
    MMDB_lookup_string(&mmdb, "8.8.8.8", &gai_error, &mmdb_error);
    MMDB_close(&mmdb);
    if (gai_error != 0 || mmdb_error != MMDB_SUCCESS)
        throw std::runtime_error(std::string("the database cannot be searched: ") + MMDB_strerror(mmdb_error));
    if (info.database_type.find("City") == std::string::npos)
        throw std::runtime_error("a " + info.database_type + " database, not a City one");
    return info;
}

bool GeoIp::is_open() const {
    std::shared_lock lock(mutex_);
    return db_ != nullptr;
}

bool GeoIp::reopen() {
    auto fresh = open_db(path_);
    if (!fresh) return false;
    std::unique_lock lock(mutex_);
    db_ = std::move(fresh);
    return true;
}

std::optional<Location> GeoIp::lookup(const boost::asio::ip::address& ip) const {
    if (is_non_public(ip)) return std::nullopt;
    std::shared_lock lock(mutex_);
    if (!db_) return std::nullopt;
    int gai_error = 0, mmdb_error = 0;
    const std::string text_ip = ip.to_string();
    auto result = MMDB_lookup_string(&db_->mmdb, text_ip.c_str(), &gai_error, &mmdb_error);
    if (gai_error != 0 || mmdb_error != MMDB_SUCCESS || !result.found_entry) return std::nullopt;
    static const char* const city[] = {"city", "names", "en", nullptr};
    static const char* const region[] = {"subdivisions", "0", "names", "en", nullptr};
    static const char* const country[] = {"country", "names", "en", nullptr};
    static const char* const country_code[] = {"country", "iso_code", nullptr};
    static const char* const latitude[] = {"location", "latitude", nullptr};
    static const char* const longitude[] = {"location", "longitude", nullptr};
    Location loc;
    loc.city = text(&result.entry, city);
    loc.region = text(&result.entry, region);
    loc.country = text(&result.entry, country);
    loc.country_code = text(&result.entry, country_code);
    loc.latitude = number(&result.entry, latitude);
    loc.longitude = number(&result.entry, longitude);
    if (!loc.country && !loc.city) return std::nullopt;
    return loc;
}

std::string Location::to_json() const {
    auto s = [](const std::optional<std::string>& v) { return v ? boost::json::value(*v) : boost::json::value(nullptr); };
    auto d = [](const std::optional<double>& v) { return v ? boost::json::value(*v) : boost::json::value(nullptr); };
    return boost::json::serialize(boost::json::object{{"city", s(city)},
                                                      {"region", s(region)},
                                                      {"country", s(country)},
                                                      {"country_code", s(country_code)},
                                                      {"latitude", d(latitude)},
                                                      {"longitude", d(longitude)}});
}

std::string Location::readable() const {
    std::string out;
    for (const auto* part : {&city, &region, &country})
        if (*part && !(*part)->empty()) out += (out.empty() ? "" : ", ") + **part;
    return out.empty() ? "Unknown" : out;
}

}  // namespace geo
