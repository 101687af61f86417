#include "security/hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace security {

namespace {

std::string hex(const unsigned char* bytes, unsigned int len) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * len);
    for (unsigned int i = 0; i < len; ++i) {
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 0xF];
    }
    return out;
}

// OpenSSL 3 looks EVP_sha256() up in its provider table on every use; fetching it once
// removes that lock and lookup from every authenticated request.
const EVP_MD* sha256_md() {
    static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md ? md : EVP_sha256();
}

}  // namespace

std::string sha256_hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &len, sha256_md(), nullptr) != 1) throw std::runtime_error("sha256 failed");
    return hex(digest, len);
}

std::string sha256_bytes(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &len, sha256_md(), nullptr) != 1) throw std::runtime_error("sha256 failed");
    return std::string(reinterpret_cast<const char*>(digest), len);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
              data.size(), mac, &len))
        throw std::runtime_error("hmac-sha256 failed");
    return std::string(reinterpret_cast<const char*>(mac), len);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
    const auto mac = hmac_sha256(key, data);
    return hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

std::string to_hex(std::string_view bytes) {
    return hex(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<unsigned int>(bytes.size()));
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace security
