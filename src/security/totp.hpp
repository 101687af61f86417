#pragma once
// Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP) as authenticator apps make
// them: HMAC-SHA1, 6 digits, 30-second steps. Secrets travel as RFC 4648 base32.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace security::totp {

inline constexpr int kDigits = 6;
inline constexpr std::int64_t kStepSeconds = 30;
inline constexpr std::size_t kSecretBytes = 20;  // 160 bits, RFC 4226's recommendation

// Upper-case base32 without padding ("JBSWY3DPEHPK3PXP"), as otpauth:// URIs carry it.
std::string base32_encode(std::string_view bytes);
// Case-insensitive; spaces and '=' padding are ignored. nullopt on any other character.
std::optional<std::string> base32_decode(std::string_view text);

// The step a Unix time (seconds) falls in.
inline std::int64_t step_at(std::int64_t unix_seconds) { return unix_seconds / kStepSeconds; }
// The code of one step, zero-padded ("004217").
std::string code_at(std::string_view secret, std::int64_t step);

// The step whose code `code` is, among the previous, current and next step at `unix_seconds`
// (clock drift of up to 30 s either way), provided it is later than `last_used_step` (a code
// is accepted once). nullopt: wrong, malformed, or already used. Compares in constant time.
std::optional<std::int64_t> accept(std::string_view secret, std::string_view code, std::int64_t unix_seconds,
                                   std::optional<std::int64_t> last_used_step);

// otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
std::string otpauth_uri(std::string_view secret, std::string_view issuer, std::string_view account);

}  // namespace security::totp
