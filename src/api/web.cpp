#include "api/web.hpp"

#include "notify/locale.hpp"

#include "http/errors.hpp"
#include "notify/mailbox.hpp"
#include "oauth/provider.hpp"

#include <map>
#include <memory>

namespace api {

// Generated from scripts/build-web's output (cmake/embed_files.cmake).
const std::map<std::string, std::string>& embedded_web_files();

namespace {

constexpr const char* kAppCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
// The mailbox page: our own markup and styles only. A message's HTML is served alone, with
// no script, no network and in a sandbox.
constexpr const char* kMailboxCsp = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";
constexpr const char* kMessageCsp =
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; frame-ancestors 'none'";

std::string escape_html(std::string_view text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

void replace_all(std::string& text, std::string_view from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
}

std::string mailbox_page(const std::vector<notify::StoredMail>& mails) {
    std::string html = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Development mailbox</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
article{border:1px solid #d9dde5;border-radius:8px;padding:1rem 1.25rem;margin:1rem 0}h2{font-size:1.1rem;margin:0}
.meta{color:#5b6475;font-size:.9rem}pre{white-space:pre-wrap;background:#f5f7fb;padding:.75rem;border-radius:6px}</style>
</head><body><h1>Development mailbox</h1>
<p class="meta">The emails this server wrote to its outbox (no SMTP_URL), newest first. Not served in production.
<a href="/account">Account app</a></p>
)";
    if (mails.empty()) html += "<p>No email yet.</p>\n";
    for (const auto& m : mails) {
        html += "<article data-to=\"" + escape_html(m.to) + "\"><h2>" + escape_html(m.subject) + "</h2>";
        html += "<p class=\"meta\">To " + escape_html(m.to) + " · " + escape_html(m.date) + " · <a href=\"/dev/mail/" +
                escape_html(m.name) + "\" target=\"_blank\" rel=\"noopener\">as HTML</a></p>";
        html += "<pre>" + escape_html(m.text) + "</pre></article>\n";
    }
    return html + "</body></html>\n";
}

}  // namespace

void register_web_routes(http::Router& r, WebOptions options) {
    if (options.account_app) {
        auto index = embedded_web_files().at("account/index.html");
        std::string providers;
        for (const auto& p : options.providers)
            providers += (providers.empty() ? "" : ",") + p + ":" + oauth::display_name(p);  // "google:Google"
        replace_all(index, "{{app_name}}", escape_html(options.app_name));
        replace_all(index, "{{providers}}", escape_html(providers));
        std::string locales;
        for (auto l : notify::kLocales) locales += (locales.empty() ? "" : ",") + std::string(l);
        replace_all(index, "{{locales}}", locales);
        replace_all(index, "{{public_url}}", escape_html(options.public_url));
        replace_all(index, "{{passkey_rp_id}}", escape_html(options.passkey_rp_id));
        r.get("/account", [index](http::Request&) { return http::page(index, "text/html; charset=utf-8", kAppCsp); })
            .on_io_thread()
            .unlimited()
            .undocumented();
        r.get("/account/{file}",
              [](http::Request& req) {
                  const auto& files = embedded_web_files();
                  const std::string name = "account/" + std::string(req.param("file"));
                  auto it = files.find(name);
                  if (it == files.end() || name.ends_with(".html")) throw http::not_found();
                  return http::page(it->second, http::content_type_of(name), kAppCsp);
              })
            .on_io_thread()
            .unlimited()
            .undocumented();
    }
    if (options.mailbox) {
        const auto dir = *options.mailbox;
        r.get("/dev/mail",
              [dir](http::Request&) {
                  return http::page(mailbox_page(notify::read_outbox(dir, 50)), "text/html; charset=utf-8", kMailboxCsp);
              })
            .unlimited()
            .undocumented();
        r.get("/dev/mail/{message}",
              [dir](http::Request& req) {
                  auto m = notify::read_outbox_message(dir, std::string(req.param("message")));
                  if (!m) throw http::not_found("No such message");
                  return http::page(m->html.empty() ? "<pre>" + escape_html(m->text) + "</pre>" : m->html,
                                    "text/html; charset=utf-8", kMessageCsp);
              })
            .unlimited()
            .undocumented();
    }
}

}  // namespace api
