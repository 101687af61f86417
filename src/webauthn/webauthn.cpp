#include "webauthn/webauthn.hpp"

#include "security/hash.hpp"
#include "security/jwt.hpp"

#include <boost/json/parse.hpp>
#include <cbor.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>
#include <type_traits>

namespace webauthn {
namespace {

// --- CBOR (libcbor) --------------------------------------------------------------------

struct CborDeleter {
    void operator()(cbor_item_t* item) const { cbor_decref(&item); }
};
using Cbor = std::unique_ptr<cbor_item_t, CborDeleter>;

// The end of the well-formed, definite-length CBOR item at `at`, checked before libcbor sees
// it: libcbor allocates a definite array or map for the count its header claims, so five
// bytes claiming 2^31 items would make it ask for gigabytes (found by fuzzing). Every count
// and length must fit in the bytes that are left; indefinite lengths (never in CTAP2's
// canonical CBOR) and nesting deeper than 16 are refused. nullopt: not such an item.
std::optional<std::size_t> end_of_item(std::string_view b, std::size_t at, int depth) {
    if (depth > 16 || at >= b.size()) return std::nullopt;
    const auto initial = static_cast<unsigned char>(b[at++]);
    const int major = initial >> 5, info = initial & 31;
    std::uint64_t argument = 0;
    if (info < 24) {
        argument = static_cast<std::uint64_t>(info);
    } else if (info <= 27) {
        const std::size_t n = std::size_t{1} << (info - 24);  // 1, 2, 4 or 8 bytes
        if (b.size() - at < n) return std::nullopt;
        for (std::size_t i = 0; i < n; ++i) argument = (argument << 8) | static_cast<unsigned char>(b[at++]);
    } else {
        return std::nullopt;  // reserved, or an indefinite length
    }
    const std::uint64_t left = b.size() - at;
    switch (major) {
        case 0:
        case 1:
        case 7:  // integers, simple values and floats: the argument was all of it
            return at;
        case 2:
        case 3:  // byte and text strings
            if (argument > left) return std::nullopt;
            return at + static_cast<std::size_t>(argument);
        case 4:
        case 5: {  // arrays and maps: each item takes a byte at least
            const std::uint64_t items = major == 5 ? argument * 2 : argument;
            if (argument > left || items > left) return std::nullopt;
            for (std::uint64_t i = 0; i < items; ++i) {
                auto next = end_of_item(b, at, depth + 1);
                if (!next) return std::nullopt;
                at = *next;
            }
            return at;
        }
        default:  // 6: a tag, then its item
            return end_of_item(b, at, depth + 1);
    }
}

// One CBOR item from the start of `bytes`; `used` tells how many bytes it took.
Cbor load_cbor(std::string_view bytes, std::size_t& used) {
    if (!end_of_item(bytes, 0, 0)) throw Error("malformed CBOR");
    cbor_load_result result{};
    Cbor item(cbor_load(reinterpret_cast<cbor_data>(bytes.data()), bytes.size(), &result));
    if (!item || result.error.code != CBOR_ERR_NONE) throw Error("malformed CBOR");
    used = result.read;
    return item;
}

std::optional<std::int64_t> as_int(const cbor_item_t* item) {
    if (cbor_isa_uint(item)) {
        const auto v = cbor_get_int(item);
        if (v > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
        return static_cast<std::int64_t>(v);
    }
    if (cbor_isa_negint(item)) {
        const auto v = cbor_get_int(item);
        if (v > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
        return -1 - static_cast<std::int64_t>(v);
    }
    return std::nullopt;
}

std::optional<std::string> as_bytes(const cbor_item_t* item) {
    if (!cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item)) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(cbor_bytestring_handle(item)), cbor_bytestring_length(item));
}

std::optional<std::string> as_text(const cbor_item_t* item) {
    if (!cbor_isa_string(item) || !cbor_string_is_definite(item)) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(cbor_string_handle(item)), cbor_string_length(item));
}

// An integer item's value, or `missing` (absent, or not an integer).
constexpr std::int64_t kMissing = INT64_MIN;
std::int64_t int_or_missing(const cbor_item_t* item) {
    if (!item) return kMissing;
    const auto v = as_int(item);
    return v ? *v : kMissing;
}

// The value under an integer or text key of a CBOR map; null when absent.
template <class Key>
const cbor_item_t* member(const cbor_item_t* map, const Key& key) {
    if (!cbor_isa_map(map) || !cbor_map_is_definite(map)) return nullptr;
    const auto* pairs = cbor_map_handle(map);
    for (std::size_t i = 0; i < cbor_map_size(map); ++i) {
        if constexpr (std::is_integral_v<Key>) {
            if (as_int(pairs[i].key) == key) return pairs[i].value;
        } else if (as_text(pairs[i].key) == key) {
            return pairs[i].value;
        }
    }
    return nullptr;
}

// --- keys and signatures (OpenSSL) -----------------------------------------------------

template <class T, void (*Free)(T*)>
struct Freer {
    void operator()(T* p) const { Free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, Freer<EVP_PKEY, EVP_PKEY_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Freer<EVP_MD_CTX, EVP_MD_CTX_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Freer<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, Freer<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Freer<OSSL_PARAM, OSSL_PARAM_free>>;
using Bignum = std::unique_ptr<BIGNUM, Freer<BIGNUM, BN_free>>;

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

Pkey from_params(const char* type, const ParamBld& build) {
    Params params(OSSL_PARAM_BLD_to_param(build.get()));
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1 || !raw)
        throw Error("the credential's public key is not a valid key");
    return Pkey(raw);
}

// The OpenSSL key of a COSE_Key (RFC 9053): EC2 P-256, RSA (2048 bits or more), OKP Ed25519.
Pkey openssl_key(const PublicKey& key) {
    std::size_t used = 0;
    auto cose = load_cbor(key.cose, used);
    const auto kty = int_or_missing(member(cose.get(), 1));
    if (key.alg == kEs256) {
        const auto crv = int_or_missing(member(cose.get(), -1));
        const auto x = member(cose.get(), -2) ? as_bytes(member(cose.get(), -2)) : std::nullopt;
        const auto y = member(cose.get(), -3) ? as_bytes(member(cose.get(), -3)) : std::nullopt;
        if (kty != 2 || crv != 1 || !x || !y || x->size() != 32 || y->size() != 32)
            throw Error("an ES256 key must be an EC2 P-256 key with 32-byte coordinates");
        std::string point = "\x04" + *x + *y;
        ParamBld build(OSSL_PARAM_BLD_new());
        if (!build || OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
            OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
            throw Error("out of memory");
        return from_params("EC", build);  // fromdata checks that the point is on the curve
    }
    if (key.alg == kRs256) {
        const auto n = member(cose.get(), -1) ? as_bytes(member(cose.get(), -1)) : std::nullopt;
        const auto e = member(cose.get(), -2) ? as_bytes(member(cose.get(), -2)) : std::nullopt;
        if (kty != 3 || !n || !e || n->size() < 256 || n->size() > 1024 || e->empty() || e->size() > 8)
            throw Error("an RS256 key must be an RSA key of 2048 to 8192 bits");
        Bignum bn_n(BN_bin2bn(bytes_of(*n), static_cast<int>(n->size()), nullptr));
        Bignum bn_e(BN_bin2bn(bytes_of(*e), static_cast<int>(e->size()), nullptr));
        ParamBld build(OSSL_PARAM_BLD_new());
        if (!bn_n || !bn_e || !build || OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
            OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1)
            throw Error("out of memory");
        return from_params("RSA", build);
    }
    if (key.alg == kEdDsa) {
        const auto crv = int_or_missing(member(cose.get(), -1));
        const auto x = member(cose.get(), -2) ? as_bytes(member(cose.get(), -2)) : std::nullopt;
        if (kty != 1 || crv != 6 || !x || x->size() != 32) throw Error("an EdDSA key must be an OKP Ed25519 key");
        Pkey pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes_of(*x), x->size()));
        if (!pkey) throw Error("the credential's public key is not a valid key");
        return pkey;
    }
    throw Error("unsupported algorithm " + std::to_string(key.alg) + " (ES256, EdDSA and RS256 are)");
}

bool verify_with(EVP_PKEY* pkey, int alg, std::string_view data, std::string_view signature) {
    MdCtx ctx(EVP_MD_CTX_new());
    if (!ctx) return false;
    const EVP_MD* md = alg == kEdDsa ? nullptr : EVP_sha256();  // Ed25519 hashes internally
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, pkey) != 1) return false;
    return EVP_DigestVerify(ctx.get(), bytes_of(signature), signature.size(), bytes_of(data), data.size()) == 1;
}

