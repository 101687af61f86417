#include "security/totp.hpp"

#include "common/url.hpp"
#include "security/hash.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <stdexcept>

namespace security::totp {
namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
}  // namespace

std::string base32_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() * 8 + 4) / 5);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (unsigned char c : bytes) {
        buffer = (buffer << 8) | c;
        bits += 8;
        while (bits >= 5) {
            out += kAlphabet[(buffer >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
    return out;
}

std::optional<std::string> base32_decode(std::string_view text) {
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char raw : text) {
        if (raw == ' ' || raw == '=') continue;
        const char c = (raw >= 'a' && raw <= 'z') ? static_cast<char>(raw - 'a' + 'A') : raw;
        int value = -1;
        if (c >= 'A' && c <= 'Z') value = c - 'A';
        if (c >= '2' && c <= '7') value = c - '2' + 26;
        if (value < 0) return std::nullopt;
        buffer = (buffer << 5) | static_cast<std::uint32_t>(value);
        bits += 5;
        if (bits >= 8) {
            out += static_cast<char>((buffer >> (bits - 8)) & 0xFF);
            bits -= 8;
        }
    }
    return out;
}

std::string code_at(std::string_view secret, std::int64_t step) {
    std::array<unsigned char, 8> counter{};
    for (int i = 7; i >= 0; --i) {
        counter[static_cast<std::size_t>(i)] = static_cast<unsigned char>(step & 0xFF);
        step >>= 8;
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()), counter.data(), counter.size(), mac, &len) || len < 20)
        throw std::runtime_error("HMAC-SHA1 failed");
    // RFC 4226 dynamic truncation.
    const unsigned offset = mac[len - 1] & 0x0F;
    const std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7F) << 24) |
                                 (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                                 (static_cast<std::uint32_t>(mac[offset + 2]) << 8) | mac[offset + 3];
    std::string code = std::to_string(binary % 1'000'000);
    return std::string(kDigits - code.size(), '0') + code;
}

std::optional<std::int64_t> accept(std::string_view secret, std::string_view code, std::int64_t unix_seconds,
                                   std::optional<std::int64_t> last_used_step) {
    if (code.size() != kDigits) return std::nullopt;
    for (char c : code)
        if (c < '0' || c > '9') return std::nullopt;
    const auto now = step_at(unix_seconds);
    std::optional<std::int64_t> matched;
    // Every candidate is computed and compared, so the time taken says nothing about which matched.
    for (auto step : {now - 1, now, now + 1}) {
        const bool equal = constant_time_equal(code_at(secret, step), code);
        if (equal && !matched && (!last_used_step || step > *last_used_step)) matched = step;
    }
    return matched;
}

std::string otpauth_uri(std::string_view secret, std::string_view issuer, std::string_view account) {
    const auto label = common::url_encode(issuer) + ":" + common::url_encode(account);
    return "otpauth://totp/" + label + "?secret=" + base32_encode(secret) + "&issuer=" + common::url_encode(issuer) +
           "&algorithm=SHA1&digits=" + std::to_string(kDigits) + "&period=" + std::to_string(kStepSeconds);
}

}  // namespace security::totp
