#pragma once
// The server's half of WebAuthn Level 2 ceremonies, kept small: the client data JSON, the
// authenticator data, the attestation object ("none" and "packed") and assertion
// signatures with ES256, RS256 and EdDSA public keys given as COSE keys. CBOR is read with
// libcbor, signatures checked with OpenSSL. Every parser here takes bytes from browsers and
// is fuzzed (tests/fuzz/webauthn.cpp); every failure is a webauthn::Error whose message
// says what did not hold, never a crash.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace webauthn {

struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// COSE algorithm identifiers we accept, in order of preference.
inline constexpr int kEs256 = -7;
inline constexpr int kEdDsa = -8;
inline constexpr int kRs256 = -257;
inline constexpr int kAlgorithms[] = {kEs256, kEdDsa, kRs256};

// Who we are to authenticators: the relying-party id (a registrable domain such as
// "example.com", or "localhost") and the origins whose pages may run ceremonies for it.
struct RelyingParty {
    std::string id;
    std::string name;
    std::vector<std::string> origins;  // "https://app.example.com"
};

// A credential's public key as the authenticator gave it (a COSE_Key, CBOR), and its algorithm.
struct PublicKey {
    int alg = 0;
    std::string cose;
};

struct ClientData {
    std::string type;       // "webauthn.create" | "webauthn.get"
    std::string challenge;  // base64url, as sent
    std::string origin;
    bool cross_origin = false;
};
ClientData parse_client_data(std::string_view json);

struct AttestedCredential {
    std::string aaguid;  // 16 bytes
    std::string id;      // the credential id's bytes
    PublicKey key;
};

struct AuthenticatorData {
    std::string rp_id_hash;  // 32 bytes
    std::uint8_t flags = 0;
    std::uint32_t sign_count = 0;
    std::optional<AttestedCredential> credential;  // registration only (AT flag)

    bool user_present() const { return flags & 0x01; }
    bool user_verified() const { return flags & 0x04; }
    bool backup_eligible() const { return flags & 0x08; }
    bool backed_up() const { return flags & 0x10; }
};
AuthenticatorData parse_authenticator_data(std::string_view bytes);

// The algorithm and key of a COSE_Key, checked to be one we can verify with.
PublicKey parse_cose_key(std::string_view cose);
// True when `signature` is `key`'s signature of `data` (ES256: DER-encoded ECDSA).
bool verify_signature(const PublicKey& key, std::string_view data, std::string_view signature);

// What a checked registration yields.
struct NewCredential {
    std::string id;  // bytes
    PublicKey key;
    std::uint32_t sign_count = 0;
    bool user_verified = false;
    bool backup_eligible = false, backed_up = false;
    std::string aaguid;
    std::string format;  // attestation statement format: "none" | "packed"
};

// A registration response (navigator.credentials.create()) for `challenge` (base64url):
// client data of type webauthn.create from an allowed origin with that challenge, an
// attestation object whose authenticator data is for our RP id, with the user present (and
// verified when `require_user_verification`), a credential and a supported key, and an
// attestation statement that is "none" or a valid "packed" one.
NewCredential verify_registration(const RelyingParty& rp, std::string_view challenge, std::string_view client_data_json,
                                  std::string_view attestation_object, bool require_user_verification);

struct CheckedAssertion {
    std::uint32_t sign_count = 0;
    bool user_verified = false;
    bool backed_up = false;
};

// An authentication response (navigator.credentials.get()) for `challenge`, signed by `key`.
CheckedAssertion verify_assertion(const RelyingParty& rp, std::string_view challenge, const PublicKey& key,
                                  std::string_view client_data_json, std::string_view authenticator_data,
                                  std::string_view signature, bool require_user_verification);

}  // namespace webauthn
