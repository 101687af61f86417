// The outbox end to end: jobs written in a transaction, delivered by the worker to the file
// outbox or a real SMTP sink, retried on failure, never lost across a restart.
#include "accounts/service.hpp"
#include "jobs/outbox.hpp"
#include "notify/email.hpp"
#include "notify/locale.hpp"
#include "security/random.hpp"
#include "support/process.hpp"
#include "support/test_server.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

using namespace testing_support;
using namespace std::chrono_literals;

namespace {

std::string unique_address() { return "user-" + security::random_hex(6) + "@example.com"; }

std::string enqueue(app::App& a, const std::string& template_name, const std::string& to, boost::json::object vars,
                    boost::json::object secrets = {}) {
    auto lease = a.pool().acquire();
    db::Transaction tx(lease);
    std::string id;
    if (secrets.empty()) {
        id = notify::enqueue_email(tx.session(), template_name, to, std::move(vars), "en");
    } else {
        // As versions before code requests queued a code: in the payload, scrubbed once sent.
        boost::json::object payload{
            {"template", template_name}, {"to", to}, {"vars", std::move(vars)}, {"secrets", std::move(secrets)}};
        id = jobs::Outbox::enqueue(tx.session(), notify::kEmailJob, boost::json::serialize(payload), notify::kEmailMaxAttempts);
    }
    tx.commit();
    a.worker().wake();
    return id;
}

boost::json::object security_vars() {
    return {{"ip", "203.0.113.7"}, {"device", "Firefox 120 on Ubuntu"}, {"location", "Berlin, Germany"}, {"expires_minutes", 10}};
}

std::string job_state(app::App& a, const std::string& id) {
    auto row = jobs::Outbox(a.pool()).find(id);
    return row ? row->state : "missing";
}

}  // namespace

class Jobs : public ::testing::Test {
protected:
    void SetUp() override { STARTER_REQUIRE_DATABASE(); }
};

TEST_F(Jobs, EmailLandsInTheFileOutboxWithCodeMetadataAndMessageId) {
    TestServer server;
    auto to = unique_address();
    auto id = enqueue(server.app(), "email-verification-request", to, security_vars(), {{"code", "12345678"}});
    ASSERT_TRUE(wait_until([&] { return outbox_mail_to(server.data_dir(), to).size() == 1; })) << job_state(server.app(), id);
    auto mail = outbox_mail_to(server.data_dir(), to)[0];
    EXPECT_EQ(mail.header("Subject"), "Your Starter verification code: 12345678");
    EXPECT_EQ(mail.header("From"), "Starter <no-reply@localhost>");
    EXPECT_EQ(mail.header("Message-ID"), "<" + id + "@localhost>");
    EXPECT_NE(mail.header("Date"), "");
    EXPECT_NE(mail.headers.find("multipart/alternative"), std::string::npos);
    for (const auto* part : {&mail.text, &mail.html}) {
        EXPECT_NE(part->find("12345678"), std::string::npos) << *part;
        EXPECT_NE(part->find("203.0.113.7"), std::string::npos) << *part;
        EXPECT_NE(part->find("Firefox 120 on Ubuntu"), std::string::npos);
        EXPECT_NE(part->find("Berlin, Germany"), std::string::npos);
        EXPECT_NE(part->find("10 minutes"), std::string::npos);
    }
    ASSERT_TRUE(wait_until([&] { return job_state(server.app(), id) == "done"; }));
    auto row = jobs::Outbox(server.app().pool()).find(id);
    EXPECT_EQ(row->job.payload.find("12345678"), std::string::npos) << "a delivered code must not stay in the table";
}

