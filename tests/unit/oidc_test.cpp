// What an OpenID provider publishes, read before anything is trusted: its discovery
// document (for the configured issuer, https endpoints, PKCE) and its key set (RS256 and
// ES256 keys, others skipped), and GitHub's list of addresses.
#include "oauth/github.hpp"
#include "oauth/oidc.hpp"

#include <gtest/gtest.h>

namespace {

const char* kIssuer = "https://sso.example.com/realms/main";

std::string discovery(const std::string& issuer, const std::string& extra = "") {
    return R"({"issuer":")" + issuer + R"(","authorization_endpoint":")" + kIssuer +
           R"(/protocol/openid-connect/auth","token_endpoint":")" + kIssuer + R"(/protocol/openid-connect/token","jwks_uri":")" +
           kIssuer + R"(/protocol/openid-connect/certs","userinfo_endpoint":")" + kIssuer +
           "/protocol/openid-connect/userinfo\"" + extra + "}";
}

}  // namespace

TEST(OidcDiscovery, TheDocumentOfTheConfiguredIssuerGivesItsEndpoints) {
    auto d = oauth::parse_discovery(discovery(kIssuer, R"(,"code_challenge_methods_supported":["plain","S256"])"), kIssuer);
    EXPECT_EQ(d.authorization_url, std::string(kIssuer) + "/protocol/openid-connect/auth");
    EXPECT_EQ(d.token_url, std::string(kIssuer) + "/protocol/openid-connect/token");
    EXPECT_EQ(d.jwks_url, std::string(kIssuer) + "/protocol/openid-connect/certs");
    EXPECT_EQ(d.userinfo_url, std::string(kIssuer) + "/protocol/openid-connect/userinfo");
}

TEST(OidcDiscovery, AnotherIssuersDocumentInsecureEndpointsAndNoPkceAreRefused) {
    EXPECT_THROW(oauth::parse_discovery(discovery("https://evil.example.com"), kIssuer), oauth::ProviderError);
    EXPECT_THROW(oauth::parse_discovery(discovery(std::string(kIssuer) + "/"), kIssuer), oauth::ProviderError)
        << "exactly the issuer";
    EXPECT_THROW(
        oauth::parse_discovery(
            R"({"issuer":")" + std::string(kIssuer) +
                R"(","authorization_endpoint":"http://sso.example.com/auth","token_endpoint":"https://t","jwks_uri":"https://j"})",
            kIssuer),
        oauth::ProviderError);
    EXPECT_THROW(oauth::parse_discovery(discovery(kIssuer, R"(,"code_challenge_methods_supported":["plain"])"), kIssuer),
                 oauth::ProviderError);
    EXPECT_THROW(oauth::parse_discovery("[]", kIssuer), oauth::ProviderError);
    EXPECT_THROW(oauth::parse_discovery("{", kIssuer), oauth::ProviderError);
}

TEST(OidcJwks, RsaAndEcKeysAreKeptByKidAndOthersSkipped) {
    const std::string ec =
        R"({"kty":"EC","crv":"P-256","kid":"ec1","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
    const std::string enc =
        R"({"kty":"EC","crv":"P-256","kid":"enc","use":"enc","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
    const std::string okp = R"({"kty":"OKP","crv":"Ed25519","kid":"ed","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
    auto keys = oauth::parse_jwks(
        R"({"keys":[)" + ec + "," + enc + "," + okp + R"(,"junk",{"kty":"RSA","n":"AQAB","e":"AQAB"}]})", "test JWKS");
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_EQ(keys.begin()->first, "ec1");
    EXPECT_EQ(keys.begin()->second.alg(), "ES256");
    EXPECT_THROW(oauth::parse_jwks(R"({"keys":[)" + okp + "]}", "test JWKS"), oauth::ProviderError);
    EXPECT_THROW(oauth::parse_jwks(R"({"keys":{}})", "test JWKS"), oauth::ProviderError);
}

TEST(GitHubEmails, OnlyThePrimaryVerifiedAddressCounts) {
    EXPECT_EQ(
        oauth::primary_verified_email(
            R"([{"email":"old@example.com","primary":false,"verified":true},{"email":"jane@example.com","primary":true,"verified":true}])"),
        "jane@example.com");
    EXPECT_EQ(oauth::primary_verified_email(R"([{"email":"jane@example.com","primary":true,"verified":false}])"), "");
    EXPECT_EQ(oauth::primary_verified_email(R"([{"email":"jane@example.com","primary":"true","verified":"true"}])"), "");
    EXPECT_EQ(oauth::primary_verified_email(R"({"message":"Requires authentication"})"), "");
}
