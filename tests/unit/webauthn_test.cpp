// WebAuthn ceremonies checked against a software authenticator (tests/support): every key
// type, both attestation formats we take, and each thing that must be refused.
#include "security/hash.hpp"
#include "security/jwt.hpp"
#include "support/soft_authenticator.hpp"
#include "webauthn/webauthn.hpp"

#include <gtest/gtest.h>

using testing_support::SoftAuthenticator;

namespace {

const webauthn::RelyingParty kRp{"localhost", "Starter", {"http://localhost:3000"}};

boost::json::object creation_options(const std::string& challenge) {
    return {{"rp", {{"id", "localhost"}, {"name", "Starter"}}},
            {"user", {{"id", security::base64url_encode("user-1")}, {"name", "a@example.com"}}},
            {"challenge", challenge}};
}
boost::json::object request_options(const std::string& challenge) { return {{"rpId", "localhost"}, {"challenge", challenge}}; }

std::string member(const boost::json::object& credential, const char* name) {
    return *security::base64url_decode(credential.at("response").at(name).as_string());
}

webauthn::NewCredential registered(SoftAuthenticator& a, const std::string& challenge = "Y2hhbGxlbmdl") {
    auto c = a.create(creation_options(challenge));
    return webauthn::verify_registration(kRp, challenge, member(c, "clientDataJSON"), member(c, "attestationObject"), false);
}

webauthn::CheckedAssertion asserted(SoftAuthenticator& a, const webauthn::PublicKey& key, bool require_uv = true,
                                    const std::string& challenge = "c2lnbi1pbg") {
    auto c = a.get(request_options(challenge));
    return webauthn::verify_assertion(kRp, challenge, key, member(c, "clientDataJSON"), member(c, "authenticatorData"),
                                      member(c, "signature"), require_uv);
}

class Algorithms : public ::testing::TestWithParam<int> {};

TEST_P(Algorithms, RegisterThenSignInWithNoneAndPackedAttestation) {
    for (const char* format : {"none", "packed"}) {
        SoftAuthenticator a(GetParam());
        a.attestation = format;
        auto made = registered(a);
        EXPECT_EQ(made.key.alg, GetParam());
        EXPECT_EQ(made.id, a.credential_id());
        EXPECT_EQ(made.format, format);
        EXPECT_EQ(made.sign_count, 1u);
        auto first = asserted(a, made.key);
        EXPECT_EQ(first.sign_count, 2u);
        EXPECT_TRUE(first.user_verified);
        // Another authenticator's signature does not pass for this key.
        SoftAuthenticator other(GetParam());
        EXPECT_THROW(asserted(other, made.key), webauthn::Error);
    }
}
INSTANTIATE_TEST_SUITE_P(Keys, Algorithms, ::testing::Values(-7, -8, -257), [](const auto& info) {
    return info.param == -7 ? std::string("ES256") : info.param == -8 ? std::string("EdDSA") : std::string("RS256");
});

TEST(WebAuthn, RefusesWrongChallengeOriginTypeAndRelyingParty) {
    SoftAuthenticator a;
    auto c = a.create(creation_options("b25l"));
    const auto cdj = member(c, "clientDataJSON"), att = member(c, "attestationObject");
    EXPECT_THROW(webauthn::verify_registration(kRp, "dHdv", cdj, att, false), webauthn::Error);  // another challenge
    webauthn::RelyingParty other_origin{"localhost", "Starter", {"https://evil.example"}};
    EXPECT_THROW(webauthn::verify_registration(other_origin, "b25l", cdj, att, false), webauthn::Error);
    webauthn::RelyingParty other_rp{"example.com", "Starter", {"http://localhost:3000"}};
    EXPECT_THROW(webauthn::verify_registration(other_rp, "b25l", cdj, att, false), webauthn::Error);
    // A registration's client data is not an assertion's.
    auto made = registered(a, "b25l");
    auto g = a.get(request_options("dGhyZWU"));
    EXPECT_THROW(
        webauthn::verify_assertion(kRp, "dGhyZWU", made.key, cdj, member(g, "authenticatorData"), member(g, "signature"), false),
        webauthn::Error);
}

TEST(WebAuthn, UserPresenceAlwaysAndVerificationWhenAskedAreRequired) {
    SoftAuthenticator a;
    auto made = registered(a);
    a.user_verified = false;
    EXPECT_THROW(asserted(a, made.key, true), webauthn::Error);
    EXPECT_NO_THROW(asserted(a, made.key, false));
    a.user_present = false;
    EXPECT_THROW(asserted(a, made.key, false), webauthn::Error);
}

TEST(WebAuthn, AnAlteredAuthenticatorDataOrSignatureFails) {
    SoftAuthenticator a;
    auto made = registered(a);
    auto g = a.get(request_options("c2ln"));
    auto auth = member(g, "authenticatorData"), sig = member(g, "signature"), cdj = member(g, "clientDataJSON");
    EXPECT_NO_THROW(webauthn::verify_assertion(kRp, "c2ln", made.key, cdj, auth, sig, true));
    auto bumped = auth;
    bumped[36] = static_cast<char>(bumped[36] + 1);  // a counter the authenticator did not sign
    EXPECT_THROW(webauthn::verify_assertion(kRp, "c2ln", made.key, cdj, bumped, sig, true), webauthn::Error);
    auto broken = sig;
    broken[broken.size() / 2] ^= 0x01;
    EXPECT_THROW(webauthn::verify_assertion(kRp, "c2ln", made.key, cdj, auth, broken, true), webauthn::Error);
}

// A header claiming 2^31 array items made libcbor ask for 18 GB before reading any of them
// (found by the fuzz smoke run): such input is refused before it reaches libcbor.
TEST(WebAuthn, CborClaimingMoreItemsThanItHasIsRefusedUpFront) {
    std::string auth_data(37, '\0');
    auth_data[32] = static_cast<char>(0x80 | 0x01);  // UP + ED: an extensions map follows
    EXPECT_THROW(webauthn::parse_authenticator_data(auth_data + "\x9a\x7f\xff\xff\xff"), webauthn::Error);  // array(2^31-1)
    EXPECT_THROW(webauthn::parse_authenticator_data(auth_data + "\xba\x7f\xff\xff\xff"), webauthn::Error);  // map(2^31-1)
    EXPECT_THROW(webauthn::parse_authenticator_data(auth_data + "\x5a\x7f\xff\xff\xff"), webauthn::Error);  // bytes(2^31-1)
    EXPECT_THROW(webauthn::parse_authenticator_data(auth_data + "\xbf\xff"), webauthn::Error);              // indefinite map
    std::string deep(40, '\x81');                                                                           // 40 nested arrays
    EXPECT_THROW(webauthn::parse_authenticator_data(auth_data + deep + "\x00"), webauthn::Error);
    EXPECT_NO_THROW(webauthn::parse_authenticator_data(auth_data + "\xa0"));  // an empty map is fine
}

TEST(WebAuthn, MalformedInputsAreErrorsNotCrashes) {
    EXPECT_THROW(webauthn::parse_client_data("not json"), webauthn::Error);
    EXPECT_THROW(webauthn::parse_client_data(R"({"type":1})"), webauthn::Error);
    EXPECT_THROW(webauthn::parse_authenticator_data(std::string(36, 'x')), webauthn::Error);
    std::string at(37, '\0');
    at[32] = 0x41;  // UP + AT, but no credential data
    EXPECT_THROW(webauthn::parse_authenticator_data(at), webauthn::Error);
    EXPECT_THROW(webauthn::parse_cose_key("\xa1\x01\x02"), webauthn::Error);                          // {1: 2}: no algorithm
    EXPECT_THROW(webauthn::parse_cose_key(std::string("\xa2\x01\x02\x03\x26", 5)), webauthn::Error);  // ES256 without a point
    SoftAuthenticator a;
    auto c = a.create(creation_options("eA"));
    auto att = member(c, "attestationObject");
    EXPECT_THROW(webauthn::verify_registration(kRp, "eA", member(c, "clientDataJSON"), att + "x", false), webauthn::Error);
    EXPECT_THROW(webauthn::verify_registration(kRp, "eA", member(c, "clientDataJSON"), att.substr(0, att.size() / 2), false),
                 webauthn::Error);
}

}  // namespace
