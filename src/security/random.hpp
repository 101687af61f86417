#pragma once
// Cryptographically secure randomness (OpenSSL's CSPRNG) and the identifiers built from it.
#include <cstddef>
#include <cstdint>
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
// A UUIDv7 (RFC 9562) for a record made at `unix_ms`: the time comes first, so the ids of
// one process sort in the order they were made (a 12-bit counter orders those of one
// millisecond, and a clock that steps back is held at the last time seen); then 62 random bits.
std::string uuid7(std::int64_t unix_ms);

}  // namespace security
