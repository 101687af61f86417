#pragma once
// A software WebAuthn authenticator and client for tests: it answers the server's creation
// and request options the way a browser and a platform authenticator do (client data JSON,
// authenticator data, attestation object "none" or packed self-attestation, assertion
// signatures), with ES256, EdDSA or RS256 keys made by OpenSSL and CBOR written by libcbor.
#include "security/hash.hpp"
#include "security/jwt.hpp"
#include "security/random.hpp"

#include <boost/json.hpp>
#include <cbor.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace testing_support {

class SoftAuthenticator {
public:
    // alg: -7 (ES256), -8 (EdDSA) or -257 (RS256).
    explicit SoftAuthenticator(int alg = -7) : alg_(alg) {
        EVP_PKEY* key = nullptr;
        if (alg == -7)
            key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
        else if (alg == -8)
            key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
        else
            key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
        if (!key) throw std::runtime_error("keygen failed");
        key_ = std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
        id_ = security::random_bytes(32);
    }

    std::string origin = "http://localhost:3000";
    std::string attestation = "none";  // or "packed" (self attestation)
    bool user_verified = true;
    bool user_present = true;
    std::uint32_t counter = 0;  // the next signature carries counter + 1 (0 stays 0: no counter)
    bool keeps_counter = true;
    std::string user_handle;  // set by create()

    const std::string& credential_id() const { return id_; }

    // navigator.credentials.create(options) as PublicKeyCredential.toJSON().
    boost::json::object create(const boost::json::object& options) {
        const std::string rp_id(options.at("rp").at("id").as_string());
        user_handle = *security::base64url_decode(options.at("user").at("id").as_string());
        const auto client_data = client_data_json("webauthn.create", options.at("challenge").as_string());
        std::string auth = auth_data(rp_id, 0x40);  // AT
        auth += std::string(16, '\0');              // AAGUID
        auth += static_cast<char>(id_.size() >> 8);
        auth += static_cast<char>(id_.size() & 0xFF);
        auth += id_ + cose_key();
        cbor_item_t* statement = cbor_new_definite_map(attestation == "packed" ? 2 : 0);
        if (attestation == "packed") {
            add(statement, cbor_build_string("alg"), integer(alg_));
            const auto sig = sign(auth + security::sha256_bytes(client_data));
            add(statement, cbor_build_string("sig"), bytes(sig));
        }
        cbor_item_t* object = cbor_new_definite_map(3);
        add(object, cbor_build_string("fmt"), cbor_build_string(attestation.c_str()));
        add(object, cbor_build_string("attStmt"), statement);
        add(object, cbor_build_string("authData"), bytes(auth));
        return credential({{"clientDataJSON", security::base64url_encode(client_data)},
                           {"attestationObject", security::base64url_encode(serialize(object))}});
    }

    // navigator.credentials.get(options) as PublicKeyCredential.toJSON().
    boost::json::object get(const boost::json::object& options) {
        const std::string rp_id(options.at("rpId").as_string());
        const auto client_data = client_data_json("webauthn.get", options.at("challenge").as_string());
        const auto auth = auth_data(rp_id, 0);
        const auto signature = sign(auth + security::sha256_bytes(client_data));
        return credential({{"clientDataJSON", security::base64url_encode(client_data)},
                           {"authenticatorData", security::base64url_encode(auth)},
                           {"signature", security::base64url_encode(signature)},
                           {"userHandle", security::base64url_encode(user_handle)}});
    }