TEST_F(Jobs, EmailIsDeliveredToARealSmtpServer) {
    if (env_or_empty("STARTER_TEST_SMTP_URL").empty()) GTEST_SKIP() << "STARTER_TEST_SMTP_URL is not set";
    TestServer server([](config::Settings& s) { s.smtp_url = env_or_empty("STARTER_TEST_SMTP_URL"); });
    auto to = unique_address();
    auto id = enqueue(server.app(), "password-changed", to, security_vars());
    ASSERT_TRUE(wait_until([&] { return sink_mail_to(to).size() == 1; })) << job_state(server.app(), id);
    auto mail = sink_mail_to(to)[0];
    EXPECT_EQ(mail.header("Subject"), "Your Starter password was changed");
    EXPECT_NE(mail.text.find("Firefox 120 on Ubuntu"), std::string::npos);
    EXPECT_NE(mail.html.find("<p>Your Starter password was just changed."), std::string::npos) << mail.html;
    ASSERT_TRUE(wait_until([&] { return job_state(server.app(), id) == "done"; }));
}

TEST_F(Jobs, LongNonAsciiSubjectsAndSenderNamesPassAStrictMailParser) {
    if (env_or_empty("STARTER_TEST_SMTP_URL").empty()) GTEST_SKIP() << "STARTER_TEST_SMTP_URL is not set";
    const std::string app = "Größenwahn & Söhne — Kundenportal für Überprüfungen";
    const std::string sender = "Équipe Sécurité de Größenwahn & Söhne";
    TestServer server([&](config::Settings& s) {
        s.smtp_url = env_or_empty("STARTER_TEST_SMTP_URL");
        s.app_name = app;
        s.mail_from = sender + " <no-reply@example.com>";
    });
    auto to = unique_address();
    auto id = enqueue(server.app(), "password-changed", to, security_vars());
    ASSERT_TRUE(wait_until([&] { return sink_mail_to(to).size() == 1; })) << job_state(server.app(), id);
    // Python's email package with policy.strict, reading the bytes the SMTP server stored.
    auto [status, out] = run_command({"/usr/bin/python3", std::string(STARTER_SOURCE_DIR) + "/tests/support/strict_mail.py",
                                      env_or_empty("STARTER_TEST_MAILDIR"), to},
                                     {});
    ASSERT_EQ(status, 0) << out;
    auto parsed = boost::json::parse(out).as_object();
    EXPECT_EQ(std::string(parsed.at("subject").as_string()), "Your " + app + " password was changed");
    EXPECT_EQ(std::string(parsed.at("from_name").as_string()), sender);
    EXPECT_EQ(std::string(parsed.at("from_addr").as_string()), "no-reply@example.com");
    EXPECT_LE(parsed.at("longest_line").as_int64(), 78) << out;
    EXPECT_LE(parsed.at("longest_word").as_int64(), 75) << out;
}

TEST_F(Jobs, CredentialsNeverGoToAServerThatDoesNotOfferStartTls) {
    // The SMTP sink offers no STARTTLS, as when an attacker on the path strips the offer:
    // the send is refused and retried, nothing is delivered in clear.
    auto sink = env_or_empty("STARTER_TEST_SMTP_URL");
    if (sink.empty()) GTEST_SKIP() << "STARTER_TEST_SMTP_URL is not set";
    const std::string with_password = "smtp://mailer:hunter2@" + sink.substr(std::string("smtp://").size());
    TestServer server([&](config::Settings& s) {
        s.smtp_url = with_password;
        s.smtp_require_tls = config::load_settings({{"SMTP_URL", with_password}}).smtp_require_tls;  // the default
        s.jobs.retry.first_delay = 60s;
    });
    auto to = unique_address();
    auto id = enqueue(server.app(), "onboarding", to, {{"username", "zoe"}});
    ASSERT_TRUE(wait_until([&] {
        auto row = jobs::Outbox(server.app().pool()).find(id);
        return row && row->state == "queued" && row->job.attempts == 1;
    })) << job_state(server.app(), id);
    auto row = jobs::Outbox(server.app().pool()).find(id);
    ASSERT_TRUE(row->last_error.has_value());
    EXPECT_EQ(row->last_error->find("hunter2"), std::string::npos) << *row->last_error;
    std::this_thread::sleep_for(200ms);
    EXPECT_TRUE(sink_mail_to(to).empty()) << "the email went out in clear";

    // Told explicitly that the relay is trusted (SMTP_REQUIRE_TLS=false), it sends.
    TestServer relaxed([&](config::Settings& s) {
        s.smtp_url = with_password;
        s.smtp_require_tls = false;
    });
    auto to2 = unique_address();
    enqueue(relaxed.app(), "onboarding", to2, {{"username", "zoe"}});
    EXPECT_TRUE(wait_until([&] { return sink_mail_to(to2).size() == 1; }));
}

