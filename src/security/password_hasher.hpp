#pragma once
// Argon2id password hashing in the PHC string format argon2-cffi uses
// ($argon2id$v=19$m=65536,t=3,p=4$salt$hash), with a bound on concurrent hashes
// (each holds `memory_kib` of RAM) and a needs-rehash check for changed parameters.
#include <cstdint>
#include <memory>
#include <semaphore>
#include <string>
#include <string_view>

namespace security {

struct Argon2Params {
    std::uint32_t time_cost = 3;
    std::uint32_t memory_kib = 64 * 1024;
    std::uint32_t parallelism = 4;
    int max_concurrent = 2;  // hashes running at once; others wait
};

// An encoded hash with these parameters that no password matches (its "hash" is random
// bytes): verifying against it costs what a real verification costs. Built rather than
// computed, so a server's start does not pay an Argon2 hash (~0.3 s at the defaults).
std::string unmatchable_hash(const Argon2Params& params);

class PasswordHasher {
public:
    explicit PasswordHasher(Argon2Params params);
    std::string hash(std::string_view password) const;
    // False for a wrong password or a malformed/unsupported hash; never throws on bad input.
    bool verify(std::string_view encoded, std::string_view password) const;
    // Runs a full verification against an unmatchable_hash: the same work as a real check,
    // for logins of unknown or password-less accounts.
    void verify_dummy(std::string_view password) const;
    bool needs_rehash(std::string_view encoded) const;
    const Argon2Params& params() const { return params_; }

private:
    Argon2Params params_;
    std::string dummy_hash_;
    std::unique_ptr<std::counting_semaphore<1024>> slots_;
};

}  // namespace security
