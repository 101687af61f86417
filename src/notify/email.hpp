#pragma once
// Emails as outbox jobs: enqueue in the caller's transaction; the worker renders the
// compiled-in Mustache templates and hands the message to the mailer.
#include "jobs/worker.hpp"
#include "notify/emails.hpp"
#include "notify/mailer.hpp"

#include <boost/json/object.hpp>
#include <soci/session.h>

#include <string>
#include <vector>

namespace notify {

inline constexpr const char* kEmailJob = "email";
inline constexpr int kEmailMaxAttempts = 5;

struct Rendered {
    std::string subject;
    std::string text;
    std::string html;
};

// One email's template file, templates/emails/<name>.mustache: its subject, text and HTML
// bodies as three sections, each after a line `{{! subject }}`, `{{! text }}`, `{{! html }}`.
struct TemplateFile {
    std::string subject, text, html;
    // Throws std::runtime_error naming what is missing.
    static TemplateFile parse(const std::string& source);
};

class Templates {
public:
    Templates(std::string app_name, std::string app_url);
    // Renders templates/emails/<locale>/<name>.mustache (templates/emails/<name>.mustache for
    // English, or when the locale lacks it) inside the one layout (_layout.html, _layout.txt),
    // whose {{words.*}} are in the locale's language. Throws std::out_of_range for an unknown
    // template.
    Rendered render(const std::string& name, const boost::json::object& vars, std::string_view locale = "en") const;
    // The names of every English email template.
    static std::vector<std::string> names();
    // Where a template of `locale` lives among the embedded files ("emails/de/onboarding.mustache").
    static std::string path(std::string_view name, std::string_view locale);
    // The layout's words in `locale`: templates/emails/_words.json (English), each replaced
    // by templates/emails/<locale>/_words.json where that has it.
    static boost::json::object layout_words(std::string_view locale);

private:
    std::string app_name_;
    std::string app_url_;
};

// What the API reference says of one email: when it goes out, its subject template and the
// variables its templates may use (besides app_name and app_url).
struct EmailInfo {
    std::string name, when, subject;
    std::vector<std::string> variables;
};
// Every email of notify::emails::All, in that order.
std::vector<EmailInfo> email_catalogue();

// One email to render and send: a template of templates/emails/ and its variables.
struct Outgoing {
    std::string template_name;
    std::string to;
    boost::json::object vars;
    std::string locale = "en";

    template <class Email>
    static Outgoing of(std::string to, const Email& email, std::string locale = "en") {
        return {Email::name, std::move(to), emails::vars(email), std::move(locale)};
    }
};

// Renders and sends an email now: the last step of every job that mails someone.
class EmailSender {
public:
    EmailSender(const Templates& templates, Mailer& mailer, std::string mail_from);
    // Message-ID is <job_id@domain-of-MAIL_FROM>, stable across a job's retries. Throws
    // jobs::PermanentFailure for an unknown template or a permanent SMTP rejection.
    void send(const std::string& job_id, const Outgoing& email) const;

private:
    const Templates& templates_;
    Mailer& mailer_;
    std::string mail_from_;
    std::string domain_;
};

// Enqueues one email in the caller's transaction. Its variables are stored as given, so
// they must hold no secret: a code is made by the job that sends it (accounts'
// code requests), never written to the database in clear.
// `forget`: once sent, the job keeps neither the address nor the variables (the last email
// to an erased account).
std::string enqueue_email(soci::session& tx, const std::string& template_name, const std::string& to, boost::json::object vars,
                          std::string_view locale, bool forget = false);

// An email struct with `static constexpr bool forget_recipient = true;` leaves no trace of
// whom it went to once sent.
template <class Email>
concept ForgetsRecipient = Email::forget_recipient;

// Enqueues one of notify::emails in the caller's transaction, in `locale` (the user's).
template <class Email>
std::string enqueue(soci::session& tx, const std::string& to, const Email& email, std::string_view locale) {
    return enqueue_email(tx, Email::name, to, emails::vars(email), locale, ForgetsRecipient<Email>);
}

// The handler for kEmailJob jobs.
jobs::JobHandler email_job_handler(const EmailSender& sender);

}  // namespace notify
