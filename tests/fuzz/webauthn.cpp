// What browsers send in WebAuthn ceremonies: client data JSON, authenticator data with its
// embedded COSE key, attestation objects (CBOR) and signatures. Any input ends in a result
// or a webauthn::Error, never a crash or a hang.
#include "webauthn/webauthn.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const webauthn::RelyingParty rp{"localhost", "Starter", {"http://localhost:3000"}};
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    try {
        (void)webauthn::parse_client_data(bytes);
    } catch (const webauthn::Error&) {
    }
    try {
        auto a = webauthn::parse_authenticator_data(bytes);
        if (a.rp_id_hash.size() != 32) __builtin_trap();
    } catch (const webauthn::Error&) {
    }
    try {
        auto key = webauthn::parse_cose_key(bytes);
        (void)webauthn::verify_signature(key, "data", bytes);
    } catch (const webauthn::Error&) {
    }
    try {
        // The first byte splits the rest between client data and attestation object.
        const std::size_t cut = size ? data[0] % (size) : 0;
        auto made = webauthn::verify_registration(rp, "Y2hhbGxlbmdl", bytes.substr(0, cut), bytes.substr(cut), false);
        if (made.id.empty() || made.key.cose.empty()) __builtin_trap();  // what passes has a credential
    } catch (const webauthn::Error&) {
    }
    return 0;
}
