#include "notify/mailer.hpp"

#include "common/libcurl.hpp"
#include "common/text.hpp"
#include "common/time.hpp"
#include "config/settings.hpp"
#include "jobs/worker.hpp"
#include "observe/log.hpp"

#include <openssl/evp.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <vector>

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

// Lines of a header we write stay within RFC 2047's 76 characters (RFC 5322 asks 78).
constexpr std::size_t kLineLimit = 76;
constexpr std::size_t kWordOverhead = 12;  // "=?UTF-8?B?" and "?="

std::string encoded_word(std::string_view bytes) { return "=?UTF-8?B?" + base64(bytes) + "?="; }

// How many leading bytes of `text` one encoded-word of at most `chars` characters holds:
// whole UTF-8 characters only (RFC 2047 §5), and with `at_space` cut just after a space
// when one is in reach, so that a word is not split across two encoded-words.
std::size_t word_bytes(std::string_view text, std::size_t chars, bool at_space) {
    std::size_t bytes = std::min(text.size(), (chars - std::min(chars, kWordOverhead)) / 4 * 3);
    while (bytes < text.size() && bytes > 0 && (static_cast<unsigned char>(text[bytes]) & 0xC0) == 0x80) --bytes;
    if (at_space && bytes < text.size())
        if (auto space = text.substr(0, bytes).rfind(' '); space != std::string_view::npos && space > 0) bytes = space + 1;
    return bytes;
}

// Writes a separator before a piece of `next` characters: a space, or a fold (CRLF SP)
// when the piece would not fit on the current line.
void separate(std::string& out, std::size_t& line, std::size_t next) {
    if (line + 1 + next > kLineLimit) {
        out += "\r\n ";
        line = 1;
    } else {
        out += ' ';
        ++line;
    }
}

// Appends `text` as encoded-words of at most 75 characters, folded so that no line passes
// kLineLimit; `line` is the current line's length. `separated`: write a separator before
// the first word too. Adjacent encoded-words' separating whitespace is not part of the
// text (RFC 2047 §6.2), so the split itself adds nothing.
void append_encoded(std::string& out, std::size_t& line, std::string_view text, bool separated, bool at_space) {
    while (!text.empty()) {
        std::size_t room = kLineLimit - std::min(kLineLimit, line + (separated ? 1 : 0));
        if (room < kWordOverhead + 8) {  // less than two characters fit here: fold first
            out += "\r\n ";
            line = 1;
            separated = false;
            room = kLineLimit - 1;
        }
        if (separated) separate(out, line, 0);
        std::size_t bytes = word_bytes(text, std::min<std::size_t>(room, 75), at_space);
        if (bytes == 0) bytes = std::min<std::size_t>(text.size(), 4);  // a malformed sequence: never loop
        const auto word = encoded_word(text.substr(0, bytes));
        out += word;
        line += word.size();
        text.remove_prefix(bytes);
        separated = true;
    }
}

// A whole unstructured header line (Subject): ASCII values folded at spaces when long,
// any other value as encoded-words.
std::string header(std::string_view name, std::string_view value) {
    std::string out = std::string(name) + ":";
    std::size_t line = out.size();
    if (is_ascii_printable(value)) {
        out += ' ';
        ++line;
        while (line + value.size() > kLineLimit) {
            auto space = value.rfind(' ', kLineLimit - line);
            if (space == std::string_view::npos || space == 0) space = value.find(' ', 1);
            if (space == std::string_view::npos) break;  // one long word: kept whole (RFC 5322 allows 998)
            out.append(value.substr(0, space)).append("\r\n");
            value.remove_prefix(space);  // the fold keeps the space
            line = 0;
        }
        out.append(value);
    } else {
        append_encoded(out, line, value, true, false);
    }
    return out + "\r\n";
}

bool is_atom(std::string_view word) {
    if (word.empty()) return false;
    for (unsigned char c : word)
        if (!(std::isalnum(c) || std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) != std::string_view::npos))
            return false;
    return true;
}

