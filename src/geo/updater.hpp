#pragma once
// Keeps the GeoLite2-City database current from MaxMind's download service: asks for the
// archive's SHA-256, and when it differs from the installed one downloads the archive
// (following MaxMind's redirect to its storage, without the credentials), checks the
// digest, takes the .mmdb out, checks that libmaxminddb reads it as a City database,
// renames it over the old file and re-opens GeoIp: no restart. A failure changes nothing
// on disk but temporary files it removes; it is logged, never fatal, and retried sooner.
#include "geo/geoip.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace geo {

struct UpdateOptions {
    std::string account_id;
    std::string license_key;
    std::string download_url;  // the edition's permalink, without its ?suffix=
    std::chrono::milliseconds interval{};
    std::chrono::milliseconds retry_after_failure{std::chrono::hours(1)};
    std::chrono::milliseconds timeout{std::chrono::minutes(10)};  // each request
    bool enabled() const { return !account_id.empty() && !license_key.empty(); }
};

class GeoIpUpdater {
public:
    GeoIpUpdater(GeoIp& geoip, UpdateOptions options);
    ~GeoIpUpdater();  // stops the thread

    enum class Outcome { updated, current, failed };
    struct Result {
        Outcome outcome = Outcome::failed;
        std::string detail;  // why it failed; never a credential
    };
    // One check, now, on the caller's thread.
    Result check_now();
    // Checks in the background: at once, then every `interval` (`retry_after_failure`
    // after a failure), until stop().
    void start();
    void stop();

private:
    void run();

    GeoIp& geoip_;
    UpdateOptions options_;
    std::mutex check_mutex_;  // one check at a time
    std::mutex mutex_;        // guards stopping_ and thread_
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace geo
