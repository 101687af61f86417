#include "support/fake_maxmind.hpp"

#include "security/hash.hpp"
#include "security/random.hpp"
#include "support/process.hpp"
#include "support/test_server.hpp"

#include <boost/beast/core/detail/base64.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace testing_support {
namespace {

constexpr const char* kPermalink = "/geoip/databases/GeoLite2-City/download";
constexpr const char* kStorage = "/storage/GeoLite2-City_20261201.tar.gz";

std::string basic(const std::string& user, const std::string& password) {
    const std::string raw = user + ":" + password;
    std::string out(boost::beast::detail::base64::encoded_size(raw.size()), '\0');
    out.resize(boost::beast::detail::base64::encode(out.data(), raw.data(), raw.size()));
    return "Basic " + out;
}

}  // namespace

FakeMaxMind::FakeMaxMind()
    : server_([this](const Received& r) -> Reply {
          const auto auth_it = r.headers.find("authorization");
          const std::string auth = auth_it == r.headers.end() ? "" : auth_it->second;
          std::lock_guard lock(mutex_);
          if (r.target.starts_with(kStorage)) {
              storage_authorizations_.push_back(auth);
              ++archive_downloads_;
              return {200, archive_, {}, "application/gzip"};
          }
          if (!r.target.starts_with(kPermalink)) return {404, "not found", {}, "text/plain"};
          if (auth != basic(kAccount, kLicense)) return {401, "Invalid license key", {}, "text/plain"};
          permalink_saw_credentials_ = true;
          if (r.target.ends_with("?suffix=tar.gz.sha256"))
              return {200, digest_ + "  GeoLite2-City_20261201.tar.gz\n", {}, "text/plain"};
          if (r.target.ends_with("?suffix=tar.gz"))
              return {302, "", {{"Location", "http://127.0.0.1:" + std::to_string(server_.port()) + kStorage}}, "text/plain"};
          return {400, "Invalid suffix", {}, "text/plain"};
      }) {}

void FakeMaxMind::serve(std::string archive, std::string announced_digest) {
    std::lock_guard lock(mutex_);
    digest_ = announced_digest.empty() ? security::sha256_hex(archive) : std::move(announced_digest);
    archive_ = std::move(archive);
}

std::string FakeMaxMind::permalink() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + kPermalink; }

std::vector<std::string> FakeMaxMind::storage_authorizations() const {
    std::lock_guard lock(mutex_);
    return storage_authorizations_;
}

std::string FakeMaxMind::archive_of(const std::vector<std::pair<std::string, std::string>>& files) {
    const auto dir = std::filesystem::temp_directory_path() / ("fake-maxmind-" + security::random_hex(8));
    const auto inner = dir / "GeoLite2-City_20261201";
    std::filesystem::create_directories(inner);
    for (const auto& [name, bytes] : files) std::ofstream(inner / name, std::ios::binary) << bytes;
    const auto archive = dir / "out.tar.gz";
    // gzip -1: the same format as MaxMind's, in a third of the time of the default level
    // (the tests pack the 63 MB database twice per test).
    auto [rc, out] = run_command(
        {"/bin/tar", "-C", dir.string(), "--use-compress-program=gzip -1", "-cf", archive.string(), "GeoLite2-City_20261201"},
        {});
    if (rc != 0) throw std::runtime_error("tar failed: " + out);
    auto bytes = read_file(archive);
    std::filesystem::remove_all(dir);
    return bytes;
}

}  // namespace testing_support
