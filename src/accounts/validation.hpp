#pragma once
// Field rules (docs/api.md): email, username and password formats.
#include <optional>
#include <string>
#include <string_view>

namespace accounts {

// Trimmed, domain lower-cased address, or nullopt when it is not a plausible RFC 5321
// mailbox of at most 250 characters.
std::optional<std::string> normalize_email(std::string_view raw);
// 2-32 of [A-Za-z0-9_.-], not all digits.
bool valid_username(std::string_view username);
// "zoe@example.com" -> "z**@example.com"
std::string mask_email(std::string_view email);

inline constexpr std::size_t kPasswordMin = 8;
inline constexpr std::size_t kPasswordMax = 128;

}  // namespace accounts
