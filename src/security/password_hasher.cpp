#include "security/password_hasher.hpp"

#include <argon2.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace security {
namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;

class Slot {
public:
    explicit Slot(std::counting_semaphore<1024>& s) : s_(s) { s_.acquire(); }
    ~Slot() { s_.release(); }

private:
    std::counting_semaphore<1024>& s_;
};

}  // namespace

PasswordHasher::PasswordHasher(Argon2Params params)
    : params_(params), slots_(std::make_unique<std::counting_semaphore<1024>>(std::max(1, params.max_concurrent))) {
    std::vector<unsigned char> random(24);
    RAND_bytes(random.data(), static_cast<int>(random.size()));
    dummy_hash_ = hash(std::string_view(reinterpret_cast<const char*>(random.data()), random.size()));
}

std::string PasswordHasher::hash(std::string_view password) const {
    unsigned char salt[kSaltBytes];
    if (RAND_bytes(salt, sizeof salt) != 1) throw std::runtime_error("CSPRNG failure");
    const std::size_t len =
        argon2_encodedlen(params_.time_cost, params_.memory_kib, params_.parallelism, kSaltBytes, kHashBytes, Argon2_id);
    std::string encoded(len, '\0');
    Slot slot(*slots_);
    int rc = argon2id_hash_encoded(params_.time_cost, params_.memory_kib, params_.parallelism, password.data(), password.size(),
                                   salt, sizeof salt, kHashBytes, encoded.data(), encoded.size());
    if (rc != ARGON2_OK) throw std::runtime_error(std::string("argon2 failed: ") + argon2_error_message(rc));
    encoded.resize(std::strlen(encoded.c_str()));
    return encoded;
}

bool PasswordHasher::verify(std::string_view encoded, std::string_view password) const {
    if (!encoded.starts_with("$argon2id$")) return false;
    const std::string enc(encoded);
    Slot slot(*slots_);
    return argon2id_verify(enc.c_str(), password.data(), password.size()) == ARGON2_OK;
}

void PasswordHasher::verify_dummy(std::string_view password) const { (void)verify(dummy_hash_, password); }

bool PasswordHasher::needs_rehash(std::string_view encoded) const {
    unsigned version = 0, m = 0, t = 0, p = 0;
    const std::string enc(encoded);
    if (std::sscanf(enc.c_str(), "$argon2id$v=%u$m=%u,t=%u,p=%u$", &version, &m, &t, &p) != 4) return true;
    return version != ARGON2_VERSION_NUMBER || m != params_.memory_kib || t != params_.time_cost || p != params_.parallelism;
}

}  // namespace security