TEST_F(Jobs, AMalformedCodeRequestFailsForGoodAndSendsNothing) {
    TestServer server;
    std::vector<std::string> ids;
    {
        auto lease = server.app().pool().acquire();
        db::Transaction tx(lease);
        for (const char* payload : {"{}", "not json", R"({"purpose":"launch","email":"a@example.com","vars":{}})",
                                    R"({"purpose":"email_change","email":"a@example.com","vars":{}})"})
            ids.push_back(jobs::Outbox::enqueue(tx.session(), accounts::kCodeRequestJob, payload, 5));
        tx.commit();
    }
    server.app().worker().wake();
    for (const auto& id : ids) {
        EXPECT_TRUE(wait_until([&] { return job_state(server.app(), id) == "dead"; }))
            << id << ": " << job_state(server.app(), id);
        EXPECT_EQ(jobs::Outbox(server.app().pool()).find(id)->job.attempts, 1) << "not retried";
    }
    EXPECT_TRUE(outbox_mail_to(server.data_dir(), "a@example.com").empty());
}

TEST_F(Jobs, UnreachableSmtpIsRetriedWithBackoffThenDead) {
    TestServer server([](config::Settings& s) {
        s.smtp_url = "smtp://127.0.0.1:1";  // nothing listens there
        s.jobs.retry.first_delay = 100ms;
    });
    auto to = unique_address();
    auto id = enqueue(server.app(), "onboarding", to, {{"username", "zoe"}});
    ASSERT_TRUE(wait_until([&] {
        auto row = jobs::Outbox(server.app().pool()).find(id);
        return row && row->state == "queued" && row->job.attempts == 1;
    }));
    auto first = jobs::Outbox(server.app().pool()).find(id);
    ASSERT_TRUE(first->last_error.has_value());
    EXPECT_NE(first->last_error->find("SMTP"), std::string::npos) << *first->last_error;
    EXPECT_GT(first->run_at_ms, common::now_ms());  // scheduled later, not spinning
    ASSERT_TRUE(wait_until([&] { return job_state(server.app(), id) == "dead"; }, 15s));
    auto dead = jobs::Outbox(server.app().pool()).find(id);
    EXPECT_EQ(dead->job.attempts, notify::kEmailMaxAttempts);
}

TEST_F(Jobs, UnknownTemplateIsDeadAtOnceWithTheReason) {
    TestServer server;
    auto id = enqueue(server.app(), "no-such-template", unique_address(), {});
    ASSERT_TRUE(wait_until([&] { return job_state(server.app(), id) == "dead"; }));
    auto row = jobs::Outbox(server.app().pool()).find(id);
    EXPECT_EQ(row->job.attempts, 1);
    EXPECT_NE(row->last_error->find("unknown email template"), std::string::npos);
}

TEST_F(Jobs, AJobCommittedBeforeAStopIsDeliveredAfterTheRestart) {
    auto database = std::make_shared<TestDatabase>(requested_db());
    auto to = unique_address();
    std::string id;
    std::filesystem::path data_dir;
    {
        // The server commits the job but stops before any worker could send it.
        TestServer first([](config::Settings& s) { s.jobs_in_process = false; }, {}, database);
        id = enqueue(first.app(), "onboarding", to, {{"username", "zoe"}});
        EXPECT_EQ(job_state(first.app(), id), "queued");
    }
    TestServer second({}, {}, database);
    ASSERT_TRUE(wait_until([&] { return outbox_mail_to(second.data_dir(), to).size() == 1; }));
    EXPECT_EQ(outbox_mail_to(second.data_dir(), to)[0].header("Message-ID").find("<" + id + "@"), 0u);
}