// A mailbox header ("From: Name <addr>", RFC 5322 §3.4). An ASCII display name is written
// as it is, or as a quoted-string when it holds specials; any other is a phrase of plain
// atoms and encoded-words: runs of words that are not atoms become one encoded-word
// (their spaces inside it), so no reader has to guess the space between two encoded-words.
std::string mailbox_header(std::string_view name, std::string_view mailbox) {
    const std::string addr = "<" + address_of(mailbox) + ">";
    std::string_view display;
    if (auto lt = mailbox.rfind('<'); lt != std::string_view::npos) display = mailbox.substr(0, lt);
    while (!display.empty() && (display.back() == ' ' || display.back() == '\t')) display.remove_suffix(1);
    while (!display.empty() && (display.front() == ' ' || display.front() == '\t')) display.remove_prefix(1);
    if (display.size() >= 2 && display.front() == '"' && display.back() == '"') display = display.substr(1, display.size() - 2);
    std::string out = std::string(name) + ":";
    std::size_t line = out.size();
    if (display.empty()) return out + " " + addr.substr(1, addr.size() - 2) + "\r\n";
    if (is_ascii_printable(display)) {
        std::string quoted;
        if (display.find_first_of("()<>[]:;@\\,.\"") == std::string_view::npos) {
            quoted = display;
        } else {
            quoted = "\"" + common::escaped(display, {{'"', "\\\""}, {'\\', "\\\\"}}) + "\"";
        }
        out += " " + quoted;
        line += 1 + quoted.size();
    } else {
        const auto words = common::words(display);
        for (std::size_t i = 0; i < words.size();) {
            if (is_atom(words[i])) {
                separate(out, line, words[i].size());
                out += words[i];
                line += words[i].size();
                ++i;
                continue;
            }
            std::size_t j = i;
            while (j < words.size() && !is_atom(words[j])) ++j;
            // The run's text, spaces included: words[i] .. words[j-1] as they stand in `display`.
            const char* begin = words[i].data();
            const char* end = words[j - 1].data() + words[j - 1].size();
            append_encoded(out, line, std::string_view(begin, static_cast<std::size_t>(end - begin)), true, true);
            i = j;
        }
    }
    separate(out, line, addr.size());
    return out + addr + "\r\n";
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
    if (lt != std::string_view::npos && gt != std::string_view::npos && gt > lt)
        return std::string(mailbox.substr(lt + 1, gt - lt - 1));
    return std::string(mailbox);
}

std::string build_mime(const Email& e, std::int64_t date_ms) {
    const std::string boundary = "=_starter_" + base64(e.message_id).substr(0, 24);
    std::string m;
    m += mailbox_header("From", single_line(e.from));
    m += "To: " + single_line(e.to) + "\r\n";
    m += header("Subject", single_line(e.subject));
    m += "Date: " + rfc2822_date(date_ms) + "\r\n";
    m += "Message-ID: " + single_line(e.message_id) + "\r\n";
    m += "MIME-Version: 1.0\r\n";
    m += "Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n\r\n";
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

SmtpMailer::SmtpMailer(std::string url, bool require_tls, std::chrono::seconds timeout)
    : url_(std::move(url)), require_tls_(require_tls || url_.starts_with("smtps://")), timeout_(timeout) {}

void SmtpMailer::send(const Email& email) {
    const auto now = common::now_ms();
    const std::string message = build_mime(email, now);
    const auto& curl = common::libcurl();
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> handle(curl.easy_init(), curl.easy_cleanup);
    if (!handle) throw std::runtime_error("curl_easy_init failed");
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
    curl_slist* rcpt = curl.slist_append(nullptr, to.c_str());
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpt_guard(rcpt, curl.slist_free_all);
    char errbuf[CURL_ERROR_SIZE] = {};
    CURL* c = handle.get();
    curl.easy_setopt(c, CURLOPT_URL, url_.c_str());  // credentials in the URL are used for AUTH
    curl.easy_setopt(c, CURLOPT_USE_SSL, require_tls_ ? CURLUSESSL_ALL : CURLUSESSL_TRY);
    curl.easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
    curl.easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl.easy_setopt(c, CURLOPT_READFUNCTION, read);
    curl.easy_setopt(c, CURLOPT_READDATA, &reader);
    curl.easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl.easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(timeout_.count()));
    curl.easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = curl.easy_perform(c);
    long code = 0;
    curl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (rc == CURLE_OK) {
        observe::info("mail.sent", {{"to", email.to}, {"message_id", email.message_id}});  // no subject: it may hold a code
        return;
    }
    std::string why = "SMTP " + (code ? std::to_string(code) + " " : std::string()) + curl.easy_strerror(rc) +
                      (errbuf[0] ? std::string(": ") + errbuf : std::string());
    why = config::mask_url(why);
    if (code >= 500 && code < 600) throw jobs::PermanentFailure(why);
    throw std::runtime_error(why);
}

std::unique_ptr<Mailer> make_mailer(const std::string& smtp_url, bool require_tls, const std::filesystem::path& data_dir) {
    if (!smtp_url.empty()) return std::make_unique<SmtpMailer>(smtp_url, require_tls);
    return std::make_unique<FileMailer>(data_dir / "outbox");
}

}  // namespace notify
