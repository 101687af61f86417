#include "notify/mailer.hpp"

#include "common/time.hpp"
#include "config/settings.hpp"
#include "jobs/worker.hpp"
#include "observe/log.hpp"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>

namespace notify {
namespace {

std::string rfc2822_date(std::int64_t ms) { return common::format_utc(ms, "%a, %d %b %Y %H:%M:%S +0000"); }

std::string wrapped_base64(std::string_view data) {
    auto b = base64(data);
    std::string out;
    for (std::size_t i = 0; i < b.size(); i += 76) out.append(b, i, 76).append("\r\n");
    return out;
}

bool is_ascii_printable(std::string_view s) {
    for (unsigned char c : s)
        if (c < 0x20 || c > 0x7e) return false;
    return true;
}

// Header values are never allowed to break a line (header injection).
std::string single_line(std::string_view s) {
    std::string out;
    for (char c : s) out += (c == '\r' || c == '\n') ? ' ' : c;
    return out;
}

}  // namespace

std::string base64(std::string_view data) {
    std::string out(4 * ((data.size() + 2) / 3), '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(data.data()),
                            static_cast<int>(data.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::string address_of(std::string_view mailbox) {
    auto lt = mailbox.rfind('<');
    auto gt = mailbox.rfind('>');
    if (lt != std::string_view::npos && gt != std::string_view::npos && gt > lt) return std::string(mailbox.substr(lt + 1, gt - lt - 1));
    return std::string(mailbox);
}

std::string build_mime(const Email& e, std::int64_t date_ms) {
    const std::string boundary = "=_starter_" + base64(e.message_id).substr(0, 24);
    std::string subject = single_line(e.subject);
    std::string m;
    m += "From: " + single_line(e.from) + "\r\n";
    m += "To: " + single_line(e.to) + "\r\n";
    m += "Subject: " + (is_ascii_printable(subject) ? subject : "=?UTF-8?B?" + base64(subject) + "?=") + "\r\n";
    m += "Date: " + rfc2822_date(date_ms) + "\r\n";
    m += "Message-ID: " + single_line(e.message_id) + "\r\n";
    m += "MIME-Version: 1.0\r\n";
    m += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
    m += "--" + boundary + "\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    m += wrapped_base64(e.text);
    m += "--" + boundary + "\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    m += wrapped_base64(e.html);
    m += "--" + boundary + "--\r\n";
    return m;
}

FileMailer::FileMailer(std::filesystem::path dir) : dir_(std::move(dir)) { std::filesystem::create_directories(dir_); }

void FileMailer::send(const Email& email) {
    const auto now = common::now_ms();
    std::string id = address_of(email.message_id);
    for (auto& c : id)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '_';
    auto path = dir_ / (std::to_string(now) + "-" + id + ".eml");
    auto tmp = path;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary);
        out << build_mime(email, now);
        if (!out) throw std::runtime_error("cannot write " + tmp.string());
    }
    std::filesystem::rename(tmp, path);  // readers never see half a message
    // Never the subject: it carries the code for verification and reset emails.
    observe::info("mail.written", {{"to", email.to}, {"message_id", email.message_id}, {"path", path.string()}});
}

SmtpMailer::SmtpMailer(std::string url, std::chrono::seconds timeout) : url_(std::move(url)), timeout_(timeout) {}

void SmtpMailer::send(const Email& email) {
    const auto now = common::now_ms();
    const std::string message = build_mime(email, now);
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) throw std::runtime_error("curl_easy_init failed");
    struct Reader {
        std::string_view data;
        std::size_t offset = 0;
    } reader{message};
    auto read = +[](char* buf, std::size_t size, std::size_t n, void* user) -> std::size_t {
        auto* r = static_cast<Reader*>(user);
        std::size_t len = std::min(size * n, r->data.size() - r->offset);
        std::memcpy(buf, r->data.data() + r->offset, len);
        r->offset += len;
        return len;
    };
    const std::string from = "<" + address_of(email.from) + ">";
    const std::string to = "<" + address_of(email.to) + ">";
    curl_slist* rcpt = curl_slist_append(nullptr, to.c_str());
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpt_guard(rcpt, curl_slist_free_all);
    char errbuf[CURL_ERROR_SIZE] = {};
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, url_.c_str());  // credentials in the URL are used for AUTH
    curl_easy_setopt(c, CURLOPT_USE_SSL, url_.starts_with("smtps://") ? CURLUSESSL_ALL : CURLUSESSL_TRY);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read);
    curl_easy_setopt(c, CURLOPT_READDATA, &reader);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(timeout_.count()));
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (rc == CURLE_OK) {
        observe::info("mail.sent", {{"to", email.to}, {"message_id", email.message_id}});  // no subject: it may hold a code
        return;
    }
    std::string why = "SMTP " + (code ? std::to_string(code) + " " : std::string()) + curl_easy_strerror(rc) +
                      (errbuf[0] ? std::string(": ") + errbuf : std::string());
    why = config::mask_url(why);
    if (code >= 500 && code < 600) throw jobs::PermanentFailure(why);
    throw std::runtime_error(why);
}

std::unique_ptr<Mailer> make_mailer(const std::string& smtp_url, const std::filesystem::path& data_dir) {
    if (!smtp_url.empty()) return std::make_unique<SmtpMailer>(smtp_url);
    return std::make_unique<FileMailer>(data_dir / "outbox");
}

}  // namespace notify
