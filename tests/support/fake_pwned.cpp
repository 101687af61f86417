#include "support/fake_pwned.hpp"

#include "security/breached.hpp"
#include "security/random.hpp"

#include <thread>

namespace testing_support {

FakePwnedPasswords::FakePwnedPasswords()
    : server_(std::make_unique<LoopbackServer>([this](const Received& r) { return handle(r); })) {}

FakePwnedPasswords::~FakePwnedPasswords() { server_.reset(); }

void FakePwnedPasswords::add(const std::string& password, std::uint64_t count) {
    std::lock_guard lock(mutex_);
    counts_[security::sha1_upper_hex(password)] = count;
}

void FakePwnedPasswords::fail_with(int status) {
    std::lock_guard lock(mutex_);
    fail_status_ = status;
}

void FakePwnedPasswords::delay(std::chrono::milliseconds d) {
    std::lock_guard lock(mutex_);
    delay_ = d;
}

std::vector<FakePwnedPasswords::Request> FakePwnedPasswords::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

Reply FakePwnedPasswords::handle(const Received& request) {
    std::chrono::milliseconds delay{0};
    Reply reply;
    reply.content_type = "text/plain";
    {
        std::lock_guard lock(mutex_);
        auto padding = request.headers.find("add-padding");
        requests_.push_back({request.target, padding != request.headers.end() && padding->second == "true"});
        delay = delay_;
        if (fail_status_) {
            reply.status = fail_status_;
            reply.body = "error code: 522";
            return reply;
        }
        const std::string prefix = request.target.starts_with("/range/") ? request.target.substr(7) : "";
        if (request.method != "GET" || prefix.size() != 5 ||
            prefix.find_first_not_of("0123456789ABCDEFabcdef") != std::string::npos) {
            reply.status = 400;
            reply.body = "The hash prefix was not in a valid format";
            return reply;
        }
        std::string upper = prefix;
        for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        for (auto it = counts_.lower_bound(upper); it != counts_.end() && it->first.starts_with(upper); ++it)
            reply.body += it->first.substr(5) + ":" + std::to_string(it->second) + "\r\n";
        if (requests_.back().padding)
            for (int i = 0; i < 800; ++i) {
                auto decoy = security::random_hex(18).substr(0, 35);
                for (auto& c : decoy) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                reply.body += decoy + ":0\r\n";
            }
    }
    if (delay.count()) std::this_thread::sleep_for(delay);
    return reply;
}

}  // namespace testing_support
