// What an OpenID provider (or whoever answers at its address) publishes and we read before
// trusting it: discovery documents, key sets, GitHub's address lists. None may crash the
// reader, and a discovery document accepted for an issuer must say that issuer.
#include "oauth/github.hpp"
#include "oauth/oidc.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        auto d = oauth::parse_discovery(text, "https://sso.example.com/realms/main");
        if (text.find("https://sso.example.com/realms/main") == std::string_view::npos) __builtin_trap();
        if (d.authorization_url.empty() || d.token_url.empty() || d.jwks_url.empty()) __builtin_trap();
    } catch (const oauth::ProviderError&) {
    }
    try {
        for (const auto& [kid, key] : oauth::parse_jwks(text, "fuzz JWKS"))
            if (key.alg() != "RS256" && key.alg() != "ES256") __builtin_trap();
    } catch (const oauth::ProviderError&) {
    }
    (void)oauth::primary_verified_email(text);
    return 0;
}
