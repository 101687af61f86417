#pragma once
// The user's authenticator app in tests: Debian's oathtool (RFC 6238), an implementation
// independent of ours.
#include "support/accounts_fixture.hpp"
#include "support/process.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace testing_support {

inline std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// What the app shows `offset` seconds from now for a base32 secret.
inline std::string app_code(const std::string& secret_base32, std::int64_t offset = 0) {
    auto [rc, out] = run_command(
        {"/usr/bin/oathtool", "--totp", "--base32", secret_base32, "-N", "@" + std::to_string(unix_now() + offset)}, {});
    EXPECT_EQ(rc, 0) << "oathtool is missing: run scripts/bootstrap --test";
    return out.substr(0, 6);
}

// A 6-digit code that is none of the app's previous, current and next ones.
inline std::string wrong_code(const std::string& secret_base32) {
    const std::set<std::string> valid = {app_code(secret_base32, -30), app_code(secret_base32), app_code(secret_base32, 30)};
    for (int n = 0;; ++n) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "%06d", (123456 + n * 7919) % 1000000);
        if (!valid.contains(buf)) return buf;
    }
}

// Tests use the previous, current and next 30-second step's codes: starting away from the
// end of a step keeps all three acceptable while the test runs.
inline void start_of_a_step() {
    using namespace std::chrono_literals;
    while (unix_now() % 30 >= 24) std::this_thread::sleep_for(200ms);
}

// The authenticator app turned on for the session `token` as its user would: enrolled, then
// confirmed with the previous step's code (the current one stays unused for a sign-in).
struct AuthenticatorApp {
    std::string secret;
    std::vector<std::string> recovery_codes;
};
inline AuthenticatorApp enable_authenticator_app(HttpClient& client, const std::string& token) {
    AuthenticatorApp app;
    auto started = client.post_json("/api/users/@me/mfa/totp", "", bearer(token));
    EXPECT_EQ(started.status, 201) << started.body;
    if (started.status != 201) return app;
    app.secret = std::string(started.json().at("secret").as_string());
    auto confirmed =
        client.post_json("/api/users/@me/mfa/totp/confirm", body({{"code", app_code(app.secret, -30)}}), bearer(token));
    EXPECT_EQ(confirmed.status, 200) << confirmed.body;
    if (confirmed.status != 200) return app;
    const auto answer = confirmed.json();  // kept: the loop below reads into it
    for (const auto& c : answer.at("recovery_codes").as_array()) app.recovery_codes.emplace_back(c.as_string());
    return app;
}

}  // namespace testing_support
