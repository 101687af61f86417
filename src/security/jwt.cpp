#include "security/jwt.hpp"

#include <boost/json/parse.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <array>

namespace security {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int sextet(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

boost::json::object json_object(std::string_view part, const char* what) {
    auto bytes = base64url_decode(part);
    if (!bytes) throw JwtError(std::string(what) + " is not base64url");
    boost::system::error_code ec;
    auto v = boost::json::parse(*bytes, ec);
    if (ec || !v.is_object()) throw JwtError(std::string(what) + " is not a JSON object");
    return std::move(v.as_object());
}

std::string jwk_member(const boost::json::object& jwk, const char* name) {
    auto it = jwk.find(name);
    if (it == jwk.end() || !it->value().is_string()) throw JwtError(std::string("JWK has no '") + name + "'");
    return std::string(it->value().as_string());
}

template <class T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, decltype([](T* p) { Free(p); })>;

}  // namespace

std::string base64url_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                     static_cast<unsigned char>(bytes[i + 2]);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    if (auto rest = bytes.size() - i; rest > 0) {
        unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        if (rest == 2) out += kAlphabet[(v >> 6) & 63];
    }
    return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    while (!text.empty() && text.back() == '=') text.remove_suffix(1);
    if (text.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(text.size() * 3 / 4);
    unsigned acc = 0;
    int bits = 0;
    for (char c : text) {
        int s = sextet(c);
        if (s < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<unsigned>(s);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    // Leftover bits must be zero, so every text has one decoding.
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

namespace {

using Pkey = std::shared_ptr<void>;

Pkey key_from_params(const char* type, OSSL_PARAM_BLD* build, const char* what) {
    Owned<OSSL_PARAM, OSSL_PARAM_free> params(OSSL_PARAM_BLD_to_param(build));
    Owned<EVP_PKEY_CTX, EVP_PKEY_CTX_free> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* raw = nullptr;
    // fromdata checks the key: an EC point must be on the curve.
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1 || !raw)
        throw JwtError(std::string("JWK is not a valid ") + what + " public key");
    return Pkey(raw, [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); });
}

Pkey rsa_key(const boost::json::object& jwk) {
    auto n = base64url_decode(jwk_member(jwk, "n"));
    auto e = base64url_decode(jwk_member(jwk, "e"));
    if (!n || !e || n->empty() || e->empty() || e->size() > 8 || n->size() > 1024) throw JwtError("JWK n or e is malformed");
    Owned<BIGNUM, BN_free> bn_n(
        BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), static_cast<int>(n->size()), nullptr));
    Owned<BIGNUM, BN_free> bn_e(
        BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), static_cast<int>(e->size()), nullptr));
    if (!bn_n || !bn_e) throw JwtError("out of memory");
    if (BN_num_bits(bn_n.get()) < 2048) throw JwtError("JWK RSA key is shorter than 2048 bits");
    Owned<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free> build(OSSL_PARAM_BLD_new());
    if (!build || OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1)
        throw JwtError("cannot build RSA parameters");
    return key_from_params("RSA", build.get(), "RSA");
}

Pkey ec_p256_key(const boost::json::object& jwk) {
    if (jwk_member(jwk, "crv") != "P-256") throw JwtError("JWK EC key is not on P-256");
    auto x = base64url_decode(jwk_member(jwk, "x"));
    auto y = base64url_decode(jwk_member(jwk, "y"));
    if (!x || !y || x->size() != 32 || y->size() != 32) throw JwtError("JWK x or y is not a 32-byte coordinate");
    const std::string point = "\x04" + *x + *y;
    Owned<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free> build(OSSL_PARAM_BLD_new());
    if (!build || OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
        throw JwtError("cannot build EC parameters");
    return key_from_params("EC", build.get(), "EC P-256");
}

// A JWS ES256 signature (r||s) as the DER ECDSA-Sig-Value OpenSSL verifies; "" when malformed.
std::string der_of_es256(std::string_view raw) {
    if (raw.size() != 64) return {};
    auto* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
    auto* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
    Owned<ECDSA_SIG, ECDSA_SIG_free> sig(ECDSA_SIG_new());
    if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
        BN_free(r);
        BN_free(s);
        return {};
    }
    unsigned char* der = nullptr;
    int len = i2d_ECDSA_SIG(sig.get(), &der);
    if (len <= 0) return {};
    std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
    return out;
}

}  // namespace

PublicJwk PublicJwk::from_jwk(const boost::json::object& jwk) {
    const auto kty = jwk_member(jwk, "kty");
    PublicJwk key;
    if (kty == "RSA") {
        key.alg_ = "RS256";
        key.key_ = rsa_key(jwk);
    } else if (kty == "EC") {
        key.alg_ = "ES256";
        key.key_ = ec_p256_key(jwk);
    } else {
        throw JwtError("JWK is neither an RSA nor an EC key");
    }
    if (auto it = jwk.find("alg"); it != jwk.end() && (!it->value().is_string() || it->value().as_string() != key.alg_))
        throw JwtError("JWK is for another algorithm than " + key.alg_);
    return key;
}

bool PublicJwk::verify(std::string_view alg, std::string_view data, std::string_view signature) const {
    if (alg != alg_ || !key_) return false;
    std::string der;
    if (alg_ == "ES256") {
        der = der_of_es256(signature);
        if (der.empty()) return false;
        signature = der;
    }
    Owned<EVP_MD_CTX, EVP_MD_CTX_free> ctx(EVP_MD_CTX_new());
    if (!ctx) return false;
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, static_cast<EVP_PKEY*>(key_.get())) != 1) return false;
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                            reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

Jwt Jwt::parse(std::string_view compact) {
    auto first = compact.find('.');
    auto second = first == std::string_view::npos ? first : compact.find('.', first + 1);
    if (second == std::string_view::npos || compact.find('.', second + 1) != std::string_view::npos)
        throw JwtError("a JWS has three parts");
    Jwt jwt;
    jwt.header = json_object(compact.substr(0, first), "JWT header");
    jwt.claims = json_object(compact.substr(first + 1, second - first - 1), "JWT payload");
    auto sig = base64url_decode(compact.substr(second + 1));
    if (!sig) throw JwtError("JWT signature is not base64url");
    jwt.signature = std::move(*sig);
    jwt.signing_input = std::string(compact.substr(0, second));
    return jwt;
}

}  // namespace security