std::uint32_t be32(std::string_view b, std::size_t at) {
    return (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) << 24) |
           (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 16) |
           (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 2])) << 8) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 3]));
}

// The checks both ceremonies make on the client data.
ClientData check_client_data(const RelyingParty& rp, std::string_view json, const char* type, std::string_view challenge) {
    auto c = parse_client_data(json);
    if (c.type != type) throw Error("client data is of type '" + c.type.substr(0, 40) + "', not " + type);
    if (!security::constant_time_equal(c.challenge, challenge)) throw Error("the challenge is not the one issued");
    if (std::find(rp.origins.begin(), rp.origins.end(), c.origin) == rp.origins.end())
        throw Error("origin '" + c.origin.substr(0, 100) + "' is not allowed (WEBAUTHN_ORIGINS)");
    if (c.cross_origin) throw Error("cross-origin ceremonies are not allowed");
    return c;
}

void check_flags(const RelyingParty& rp, const AuthenticatorData& a, bool require_user_verification) {
    if (!security::constant_time_equal(a.rp_id_hash, security::sha256_bytes(rp.id)))
        throw Error("the authenticator data is for another relying party");
    if (!a.user_present()) throw Error("the user was not present (UP flag)");
    if (require_user_verification && !a.user_verified()) throw Error("the user was not verified (UV flag)");
}

}  // namespace

