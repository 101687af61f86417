#pragma once
// Cryptographically secure randomness (OpenSSL's CSPRNG) and the identifiers built from it.
#include <cstddef>
#include <string>
#include <string_view>

namespace security {

// `n` random bytes as 2n lowercase hex characters.
std::string random_hex(std::size_t n);
// `n` random bytes (secrets that are not text: TOTP seeds, keys).
std::string random_bytes(std::size_t n);
// `n` characters drawn uniformly from `alphabet` (at most 256 characters).
std::string random_text(std::size_t n, std::string_view alphabet);
// A random lowercase UUIDv4 string.
std::string uuid4();
// A UUIDv4-shaped identifier that is unique but not a secret (request ids): drawn from a
// per-thread generator seeded once from the CSPRNG, so it costs no system call.
std::string uuid4_nonsecret();

}  // namespace security