    // The credential public key as a COSE_Key.
    std::string cose_key() const {
        if (alg_ == -7) {
            unsigned char point[65];
            size_t len = 0;
            EVP_PKEY_get_octet_string_param(key_.get(), "encoded-pub-key", point, sizeof point, &len);
            cbor_item_t* m = cbor_new_definite_map(5);
            add(m, integer(1), integer(2));
            add(m, integer(3), integer(-7));
            add(m, integer(-1), integer(1));
            add(m, integer(-2), bytes(std::string(reinterpret_cast<char*>(point) + 1, 32)));
            add(m, integer(-3), bytes(std::string(reinterpret_cast<char*>(point) + 33, 32)));
            return serialize(m);
        }
        if (alg_ == -8) {
            unsigned char raw[32];
            size_t len = sizeof raw;
            EVP_PKEY_get_raw_public_key(key_.get(), raw, &len);
            cbor_item_t* m = cbor_new_definite_map(4);
            add(m, integer(1), integer(1));
            add(m, integer(3), integer(-8));
            add(m, integer(-1), integer(6));
            add(m, integer(-2), bytes(std::string(reinterpret_cast<char*>(raw), len)));
            return serialize(m);
        }
        BIGNUM* n = nullptr;
        BIGNUM* e = nullptr;
        EVP_PKEY_get_bn_param(key_.get(), "n", &n);
        EVP_PKEY_get_bn_param(key_.get(), "e", &e);
        std::string nb(static_cast<std::size_t>(BN_num_bytes(n)), '\0'), eb(static_cast<std::size_t>(BN_num_bytes(e)), '\0');
        BN_bn2bin(n, reinterpret_cast<unsigned char*>(nb.data()));
        BN_bn2bin(e, reinterpret_cast<unsigned char*>(eb.data()));
        BN_free(n);
        BN_free(e);
        cbor_item_t* m = cbor_new_definite_map(4);
        add(m, integer(1), integer(3));
        add(m, integer(3), integer(-257));
        add(m, integer(-1), bytes(nb));
        add(m, integer(-2), bytes(eb));
        return serialize(m);
    }

private:
    // A PublicKeyCredential's JSON around its `response`.
    boost::json::object credential(boost::json::object response) const {
        const auto id = security::base64url_encode(id_);
        return {{"id", id}, {"rawId", id}, {"type", "public-key"}, {"response", std::move(response)}};
    }

    std::string client_data_json(const char* type, boost::json::string_view challenge) const {
        return boost::json::serialize(
            boost::json::object{{"type", type}, {"challenge", challenge}, {"origin", origin}, {"crossOrigin", false}});
    }

    std::string auth_data(const std::string& rp_id, std::uint8_t extra_flags) {
        std::string out = security::sha256_bytes(rp_id);
        std::uint8_t flags = extra_flags;
        if (user_present) flags |= 0x01;
        if (user_verified) flags |= 0x04;
        out += static_cast<char>(flags);
        if (keeps_counter) ++counter;
        for (int shift : {24, 16, 8, 0}) out += static_cast<char>((counter >> shift) & 0xFF);
        return out;
    }

    std::string sign(const std::string& data) const {
        std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
        EVP_DigestSignInit(ctx.get(), nullptr, alg_ == -8 ? nullptr : EVP_sha256(), nullptr, key_.get());
        size_t len = 0;
        EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()), data.size());
        std::string sig(len, '\0');
        EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size());
        sig.resize(len);
        return sig;
    }

    static cbor_item_t* integer(int v) {
        return v >= 0 ? cbor_build_uint32(static_cast<std::uint32_t>(v))
                      : cbor_build_negint32(static_cast<std::uint32_t>(-1 - v));
    }
    static cbor_item_t* bytes(const std::string& b) {
        return cbor_build_bytestring(reinterpret_cast<cbor_data>(b.data()), b.size());
    }
    static void add(cbor_item_t* map, cbor_item_t* key, cbor_item_t* value) {
        cbor_map_add(map, cbor_pair{cbor_move(key), cbor_move(value)});
    }
    static std::string serialize(cbor_item_t* item) {
        unsigned char* buffer = nullptr;
        size_t size = 0;
        const size_t length = cbor_serialize_alloc(item, &buffer, &size);
        std::string out(reinterpret_cast<char*>(buffer), length);
        free(buffer);
        cbor_decref(&item);
        return out;
    }

    int alg_;
    std::shared_ptr<EVP_PKEY> key_;  // shared by copies: a cloned authenticator
    std::string id_;
};

}  // namespace testing_support
