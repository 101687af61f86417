// Emails in the user's language: the registration's Accept-Language picks it (German here),
// every email after is in it, with times in the locale's format and in UTC, named; PATCH
// /api/users/@me changes it; a language we do not ship is a 422.
#include "notify/mailbox.hpp"
#include "support/accounts_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <regex>

using namespace testing_support;

namespace {

class Locales : public AccountsFixture {
protected:
    // The newest email to `to` whose decoded subject holds `subject` (German subjects are
    // RFC 2047 encoded words).
    notify::StoredMail decoded(const std::string& to, const std::string& subject) {
        std::optional<notify::StoredMail> found;
        wait_until([&] {
            for (auto& m : notify::read_outbox(server_->data_dir() / "outbox", 500))
                if (m.to == to && m.subject.find(subject) != std::string::npos) {
                    found = std::move(m);
                    return true;
                }
            return false;
        });
        EXPECT_TRUE(found) << "no email to " << to << " with subject '" << subject << "'";
        return found.value_or(notify::StoredMail{});
    }
};

TEST_F(Locales, TheRegistrationsLanguageIsTheAccountsAndEveryEmailUsesIt) {
    const auto email = fresh_email();
    const Headers german{{"Accept-Language", "fr-CH, de;q=0.9, en;q=0.8"}};  // no French: German is the best we have
    ASSERT_EQ(client_->post_json("/api/auth/email-verification-request", body({{"email", email}}), german).status, 202);
    auto code_mail = decoded(email, "Bestätigungscode");
    const auto code = code_mail.subject.substr(code_mail.subject.size() - 8);
    ASSERT_EQ(code.find_first_not_of("0123456789"), std::string::npos) << code_mail.subject;
    EXPECT_NE(code_mail.text.find("Details der Anfrage"), std::string::npos) << "the German layout";
    auto reg = client_->post_json("/api/auth/register",
                                  body({{"email", email},
                                        {"email_verification_code", code},
                                        {"username", "de_" + security::random_hex(3)},
                                        {"password", kPassword}}),
                                  german);
    ASSERT_EQ(reg.status, 201) << reg.body;
    const std::string token(reg.json().at("authentication_token").as_string());
    EXPECT_EQ(reg.json().at("user").at("locale"), std::string("de"));
    decoded(email, "Willkommen bei");

    // A sign-in from another device, with an English browser: the account's language wins.
    auto other = client_->post_json(
        "/api/auth/login", body({{"login", email}, {"password", kPassword}}),
        {{"Accept-Language", "en-US"}, {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"}});
    ASSERT_EQ(other.status, 200);
    auto alert = decoded(email, "Neue Anmeldung");
    EXPECT_TRUE(std::regex_search(alert.text, std::regex(R"(Zeit: \d\d\.\d\d\.\d{4}, \d\d:\d\d UTC)"))) << alert.text;

    // Changed to English: the next email is English.
    auto changed = client_->request("PATCH", "/api/users/@me", body({{"locale", "en"}}), bearer(token));
    ASSERT_EQ(changed.status, 200) << changed.body;
    EXPECT_EQ(changed.json().at("locale"), std::string("en"));
    ASSERT_EQ(client_
                  ->request("PATCH", "/api/users/@me/password",
                            body({{"current_password", kPassword}, {"new_password", kOtherPassword}}), bearer(token))
                  .status,
              200);
    mail_to(email, "password was changed");

    auto refused = client_->request("PATCH", "/api/users/@me", body({{"locale", "fr"}}), bearer(token));
    EXPECT_EQ(refused.status, 422) << refused.body;
    EXPECT_NE(refused.body.find("locale"), std::string::npos);
}

TEST_F(Locales, WithoutAnAcceptLanguageItIsEnglish) {
    const auto email = fresh_email();
    auto [token, user] = sign_up(email, "en_" + security::random_hex(3));
    EXPECT_EQ(user["locale"], std::string("en"));
    mail_to(email, "Welcome to");
}

}  // namespace
