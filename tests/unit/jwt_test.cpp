// The JOSE pieces behind Google sign-in, against keys made here with OpenSSL.
#include "security/hash.hpp"
#include "security/jwt.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>

namespace {

using security::base64url_decode;
using security::base64url_encode;

struct TestKey {
    std::shared_ptr<EVP_PKEY> pkey;
    explicit TestKey(int bits = 2048) : pkey(EVP_RSA_gen(static_cast<unsigned>(bits)), EVP_PKEY_free) {}

    std::string param(const char* name) const {
        BIGNUM* bn = nullptr;
        EVP_PKEY_get_bn_param(pkey.get(), name, &bn);
        std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
        BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
        BN_free(bn);
        return base64url_encode(bytes);
    }
    boost::json::object jwk() const {
        return {{"kty", "RSA"}, {"n", param(OSSL_PKEY_PARAM_RSA_N)}, {"e", param(OSSL_PKEY_PARAM_RSA_E)}};
    }
    std::string sign(const std::string& data) const {
        std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
        std::size_t len = 0;
        EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey.get());
        EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()), data.size());
        std::string sig(len, '\0');
        EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size());
        return sig;
    }
};

const TestKey& key() {
    static TestKey k;
    return k;
}

TEST(Base64Url, RoundTripsEveryLengthAndUsesTheUrlAlphabet) {
    std::string bytes;
    for (int i = 0; i < 70; ++i) {
        auto text = base64url_encode(bytes);
        EXPECT_EQ(text.find_first_of("+/="), std::string::npos) << text;
        EXPECT_EQ(base64url_decode(text), bytes);
        bytes += static_cast<char>(0xF0 + i);
    }
    EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
    EXPECT_EQ(base64url_decode("-_8="),
              std::string("\xfb\xff"));  // padding tolerated
}

TEST(Base64Url, RejectsForeignCharactersAndImpossibleLengths) {
    EXPECT_FALSE(base64url_decode("ab+c"));
    EXPECT_FALSE(base64url_decode("ab/c"));
    EXPECT_FALSE(base64url_decode("abcde"));  // 5 chars: 30 bits cannot end a byte string
    EXPECT_FALSE(base64url_decode("-_9"));    // non-zero trailing bits: not canonical
    EXPECT_FALSE(base64url_decode("a b"));
}

TEST(Pkce, S256ChallengeMatchesRfc7636AppendixB) {
    const std::string verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    EXPECT_EQ(base64url_encode(security::sha256_bytes(verifier)), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(HmacSha256, MatchesRfc4231Case2) {
    EXPECT_EQ(security::hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Rs256, AValidSignatureVerifiesAndAnyChangeBreaksIt) {
    auto pub = security::PublicJwk::from_jwk(key().jwk());
    std::string data = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0";
    auto sig = key().sign(data);
    EXPECT_TRUE(pub.verify("RS256", data, sig));
    EXPECT_FALSE(pub.verify("RS256", data + "x", sig));
    auto flipped = sig;
    flipped[10] ^= 1;
    EXPECT_FALSE(pub.verify("RS256", data, flipped));
    EXPECT_FALSE(pub.verify("RS256", data, ""));
    TestKey other;
    EXPECT_FALSE(pub.verify("RS256", data, other.sign(data)));
    EXPECT_FALSE(pub.verify("ES256", data, sig)) << "the token's alg must be the key's";
    EXPECT_FALSE(pub.verify("none", data, ""));
}

// RFC 7515 Appendix A.3: the ES256 JWS example, verified with its published key.
TEST(Es256, TheRfc7515ExampleVerifiesAndAnyChangeBreaksIt) {
    boost::json::object jwk{{"kty", "EC"},
                            {"crv", "P-256"},
                            {"x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"},
                            {"y", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}};
    auto pub = security::PublicJwk::from_jwk(jwk);
    EXPECT_EQ(pub.alg(), "ES256");
    const std::string input =
        "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
    const auto sig = *base64url_decode("DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q");
    EXPECT_TRUE(pub.verify("ES256", input, sig));
    EXPECT_FALSE(pub.verify("ES256", input + "x", sig));
    auto flipped = sig;
    flipped[40] ^= 1;
    EXPECT_FALSE(pub.verify("ES256", input, flipped));
    EXPECT_FALSE(pub.verify("ES256", input, sig.substr(0, 63))) << "r||s is exactly 64 bytes";
    EXPECT_FALSE(pub.verify("RS256", input, sig));

    auto off_curve = jwk;
    off_curve["y"] = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a1";
    EXPECT_THROW(security::PublicJwk::from_jwk(off_curve), security::JwtError) << "a point not on P-256";
    auto other_curve = jwk;
    other_curve["crv"] = "P-384";
    EXPECT_THROW(security::PublicJwk::from_jwk(other_curve), security::JwtError);
}

TEST(Rs256, UnusableJwksAreRefused) {
    auto jwk = key().jwk();
    jwk["kty"] = "EC";
    EXPECT_THROW(security::PublicJwk::from_jwk(jwk), security::JwtError);
    jwk = key().jwk();
    jwk["alg"] = "ES256";
    EXPECT_THROW(security::PublicJwk::from_jwk(jwk), security::JwtError) << "an RSA key named ES256";
    jwk = key().jwk();
    jwk.erase("n");
    EXPECT_THROW(security::PublicJwk::from_jwk(jwk), security::JwtError);
    jwk = key().jwk();
    jwk["n"] = "not base64!";
    EXPECT_THROW(security::PublicJwk::from_jwk(jwk), security::JwtError);
    TestKey weak(1024);
    EXPECT_THROW(security::PublicJwk::from_jwk(weak.jwk()), security::JwtError);
}

TEST(Jwt, ParsesThreePartsAndRejectsEverythingElse) {
    auto header = base64url_encode(R"({"alg":"RS256","kid":"k1"})");
    auto payload = base64url_encode(R"({"sub":"42","email":"a@b.c"})");
    auto jwt = security::Jwt::parse(header + "." + payload + "." + base64url_encode("sig"));
    EXPECT_EQ(jwt.header.at("kid").as_string(), "k1");
    EXPECT_EQ(jwt.claims.at("sub").as_string(), "42");
    EXPECT_EQ(jwt.signing_input, header + "." + payload);
    EXPECT_EQ(jwt.signature, "sig");
    for (const std::string& bad :
         std::vector<std::string>{"", header + "." + payload, header + "." + payload + ".x.y", "a.b.c",
                                  header + "." + base64url_encode("[1]") + ".", header + ".%%%." + base64url_encode("s")}) {
        SCOPED_TRACE(bad);
        EXPECT_THROW(security::Jwt::parse(bad), security::JwtError);
    }
}

}  // namespace
