#pragma once
// MaxMind's download service on a loopback port, as geoipupdate sees it: the edition's
// permalink answers `?suffix=tar.gz.sha256` with "<sha256>  <file name>" and `?suffix=tar.gz`
// with a 302 to a storage URL (a presigned one, at MaxMind) that serves the archive without
// credentials; both permalink answers need HTTP Basic account id + licence key (401
// otherwise). Archives are real tar.gz files made with tar(1) around a real .mmdb.
#include "support/loopback_server.hpp"

#include <atomic>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace testing_support {

class FakeMaxMind {
public:
    static constexpr const char* kAccount = "123456";
    static constexpr const char* kLicense = "fake-licence-key-0123456789";

    FakeMaxMind();
    // What the next requests get: an archive's bytes, and the digest announced for it
    // (default: the archive's true SHA-256).
    void serve(std::string archive, std::string announced_digest = "");
    std::string permalink() const;  // for GEOIP_DOWNLOAD_URL

    int archive_downloads() const { return archive_downloads_; }
    // The Authorization header of every request to the storage URL ("" when none came).
    std::vector<std::string> storage_authorizations() const;
    bool permalink_saw_credentials() const { return permalink_saw_credentials_; }

    // tar.gz of a directory GeoLite2-City_<date>/ holding `files` (name -> bytes).
    static std::string archive_of(const std::vector<std::pair<std::string, std::string>>& files);

private:
    mutable std::mutex mutex_;
    std::string archive_, digest_;
    std::vector<std::string> storage_authorizations_;
    std::atomic<int> archive_downloads_{0};
    std::atomic<bool> permalink_saw_credentials_{false};
    LoopbackServer server_;
};

}  // namespace testing_support
