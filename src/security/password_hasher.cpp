#include "security/password_hasher.hpp"

#include <argon2.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

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

std::string unmatchable_hash(const Argon2Params& params) {
    unsigned char salt[kSaltBytes], digest[kHashBytes];
    if (RAND_bytes(salt, sizeof salt) != 1 || RAND_bytes(digest, sizeof digest) != 1) throw std::runtime_error("CSPRNG failure");
    // The PHC string's base64 has no padding.
    auto b64 = [](const unsigned char* data, std::size_t size) {
        std::string out(4 * ((size + 2) / 3), '\0');
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
        out.erase(out.find_last_not_of('=') + 1);
        return out;
    };
    return "$argon2id$v=" + std::to_string(ARGON2_VERSION_NUMBER) + "$m=" + std::to_string(params.memory_kib) +
           ",t=" + std::to_string(params.time_cost) + ",p=" + std::to_string(params.parallelism) + "$" + b64(salt, sizeof salt) +
           "$" + b64(digest, sizeof digest);
}

PasswordHasher::PasswordHasher(Argon2Params params)
    : params_(params),
      dummy_hash_(unmatchable_hash(params)),
      slots_(std::make_unique<std::counting_semaphore<1024>>(std::max(1, params.max_concurrent))) {}

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
