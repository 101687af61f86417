#include "notify/email.hpp"

#include "jobs/outbox.hpp"
#include "notify/locale.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <kainjow/mustache.hpp>

#include <map>

namespace notify {

const std::map<std::string, std::string>& embedded_templates();

namespace {

namespace mst = kainjow::mustache;

// A null or an empty string is left out: it shows as nothing and is false in a
// {{#section}} (as in Mustache's JavaScript original), so "(address)" can be left out when
// there is none.
mst::data to_data(const boost::json::object& vars) {
    mst::data d;
    for (const auto& [k, v] : vars) {
        std::string key(k);
        if (v.is_string() && !v.as_string().empty())
            d.set(key, std::string(v.as_string()));
        else if (v.is_bool())
            d.set(key, v.as_bool() ? mst::data::type::bool_true : mst::data::type::bool_false);
        else if (v.is_int64())
            d.set(key, std::to_string(v.as_int64()));
        else if (v.is_uint64())
            d.set(key, std::to_string(v.as_uint64()));
        else if (v.is_double())
            d.set(key, boost::json::serialize(v));
    }
    return d;
}

std::string render_one(const std::string& source, const mst::data& data, bool html) {
    mst::mustache tmpl(source);
    if (!html) tmpl.set_custom_escape([](const std::string& s) { return s; });
    auto out = tmpl.render(data);
    if (!tmpl.is_valid()) throw std::runtime_error("template error: " + tmpl.error_message());
    return out;
}

std::string trim_trailing_newlines(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

}  // namespace

Templates::Templates(std::string app_name, std::string app_url) : app_name_(std::move(app_name)), app_url_(std::move(app_url)) {}

TemplateFile TemplateFile::parse(const std::string& source) {
    TemplateFile t;
    std::string* into = nullptr;
    bool seen[3] = {false, false, false};
    std::size_t at = 0;
    while (at < source.size()) {
        auto end = source.find('\n', at);
        if (end == std::string::npos) end = source.size();
        const std::string_view line(source.data() + at, end - at);
        at = end + 1;
        int section = line == "{{! subject }}" ? 0 : line == "{{! text }}" ? 1 : line == "{{! html }}" ? 2 : -1;
        if (section >= 0) {
            into = section == 0 ? &t.subject : section == 1 ? &t.text : &t.html;
            seen[section] = true;
            continue;
        }
        if (!into) throw std::runtime_error("an email template must start with {{! subject }}");
        into->append(line).append("\n");
    }
    if (!seen[0] || !seen[1] || !seen[2])
        throw std::runtime_error("an email template needs the sections {{! subject }}, {{! text }} and {{! html }}");
    return t;
}

std::vector<EmailInfo> email_catalogue() {
    std::vector<EmailInfo> out;
    std::apply(
        [&out](const auto&... email) {
            auto add = [&out](const auto& e) {
                using Email = std::decay_t<decltype(e)>;
                EmailInfo info{
                    Email::name,
                    Email::when,
                    trim_trailing_newlines(
                        TemplateFile::parse(embedded_templates().at(std::string("emails/") + Email::name + ".mustache")).subject),
                    {}};
                for (const auto& [key, value] : emails::vars(e)) info.variables.emplace_back(key);
                out.push_back(std::move(info));
            };
            (add(email), ...);
        },
        emails::All{});
    return out;
}

std::vector<std::string> Templates::names() {
    std::vector<std::string> out;
    constexpr std::string_view prefix = "emails/", suffix = ".mustache";
    for (const auto& [path, text] : embedded_templates())
        if (path.starts_with(prefix) && path.ends_with(suffix) && path.find('/', prefix.size()) == std::string::npos)
            out.push_back(path.substr(prefix.size(), path.size() - prefix.size() - suffix.size()));
    return out;
}

std::string Templates::path(std::string_view name, std::string_view locale) {
    std::string p = "emails/";
    if (locale != kDefaultLocale) p.append(locale).append("/");
    return p.append(name).append(".mustache");
}

boost::json::object Templates::layout_words(std::string_view locale) {
    const auto& files = embedded_templates();
    auto words = boost::json::parse(files.at("emails/_words.json")).as_object();
    if (locale == kDefaultLocale) return words;
    if (auto it = files.find("emails/" + std::string(locale) + "/_words.json"); it != files.end()) {
        const auto own = boost::json::parse(it->second);
        for (const auto& [key, value] : own.as_object()) words[key] = value;
    }
    return words;
}

Rendered Templates::render(const std::string& name, const boost::json::object& vars, std::string_view locale) const {
    const auto& files = embedded_templates();
    // A locale lacking a file falls back to English's.
    auto file_of = [&](std::string_view n) -> const std::string& {
        auto it = files.find(path(n, locale));
        return it != files.end() ? it->second : files.at(path(n, kDefaultLocale));
    };
    const auto file = TemplateFile::parse(file_of(name));
    auto data = to_data(vars);
    data.set("words", to_data(layout_words(locale)));
    data.set("app_name", app_name_);
    data.set("app_url", app_url_);
    Rendered r;
    r.subject = trim_trailing_newlines(render_one(file.subject, data, false));
    data.set("subject", r.subject);
    auto text_body = render_one(file.text, data, false);
    auto html_body = render_one(file.html, data, true);
    auto text_data = data;
    text_data.set("content", trim_trailing_newlines(text_body));
    r.text = render_one(files.at("emails/_layout.txt"), text_data, false);
    data.set("content", html_body);
    r.html = render_one(files.at("emails/_layout.html"), data, true);
    return r;
}

std::string enqueue_email(soci::session& tx, const std::string& template_name, const std::string& to, boost::json::object vars,
                          std::string_view locale, bool forget) {
    boost::json::object payload{{"template", template_name}, {"to", to}, {"vars", std::move(vars)}};
    if (locale != kDefaultLocale && supported_locale(locale)) payload["locale"] = locale;
    if (forget) payload["forget"] = true;
    return jobs::Outbox::enqueue(tx, kEmailJob, boost::json::serialize(payload),
                                 kEmailMaxAttempts);  // informational; JOB_MAX_ATTEMPTS decides
}

EmailSender::EmailSender(const Templates& templates, Mailer& mailer, std::string mail_from)
    : templates_(templates), mailer_(mailer), mail_from_(std::move(mail_from)) {
    const std::string addr = address_of(mail_from_);
    domain_ = addr.find('@') == std::string::npos ? "localhost" : addr.substr(addr.find('@') + 1);
}

void EmailSender::send(const std::string& job_id, const Outgoing& email) const {
    Rendered r;
    try {
        r = templates_.render(email.template_name, email.vars, email.locale);
    } catch (const std::out_of_range&) {
        throw jobs::PermanentFailure("unknown email template '" + email.template_name + "'");
    }
    mailer_.send(Email{mail_from_, email.to, r.subject, r.text, r.html, "<" + job_id + "@" + domain_ + ">"});
}

jobs::JobHandler email_job_handler(const EmailSender& sender) {
    return [&sender](const jobs::Job& job) {
        boost::json::object payload;
        Outgoing email;
        try {
            payload = boost::json::parse(job.payload).as_object();
            email.template_name = std::string(payload.at("template").as_string());
            email.to = std::string(payload.at("to").as_string());
            if (auto* v = payload.if_contains("vars"); v && v->is_object()) email.vars = v->as_object();
            if (auto* l = payload.if_contains("locale"); l && l->is_string()) email.locale = l->as_string();
            // Jobs queued by versions that stored codes in the payload: delivered, then scrubbed.
            if (auto* s = payload.if_contains("secrets"); s && s->is_object())
                for (const auto& [k, v] : s->as_object()) email.vars[k] = v;
        } catch (const std::exception& e) {
            throw jobs::PermanentFailure(std::string("unreadable email job payload: ") + e.what());
        }
        sender.send(job.id, email);
        payload.erase("secrets");
        if (auto* f = payload.if_contains("forget"); f && f->is_bool() && f->as_bool()) {
            payload["to"] = "(erased)";
            payload["vars"] = boost::json::object{};
        }
        return jobs::Handled{boost::json::serialize(payload)};
    };
}

}  // namespace notify
