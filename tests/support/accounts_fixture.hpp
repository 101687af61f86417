#pragma once
// A test fixture that drives the account API the way a client does: codes are read from
// the emails the server actually delivered to its file outbox.
#include "security/hash.hpp"
#include "security/random.hpp"
#include "support/test_server.hpp"

#include <boost/json.hpp>
#include <soci/soci.h>
#include <gtest/gtest.h>

#include <regex>

// Lets assertions compare a JSON value with a std::string directly.
namespace boost::json {
template <class S>
requires std::same_as<S, std::string>
inline bool operator==(const value& v, const S& s) { return v.is_string() && v.as_string() == s; }
}  // namespace boost::json

namespace testing_support {

inline constexpr const char* kPassword = "correct horse battery staple";
inline constexpr const char* kOtherPassword = "purple elephant umbrella sunrise";

using Headers = std::vector<std::pair<std::string, std::string>>;

inline Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

inline std::string body(const boost::json::object& o) { return boost::json::serialize(o); }

class AccountsFixture : public ::testing::Test {
protected:
    void SetUp() override {
        STARTER_REQUIRE_DATABASE();
        start();
    }
    virtual void configure(config::Settings&) {}
    virtual void add_routes(app::App&) {}
    // The server again, on the same database (as a new process would be: nothing cached).
    void restart() {
        auto db = server_->database();
        client_.reset();
        server_.reset();
        start(db);
    }
    // The server with this fixture's settings and routes, on `db` (none: a new database).
    void start(std::shared_ptr<TestDatabase> db = nullptr) {
        server_ = std::make_unique<TestServer>([this](config::Settings& s) { configure(s); },
                                               [this](app::App& a) { add_routes(a); }, std::move(db));
        client_ = std::make_unique<HttpClient>(server_->port());
    }

    static std::string fresh_email() { return "user." + security::random_hex(5) + "@example.com"; }

    // Waits until `to` has received `n` emails whose subject contains `subject`; returns the n-th.
    Mail mail_to(const std::string& to, const std::string& subject, std::size_t n = 1) {
        std::vector<Mail> found;
        wait_until([&] {
            found.clear();
            for (auto& m : outbox_mail_to(server_->data_dir(), to))
                if (m.header("Subject").find(subject) != std::string::npos) found.push_back(std::move(m));
            return found.size() >= n;
        });
        EXPECT_GE(found.size(), n) << "no email #" << n << " with subject '" << subject << "' to " << to;
        return found.size() >= n ? found[n - 1] : Mail{};
    }
    std::vector<Mail> all_mail_to(const std::string& to) { return outbox_mail_to(server_->data_dir(), to); }

    static std::string code_in(const Mail& m) {
        std::smatch match;
        std::string subject = m.header("Subject");
        return std::regex_search(subject, match, std::regex("([0-9]{8})$")) ? match[1].str() : "";
    }

    std::string request_code(const std::string& email, std::size_t nth = 1) {
        auto r = client_->post_json("/api/auth/email-verification-request", body({{"email", email}}));
        EXPECT_EQ(r.status, 202) << r.body;
        return code_in(mail_to(email, "verification code", nth));
    }

    HttpResponse register_with(const std::string& email, const std::string& code, const std::string& username,
                               const std::string& password = kPassword) {
        return client_->post_json(
            "/api/auth/register",
            body({{"email", email}, {"email_verification_code", code}, {"username", username}, {"password", password}}));
    }

    // A registered account: {token, user json}.
    std::pair<std::string, boost::json::object> sign_up(const std::string& email, const std::string& username) {
        auto r = register_with(email, request_code(email), username);
        EXPECT_EQ(r.status, 201) << r.body;
        auto o = r.json().as_object();
        return {std::string(o["authentication_token"].as_string()), o["user"].as_object()};
    }

    HttpResponse login(const std::string& login, const std::string& password) {
        return client_->post_json("/api/auth/login", body({{"login", login}, {"password", password}}));
    }

    int status_with(const std::string& token) { return client_->get("/api/users/@me", bearer(token)).status; }

    // Makes the token's session look signed in 11 minutes ago: past the recent-sign-in window.
    void age_session(const std::string& token) {
        auto lease = server_->app().pool().acquire();
        const auto hash = security::sha256_hex(token);
        *lease << "UPDATE sessions SET created_at = created_at - 660000, reauthenticated_at = NULL WHERE token_hash = :h",
            soci::use(hash);
    }

    // The `field` an error answer names, or "".
    static std::string field_of(const HttpResponse& r) {
        auto o = r.json().as_object();
        return o.contains("field") ? std::string(o["field"].as_string()) : "";
    }

    std::unique_ptr<TestServer> server_;
    std::unique_ptr<HttpClient> client_;
};

}  // namespace testing_support
