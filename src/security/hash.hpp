#pragma once
// Digests and constant-time comparison.
#include <string>
#include <string_view>

namespace security {

// SHA-256 of `data` as 64 lowercase hex characters.
std::string sha256_hex(std::string_view data);
// SHA-256 of `data` as 32 raw bytes (PKCE challenges).
std::string sha256_bytes(std::string_view data);
// HMAC-SHA256 of `data` under `key` as lowercase hex (Facebook's appsecret_proof).
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
// The same as 32 raw bytes (a derived key).
std::string hmac_sha256(std::string_view key, std::string_view data);
// Bytes as lowercase hex.
std::string to_hex(std::string_view bytes);
// Compares two secrets without leaking where they differ (the length is not secret).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace security