ClientData parse_client_data(std::string_view json) {
    boost::system::error_code ec;
    auto v = boost::json::parse(json, ec);
    if (ec || !v.is_object()) throw Error("client data is not a JSON object");
    const auto& o = v.as_object();
    auto text = [&](const char* name) -> std::string {
        auto it = o.find(name);
        if (it == o.end() || !it->value().is_string()) throw Error(std::string("client data has no ") + name);
        return std::string(it->value().as_string());
    };
    ClientData c;
    c.type = text("type");
    c.challenge = text("challenge");
    c.origin = text("origin");
    if (auto it = o.find("crossOrigin"); it != o.end() && it->value().is_bool()) c.cross_origin = it->value().as_bool();
    return c;
}

PublicKey parse_cose_key(std::string_view cose) {
    std::size_t used = 0;
    auto item = load_cbor(cose, used);
    const auto alg = int_or_missing(member(item.get(), 3));
    if (alg == kMissing || alg < INT32_MIN || alg > INT32_MAX) throw Error("the credential's public key names no algorithm");
    PublicKey key{static_cast<int>(alg), std::string(cose.substr(0, used))};
    (void)openssl_key(key);  // a key we can verify with, or Error
    return key;
}

AuthenticatorData parse_authenticator_data(std::string_view bytes) {
    if (bytes.size() < 37) throw Error("authenticator data is shorter than 37 bytes");
    AuthenticatorData a;
    a.rp_id_hash = std::string(bytes.substr(0, 32));
    a.flags = static_cast<std::uint8_t>(bytes[32]);
    a.sign_count = be32(bytes, 33);
    std::string_view rest = bytes.substr(37);
    if (a.flags & 0x40) {  // AT: attested credential data
        if (rest.size() < 18) throw Error("attested credential data is truncated");
        AttestedCredential c;
        c.aaguid = std::string(rest.substr(0, 16));
        const std::size_t id_length =
            (static_cast<std::size_t>(static_cast<unsigned char>(rest[16])) << 8) | static_cast<unsigned char>(rest[17]);
        if (id_length == 0 || id_length > 1023 || rest.size() < 18 + id_length)
            throw Error("the credential id is empty, longer than 1023 bytes or truncated");
        c.id = std::string(rest.substr(18, id_length));
        rest.remove_prefix(18 + id_length);
        std::size_t used = 0;
        (void)load_cbor(rest, used);
        c.key = parse_cose_key(rest.substr(0, used));
        rest.remove_prefix(used);
        a.credential = std::move(c);
    }
    if (a.flags & 0x80) {  // ED: extensions, which we do not use, must still be one CBOR map
        std::size_t used = 0;
        auto ext = load_cbor(rest, used);
        if (!cbor_isa_map(ext.get())) throw Error("authenticator extensions are not a CBOR map");
        rest.remove_prefix(used);
    }
    if (!rest.empty()) throw Error("authenticator data has trailing bytes");
    return a;
}

