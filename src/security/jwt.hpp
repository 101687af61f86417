#pragma once
// Just enough JOSE to trust an OpenID Connect ID token: base64url, JWK public keys (RSA and
// EC P-256) and RS256/ES256 signature checks with OpenSSL. Claims are checked by the
// caller, who knows the issuer.
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

// A public signing key from a JWK: RSA (2048 bits or more) signs RS256, EC P-256 signs
// ES256 — the two algorithms OpenID providers sign ID tokens with.
class PublicJwk {
public:
    // Throws JwtError when the JWK is neither (kty, n/e or crv/x/y), or names another `alg`.
    static PublicJwk from_jwk(const boost::json::object& jwk);
    // "RS256" or "ES256".
    const std::string& alg() const { return alg_; }
    // True when `signature`, as a JWS carries it (ES256: r||s, 64 bytes), is a valid
    // signature of `data` by this key under `alg`; false for any other algorithm, so a
    // token cannot pick one the key was not made for.
    bool verify(std::string_view alg, std::string_view data, std::string_view signature) const;

private:
    std::string alg_;
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
