#pragma once
// Cryptographically secure randomness (OpenSSL's CSPRNG) and the identifiers built from it.
#include <cstddef>
#include <string>

namespace security {

// `n` random bytes as 2n lowercase hex characters.
std::string random_hex(std::size_t n);
// A random lowercase UUIDv4 string.
std::string uuid4();
// A UUIDv4-shaped identifier that is unique but not a secret (request ids): drawn from a
// per-thread generator seeded once from the CSPRNG, so it costs no system call.
std::string uuid4_nonsecret();

}  // namespace security
