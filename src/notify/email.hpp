#pragma once
// Emails as outbox jobs: enqueue in the caller's transaction; the worker renders the
// compiled-in Mustache templates and hands the message to the mailer.
#include "jobs/worker.hpp"
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

class Templates {
public:
    Templates(std::string app_name, std::string app_url);
    // Renders templates/emails/<name>/ inside the shared layout. Throws std::out_of_range
    // for an unknown template.
    Rendered render(const std::string& name, const boost::json::object& vars) const;
    // The names of every email template (API.md's table).
    static std::vector<std::string> names();

private:
    std::string app_name_;
    std::string app_url_;
};

// Enqueues one email. `secrets` (codes) are rendered but scrubbed from the job once sent.
std::string enqueue_email(soci::session& tx, const std::string& template_name, const std::string& to,
                          boost::json::object vars, boost::json::object secrets = {});

// The handler for kEmailJob jobs. Message-ID is <job-id@domain-of-MAIL_FROM>.
jobs::JobHandler email_job_handler(const Templates& templates, Mailer& mailer, std::string mail_from);

}  // namespace notify