TEST_F(Jobs, ClaimsAreExclusiveAcrossWorkers) {
    TestServer server([](config::Settings& s) { s.jobs_in_process = false; });
    std::vector<std::string> ids;
    {
        auto lease = server.app().pool().acquire();
        db::Transaction tx(lease);
        for (int i = 0; i < 40; ++i) ids.push_back(jobs::Outbox::enqueue(tx.session(), "noop", "{}", 3));
        tx.commit();
    }
    std::mutex m;
    std::map<std::string, int> claimed;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            jobs::Outbox outbox(server.app().pool());
            for (;;) {
                auto batch = outbox.claim("w" + std::to_string(t), 3, 60s);
                if (batch.empty()) break;
                std::lock_guard lock(m);
                for (const auto& j : batch) ++claimed[j.id];
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(claimed.size(), ids.size());
    for (const auto& [id, n] : claimed) EXPECT_EQ(n, 1) << id;
}

TEST_F(Jobs, DeliveredJobsArePrunedAfterTheRetention) {
    TestServer server([](config::Settings& s) { s.jobs.done_retention = 300ms; });
    auto id = enqueue(server.app(), "onboarding", unique_address(), {{"username", "zoe"}});
    ASSERT_TRUE(wait_until([&] { return job_state(server.app(), id) == "done"; }));
    EXPECT_TRUE(wait_until([&] { return job_state(server.app(), id) == "missing"; }, 5s));
}

namespace notify {
const std::map<std::string, std::string>& embedded_templates();
}

namespace {
// The {{variables}} a template text uses (sections and partials included by name).
std::set<std::string> variables_in(const std::string& text) {
    std::set<std::string> out;
    static const std::regex tag(R"(\{\{[#^/&{]?\s*([A-Za-z_]+)\s*\}?\}\})");
    for (std::sregex_iterator it(text.begin(), text.end(), tag), end; it != end; ++it) out.insert((*it)[1].str());
    return out;
}
}  // namespace

TEST(EmailTemplates, EveryEmailHasItsTemplatesAndEveryTemplateVariableComesFromItsStruct) {
    notify::Templates templates("Acme", "https://acme.example");
    std::set<std::string> typed;
    std::apply(
        [&](auto... email) {
            auto check = [&](auto e) {
                using E = decltype(e);
                typed.insert(E::name);
                // Every field filled, so a variable left empty would show.
                boost::json::object vars = notify::emails::vars(E{});
                std::set<std::string> given{"app_name", "app_url", "subject", "content"};
                for (auto& [k, v] : vars) {
                    given.insert(std::string(k));
                    v = k == "expires_minutes" ? boost::json::value(5) : boost::json::value("x<" + std::string(k) + ">");
                }
                // Every locale has the whole set, in its own words, with the same variables.
                std::string english_subject;
                for (const auto locale : notify::kLocales) {
                    const auto path = notify::Templates::path(E::name, locale);
                    ASSERT_TRUE(notify::embedded_templates().contains(path)) << path << " is missing";
                    const auto file = notify::TemplateFile::parse(notify::embedded_templates().at(path));
                    for (const auto* part : {&file.subject, &file.text, &file.html}) {
                        EXPECT_FALSE(part->empty()) << path << " has an empty section";
                        for (const auto& v : variables_in(*part))
                            EXPECT_TRUE(given.contains(v))
                                << path << " uses {{" << v << "}}, which notify::emails::" << E::name << " does not give";
                    }
                    auto r = templates.render(E::name, vars, locale);
                    EXPECT_FALSE(r.subject.empty()) << path;
                    EXPECT_EQ(r.subject.find('\n'), std::string::npos) << path;
                    EXPECT_NE(r.text.find("Acme"), std::string::npos) << path;
                    EXPECT_NE(r.html.find("https://acme.example"), std::string::npos) << path;
                    EXPECT_EQ(r.html.find("x<"), std::string::npos) << path << ": values must be HTML-escaped";
                    if (vars.contains("ip")) {
                        EXPECT_NE(r.text.find("x<ip>"), std::string::npos) << path << " shows the requester";
                    }
                    if (locale == notify::kDefaultLocale)
                        english_subject = r.subject;
                    else
                        EXPECT_NE(r.subject, english_subject) << path << " is English";
                    EXPECT_NE(r.html.find("<html lang=\"" + std::string(locale) + "\">"), std::string::npos)
                        << path << ": its own layout";
                }
            };
            (check(email), ...);
        },
        notify::emails::All{});
    auto names = notify::Templates::names();
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()), typed)
        << "a template directory without its struct, or the reverse";
}

