// What the second factor reads that an attacker may shape: codes typed by users (TOTP and
// recovery codes), base32 secrets, and sealed values read back from a database someone
// may have tampered with. None may crash; a sealed value opens only in its own context.
#include "mfa/service.hpp"
#include "security/sealed.hpp"
#include "security/totp.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto key = *security::DataKey::parse(std::string(64, 'a'));
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto bytes = security::totp::base32_decode(text)) {
        // Decoding what we encode gives it back.
        if (security::totp::base32_decode(security::totp::base32_encode(*bytes)) != *bytes) __builtin_trap();
    }
    const std::string secret = "12345678901234567890";
    if (auto step = security::totp::accept(secret, text, 1'700'000'000, std::nullopt))
        if (security::totp::code_at(secret, *step) != text) __builtin_trap();  // only the real code is accepted
    (void)mfa::normalize_recovery_code(text);
    (void)security::DataKey::parse(text);
    try {
        (void)key.open(text, "totp:user");
        // Nothing the fuzzer writes is a value we sealed.
        __builtin_trap();
    } catch (const security::SealError&) {
    }
    // What we seal opens, and only in its own context.
    const auto sealed = key.seal(text, "ctx");
    if (key.open(sealed, "ctx") != text) __builtin_trap();
    try {
        (void)key.open(sealed, "other");
        __builtin_trap();
    } catch (const security::SealError&) {
    }
    return 0;
}
