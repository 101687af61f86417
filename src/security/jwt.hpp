#pragma once
// Just enough JOSE to trust a Google ID token: base64url, JWK RSA public keys
// and RS256 signature checks with OpenSSL. Claims are checked by the caller,
// who knows the issuer.
#include <boost/json/object.hpp>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace security {

struct JwtError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// RFC 4648 §5 without padding. decode accepts padded input; nullopt on other
// bad input.
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

// An RSA public key built from a JWK's `n` and `e`.
class RsaPublicKey {
public:
    // Throws JwtError when the JWK is not a usable RSA key (kty, n, e; at least
    // 2048 bits).
    static RsaPublicKey from_jwk(const boost::json::object& jwk);
    // True when `signature` is a valid RSASSA-PKCS1-v1_5 SHA-256 signature of
    // `data`.
    bool verify_rs256(std::string_view data, std::string_view signature) const;

private:
    std::shared_ptr<void> key_;  // EVP_PKEY
};

// A compact JWS split and decoded, its signature not yet checked.
struct Jwt {
    boost::json::object header;
    boost::json::object claims;
    std::string signing_input;  // "header.payload" as sent
    std::string signature;      // raw bytes

    // Throws JwtError on anything but three base64url parts holding JSON objects.
    static Jwt parse(std::string_view compact);
};

}  // namespace security
