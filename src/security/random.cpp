#include "security/random.hpp"

#include <openssl/rand.h>

#include <array>
#include <mutex>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace security {
namespace {

void fill(unsigned char* out, std::size_t n) {
    if (RAND_bytes(out, static_cast<int>(n)) != 1) throw std::runtime_error("CSPRNG failure");
}

void append_hex(std::string& out, const unsigned char* bytes, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    for (std::size_t i = 0; i < n; ++i) {
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 0xF];
    }
}

}  // namespace

std::string random_hex(std::size_t n) {
    std::vector<unsigned char> buf(n);
    fill(buf.data(), n);
    std::string out;
    out.reserve(2 * n);
    append_hex(out, buf.data(), n);
    return out;
}

std::string random_bytes(std::size_t n) {
    std::string out(n, '\0');
    fill(reinterpret_cast<unsigned char*>(out.data()), n);
    return out;
}

std::string random_text(std::size_t n, std::string_view alphabet) {
    // Rejection sampling: bytes past the largest multiple of the alphabet's size would
    // favour its first characters.
    const std::size_t size = alphabet.size(), limit = 256 - 256 % size;
    std::string out;
    out.reserve(n);
    while (out.size() < n) {
        std::array<unsigned char, 64> buf{};
        fill(buf.data(), buf.size());
        for (unsigned char b : buf)
            if (b < limit && out.size() < n) out += alphabet[b % size];
    }
    return out;
}

namespace {

std::string format_uuid(std::array<unsigned char, 16> b, unsigned char version) {
    b[6] = static_cast<unsigned char>((b[6] & 0x0F) | (version << 4));
    b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < b.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        append_hex(out, &b[i], 1);
    }
    return out;
}

// splitmix64: a well-mixed 64-bit output per counter step.
std::uint64_t mix(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

}  // namespace

std::string uuid4() {
    std::array<unsigned char, 16> b{};
    fill(b.data(), b.size());
    return format_uuid(b, 4);
}

std::string uuid4_nonsecret() {
    thread_local std::uint64_t state = [] {
        std::uint64_t seed = 0;
        fill(reinterpret_cast<unsigned char*>(&seed), sizeof seed);
        return seed;
    }();
    std::array<unsigned char, 16> b{};
    const std::uint64_t hi = mix(state), lo = mix(state);
    std::memcpy(b.data(), &hi, 8);
    std::memcpy(b.data() + 8, &lo, 8);
    return format_uuid(b, 4);
}

std::string uuid7(std::int64_t unix_ms) {
    static std::mutex mutex;
    static std::int64_t last_ms = 0;
    static unsigned counter = 0;
    std::int64_t ms = unix_ms;
    unsigned count = 0;
    {
        std::lock_guard lock(mutex);
        if (ms <= last_ms) {
            ms = last_ms;
            if (++counter > 0xFFF) {  // 4096 in one millisecond: borrow the next one
                ++ms;
                counter = 0;
            }
        } else {
            counter = 0;
        }
        last_ms = ms;
        count = counter;
    }
    std::array<unsigned char, 16> b{};
    fill(b.data() + 8, 8);
    for (int i = 0; i < 6; ++i) b[static_cast<std::size_t>(i)] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
    b[6] = static_cast<unsigned char>(count >> 8);
    b[7] = static_cast<unsigned char>(count & 0xFF);
    return format_uuid(b, 7);
}

}  // namespace security
