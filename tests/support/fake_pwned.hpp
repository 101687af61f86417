#pragma once
// Have I Been Pwned's Pwned Passwords range API on a loopback port, as it answers:
// GET /range/{5 hex digits} -> "SUFFIX:COUNT" lines (CRLF) for every known hash under the
// prefix and, with `Add-Padding: true`, decoy lines with count 0 so every answer is of
// similar size. Records what it was asked, so tests can prove what left the server.
#include "support/loopback_server.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace testing_support {

class FakePwnedPasswords {
public:
    FakePwnedPasswords();
    ~FakePwnedPasswords();

    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
    // `password` appears `count` times in breaches from now on.
    void add(const std::string& password, std::uint64_t count);
    // 0: answer normally; else every request gets this status.
    void fail_with(int status);
    void delay(std::chrono::milliseconds d);

    struct Request {
        std::string target;
        bool padding = false;  // Add-Padding: true was sent
    };
    std::vector<Request> requests() const;

private:
    Reply handle(const Received& request);
    mutable std::mutex mutex_;
    std::map<std::string, std::uint64_t> counts_;  // by upper-case SHA-1
    int fail_status_ = 0;
    std::chrono::milliseconds delay_{0};
    std::vector<Request> requests_;
    std::unique_ptr<LoopbackServer> server_;  // last: stops before the state it uses goes
};

}  // namespace testing_support
