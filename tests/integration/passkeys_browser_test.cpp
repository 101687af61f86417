// Passkeys in a real browser: Debian's Chromium with a virtual authenticator runs the
// ceremonies against the server (tests/browser/passkeys.js), and npm @simplewebauthn/server
// judges the recorded ceremonies, as recorded and altered (tests/browser/oracle.js): our
// verifier must accept exactly what it accepts.
#include "security/jwt.hpp"
#include "support/accounts_fixture.hpp"
#include "support/process.hpp"
#include "support/test_server.hpp"
#include "webauthn/webauthn.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace testing_support;
namespace json = boost::json;

namespace {

class PasskeysInChromium : public AccountsFixture {
protected:
    void configure(config::Settings& s) override {
        s.server.port = free_port();
        origin_ = "http://localhost:" + std::to_string(s.server.port);
        s.webauthn.id = "localhost";
        s.webauthn.origins = {origin_};
    }

    std::pair<int, std::string> node(const std::string& script, std::map<std::string, std::string> env) {
        env["NODE_PATH"] = tools_;
        env["STARTER_URL"] = origin_;
        return run_command({"/usr/bin/node", std::string(STARTER_SOURCE_DIR) + "/tests/browser/" + script}, env);
    }

    // Our verdict on one of the oracle's cases.
    bool ours(const json::object& c) {
        const webauthn::RelyingParty rp{"localhost", "Starter", {origin_}};
        const auto& response = c.at("response").at("response").as_object();
        auto member = [&](const char* name) { return security::base64url_decode(response.at(name).as_string()).value_or(""); };
        const std::string challenge(c.at("challenge").as_string());
        const bool uv = c.at("require_user_verification").as_bool();
        try {
            if (c.at("kind") == "registration")
                webauthn::verify_registration(rp, challenge, member("clientDataJSON"), member("attestationObject"), uv);
            else
                webauthn::verify_assertion(rp, challenge,
                                           webauthn::parse_cose_key(*security::base64url_decode(c.at("public_key").as_string())),
                                           member("clientDataJSON"), member("authenticatorData"), member("signature"), uv);
            return true;
        } catch (const webauthn::Error&) {
            return false;
        }
    }

    std::string origin_;
    std::string tools_ = env_or_empty("STARTER_TEST_NODE_TOOLS");
};

TEST_F(PasskeysInChromium, RegisterSignInWithoutAPasswordAndAsSecondFactorThenMatchSimpleWebAuthn) {
    const auto chromium = env_or_empty("STARTER_TEST_CHROMIUM");
    if (chromium.empty() || tools_.empty())
        GTEST_SKIP() << "STARTER_TEST_CHROMIUM / STARTER_TEST_NODE_TOOLS are not set (scripts/test sets them)";
    const auto email = fresh_email();
    const auto token = sign_up(email, "chromium_" + security::random_hex(3)).first;
    const auto recorded = artifacts_dir() / "passkey-ceremonies.json";
    auto [rc, out] = node("passkeys.js", {{"CHROMIUM", chromium},
                                          {"STARTER_TOKEN", token},
                                          {"STARTER_EMAIL", email},
                                          {"STARTER_PASSWORD", kPassword},
                                          {"OUT", recorded.string()}});
    ASSERT_EQ(rc, 0) << out;
    auto ceremonies = json::parse(read_file(recorded)).as_object();
    auto& registration = ceremonies["registration"].as_object();
    EXPECT_EQ(registration["status"], json::value(201)) << json::serialize(registration["answer"]);
    EXPECT_EQ(registration["answer"].at("name"), std::string("Chromium"));
    auto& passwordless = ceremonies["passwordless"].as_object();
    ASSERT_EQ(passwordless["status"], json::value(200)) << json::serialize(passwordless["answer"]);
    EXPECT_EQ(passwordless["answer"].at("user").at("email"), email);
    auto& second = ceremonies["second_factor"].as_object();
    EXPECT_EQ(second["first"].at("mfa_required"), json::value(true));
    ASSERT_EQ(second["status"], json::value(200)) << json::serialize(second["answer"]);
    EXPECT_EQ(second["answer"].at("user").at("email"), email);

    const auto judged = artifacts_dir() / "passkey-oracle.json";
    auto [orc, oout] = node("oracle.js", {{"IN", recorded.string()}, {"OUT", judged.string()}});
    ASSERT_EQ(orc, 0) << oout;
    int accepted = 0;
    const auto cases = json::parse(read_file(judged));
    for (const auto& c : cases.as_array()) {
        const auto& o = c.as_object();
        const bool theirs = o.at("accepted").as_bool();
        accepted += theirs;
        EXPECT_EQ(ours(o), theirs) << o.at("name").as_string() << ": SimpleWebAuthn " << (theirs ? "accepts" : "refuses");
    }
    EXPECT_EQ(accepted, 3) << "the three recorded ceremonies, and none of their alterations";
}

}  // namespace