// An email's variables are its struct's members; one left empty shows as nothing and drops
// the words around it, in every language.
TEST(EmailTemplates, AnEmptyVariableLeavesOutItsSection) {
    notify::Templates templates("Acme", "https://acme.example");
    const notify::Origin origin{"192.0.2.7", "Firefox on Linux", ""};
    auto text = [&](const auto& email, std::string_view locale = "en") {
        return templates.render(std::decay_t<decltype(email)>::name, notify::emails::vars(email), locale).text;
    };
    EXPECT_NE(text(notify::emails::ProviderLinked{origin, "GitHub", "a@example.com"}).find("with GitHub (a@example.com)."),
              std::string::npos);
    const auto no_address = text(notify::emails::ProviderLinked{origin, "GitHub", ""});
    EXPECT_NE(no_address.find("with GitHub."), std::string::npos) << no_address;
    EXPECT_EQ(no_address.find("()"), std::string::npos) << no_address;

    EXPECT_NE(text(notify::emails::MfaDisabled{origin, std::nullopt}).find("(the authenticator app)"), std::string::npos);
    EXPECT_NE(text(notify::emails::MfaDisabled{origin, "Laptop"}).find("(the passkey \"Laptop\")"), std::string::npos);
    EXPECT_NE(text(notify::emails::MfaDisabled{origin, std::nullopt}, "de").find("(die Authenticator-App)"), std::string::npos);
    EXPECT_NE(text(notify::emails::PasskeyAdded{origin, "Laptop"}).find("named \"Laptop\""), std::string::npos);
    EXPECT_NE(text(notify::emails::PasswordBreached{origin, 3'861'493'789ULL}).find("(3861493789 times"), std::string::npos);
}

// The one layout's words: English has every one the layout uses, and each other locale
// translates every one of them (a missing one would show in English) and no other.
TEST(EmailTemplates, EveryLocaleHasEveryWordOfTheLayout) {
    const auto english = notify::Templates::layout_words(notify::kDefaultLocale);
    std::set<std::string> used;
    for (const auto* layout : {"emails/_layout.html", "emails/_layout.txt"}) {
        const auto& text = notify::embedded_templates().at(layout);
        static const std::regex word(R"(\{\{[#^/]?\s*words\.([a-z_]+)\s*\}\})");
        for (std::sregex_iterator it(text.begin(), text.end(), word), end; it != end; ++it) used.insert((*it)[1].str());
    }
    ASSERT_FALSE(used.empty());
    std::set<std::string> english_keys;
    for (const auto& [key, value] : english) english_keys.insert(std::string(key));
    EXPECT_EQ(english_keys, used) << "templates/emails/_words.json and the layout disagree";
    for (const auto locale : notify::kLocales) {
        if (locale == notify::kDefaultLocale) continue;
        const auto path = "emails/" + std::string(locale) + "/_words.json";
        ASSERT_TRUE(notify::embedded_templates().contains(path)) << path << " is missing";
        const auto own = boost::json::parse(notify::embedded_templates().at(path)).as_object();
        std::set<std::string> keys;
        for (const auto& [key, value] : own) {
            keys.insert(std::string(key));
            EXPECT_TRUE(value.is_string() && !value.as_string().empty()) << path << ": " << key;
        }
        EXPECT_EQ(keys, used) << path;
        EXPECT_EQ(own.at("lang"), boost::json::value(locale)) << path;
        EXPECT_NE(own.at("request_details"), english.at("request_details")) << path << " is English";
    }
}