bool verify_signature(const PublicKey& key, std::string_view data, std::string_view signature) {
    auto pkey = openssl_key(key);
    return verify_with(pkey.get(), key.alg, data, signature);
}

NewCredential verify_registration(const RelyingParty& rp, std::string_view challenge, std::string_view client_data_json,
                                  std::string_view attestation_object, bool require_user_verification) {
    check_client_data(rp, client_data_json, "webauthn.create", challenge);
    std::size_t used = 0;
    auto att = load_cbor(attestation_object, used);
    if (used != attestation_object.size()) throw Error("the attestation object has trailing bytes");
    const auto fmt = member(att.get(), "fmt") ? as_text(member(att.get(), "fmt")) : std::nullopt;
    const auto auth_data = member(att.get(), "authData") ? as_bytes(member(att.get(), "authData")) : std::nullopt;
    const auto* statement = member(att.get(), "attStmt");
    if (!fmt || !auth_data || !statement || !cbor_isa_map(statement))
        throw Error("the attestation object lacks fmt, authData or attStmt");
    auto a = parse_authenticator_data(*auth_data);
    check_flags(rp, a, require_user_verification);
    if (!a.credential) throw Error("the authenticator data carries no credential (AT flag)");

    if (*fmt == "packed") {
        // §8.2: a signature over authData || sha256(clientDataJSON), by the attestation
        // certificate's key (x5c) or, in self attestation, by the credential's own key.
        const auto alg = int_or_missing(member(statement, "alg"));
        const auto sig = member(statement, "sig") ? as_bytes(member(statement, "sig")) : std::nullopt;
        if (alg == kMissing || !sig) throw Error("a packed attestation needs alg and sig");
        const std::string signed_data = *auth_data + security::sha256_bytes(client_data_json);
        const auto* x5c = member(statement, "x5c");
        if (x5c) {
            if (!cbor_isa_array(x5c) || cbor_array_size(x5c) == 0) throw Error("x5c is not a list of certificates");
            const auto der = as_bytes(cbor_array_handle(x5c)[0]);
            if (!der) throw Error("x5c[0] is not a certificate");
            const unsigned char* p = bytes_of(*der);
            std::unique_ptr<X509, Freer<X509, X509_free>> cert(d2i_X509(nullptr, &p, static_cast<long>(der->size())));
            if (!cert) throw Error("x5c[0] is not a DER certificate");
            Pkey pkey(X509_get_pubkey(cert.get()));
            if (!pkey || !verify_with(pkey.get(), static_cast<int>(alg), signed_data, *sig))
                throw Error("the packed attestation signature does not verify");
        } else {
            if (alg != a.credential->key.alg) throw Error("the self-attestation algorithm is not the credential's");
            if (!verify_signature(a.credential->key, signed_data, *sig))
                throw Error("the packed self-attestation signature does not verify");
        }
    } else if (*fmt == "none") {
        if (cbor_map_size(statement) != 0) throw Error("a 'none' attestation must have an empty statement");
    } else {
        throw Error("attestation format '" + fmt->substr(0, 40) + "' is not supported (ask for attestation 'none')");
    }
    NewCredential out;
    out.id = a.credential->id;
    out.key = a.credential->key;
    out.sign_count = a.sign_count;
    out.user_verified = a.user_verified();
    out.backup_eligible = a.backup_eligible();
    out.backed_up = a.backed_up();
    out.aaguid = a.credential->aaguid;
    out.format = *fmt;
    return out;
}

CheckedAssertion verify_assertion(const RelyingParty& rp, std::string_view challenge, const PublicKey& key,
                                  std::string_view client_data_json, std::string_view authenticator_data,
                                  std::string_view signature, bool require_user_verification) {
    check_client_data(rp, client_data_json, "webauthn.get", challenge);
    auto a = parse_authenticator_data(authenticator_data);
    check_flags(rp, a, require_user_verification);
    const std::string signed_data = std::string(authenticator_data) + security::sha256_bytes(client_data_json);
    if (!verify_signature(key, signed_data, signature)) throw Error("the assertion signature does not verify");
    return {a.sign_count, a.user_verified(), a.backed_up()};
}

}  // namespace webauthn
