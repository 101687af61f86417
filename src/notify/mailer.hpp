#pragma once
// Mail delivery backends: SMTP through libcurl, or .eml files in a directory (the embedded
// default, so a local user can read their codes). Both take a fully built MIME message.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace notify {

struct Email {
    std::string from;  // "Name <addr>" or "addr"
    std::string to;    // a validated address (no CR/LF)
    std::string subject;
    std::string text;
    std::string html;
    std::string message_id;  // "<id@domain>", stable per job so a resend is recognisable
};

// RFC 5322 + MIME multipart/alternative, UTF-8, base64 bodies, RFC 2047 subject.
std::string build_mime(const Email& email, std::int64_t date_ms);
// The bare address inside "Name <addr>".
std::string address_of(std::string_view mailbox);
std::string base64(std::string_view data);

class Mailer {
public:
    virtual ~Mailer() = default;
    // Throws jobs::PermanentFailure for a permanent rejection (SMTP 5xx), anything else
    // for a temporary problem worth retrying.
    virtual void send(const Email& email) = 0;
};

class FileMailer : public Mailer {
public:
    explicit FileMailer(std::filesystem::path dir);
    void send(const Email& email) override;

private:
    std::filesystem::path dir_;
};

class SmtpMailer : public Mailer {
public:
    // `require_tls`: smtp:// sends only after STARTTLS succeeded (a server that does not
    // offer it, or an attacker who strips the offer, gets nothing: the send fails and is
    // retried); otherwise STARTTLS is used when offered. smtps:// is always TLS.
    explicit SmtpMailer(std::string url, bool require_tls = true, std::chrono::seconds timeout = std::chrono::seconds(30));
    void send(const Email& email) override;

private:
    std::string url_;
    bool require_tls_;
    std::chrono::seconds timeout_;
};

// SMTP_URL set: SmtpMailer; otherwise FileMailer under DATA_DIR/outbox.
std::unique_ptr<Mailer> make_mailer(const std::string& smtp_url, bool require_tls, const std::filesystem::path& data_dir);

}  // namespace notify
