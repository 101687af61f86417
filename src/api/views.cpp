#include "api/views.hpp"

#include <boost/json.hpp>

#include "common/refusal.hpp"
#include "common/time.hpp"

namespace api {

std::string rfc3339(std::int64_t ms) { return common::format_utc(ms, common::kRfc3339); }

boost::json::value rfc3339_or_null(const std::optional<std::int64_t>& ms) {
    return ms ? boost::json::value(rfc3339(*ms)) : boost::json::value(nullptr);
}

boost::json::value cursor_json(const std::optional<std::string>& next_cursor) {
    return next_cursor ? boost::json::value(*next_cursor) : boost::json::value(nullptr);
}

int page_limit(const http::Request& req, int fallback) {
    auto text = req.query_param("limit");
    if (!text) return fallback;
    const bool digits = !text->empty() && text->size() <= 3 && text->find_first_not_of("0123456789") == std::string::npos;
    const int limit = digits ? std::stoi(*text) : 0;
    if (limit < 1 || limit > 100) throw common::invalid_input("limit must be a whole number from 1 to 100", "limit");
    return limit;
}

boost::json::value user_json(const accounts::User& u) {
    boost::json::array providers, linked;
    if (u.has_password()) providers.emplace_back("email_password");
    for (const auto& p : u.oauth_providers) {
        providers.emplace_back(p.provider);
        linked.push_back(boost::json::object{{"provider", p.provider},
                                             {"email", p.email.empty() ? boost::json::value() : boost::json::value(p.email)}});
    }
    return {{"id", u.id},
            {"username", u.username},
            {"email", u.email},
            {"has_password", u.has_password()},
            {"auth_providers", std::move(providers)},
            {"linked_providers", std::move(linked)},
            {"mfa_enabled", u.mfa_enabled},
            {"locale", u.locale},
            {"created_at", rfc3339(u.created_at)},
            {"updated_at", rfc3339(u.updated_at)},
            {"last_login_at", rfc3339_or_null(u.last_login_at)}};
}

boost::json::value admin_user_json(const accounts::User& u) {
    auto o = user_json(u).as_object();
    o["role"] = u.role;
    o["disabled_at"] = rfc3339_or_null(u.disabled_at);
    o["erase_after"] = rfc3339_or_null(u.erase_after);
    return o;
}

boost::json::value sign_in_json(const accounts::SignInOutcome& outcome) {
    boost::json::object answer;
    std::uint64_t breach_count = 0;
    if (const auto* signed_in = std::get_if<accounts::SignedIn>(&outcome)) {
        answer = {{"authentication_token", signed_in->token}, {"user", user_json(signed_in->user)}};
        breach_count = signed_in->password_breach_count;
    } else {
        const auto& challenge = std::get<accounts::MfaChallenge>(outcome);
        boost::json::array methods;
        for (const auto& m : challenge.methods) methods.emplace_back(m);
        answer = {{"mfa_required", true}, {"mfa_ticket", challenge.ticket}, {"methods", std::move(methods)}};
        breach_count = challenge.password_breach_count;
    }
    // Only a password sign-in can say so; the owner is emailed too.
    if (breach_count) answer["password_breach_count"] = breach_count;
    return answer;
}

boost::json::value public_user_json(const accounts::User& u) {
    return {{"id", u.id}, {"username", u.username}, {"created_at", rfc3339(u.created_at)}};
}

namespace {
// A stored location ({"city", ...}) as JSON; null when unknown or unreadable.
boost::json::value location_json(const std::optional<std::string>& stored) {
    if (!stored) return nullptr;
    boost::system::error_code ec;
    auto parsed = boost::json::parse(*stored, ec);
    if (!ec && parsed.is_object()) return parsed;
    return nullptr;
}
}  // namespace

boost::json::value security_event_json(const audit::Event& e) {
    return {{"id", e.id},          {"kind", e.kind},     {"created_at", rfc3339(e.created_at)},
            {"ip_address", e.ip},  {"device", e.device}, {"location", location_json(e.location_json)},
            {"details", e.details}};
}

boost::json::value passkey_json(const mfa::Passkey& p) {
    return {
        {"id", p.id}, {"name", p.name}, {"created_at", rfc3339(p.created_at)}, {"last_used_at", rfc3339_or_null(p.last_used_at)}};
}

boost::json::value mfa_status_json(const mfa::Status& st) {
    return {{"totp", st.totp}, {"passkeys", st.passkeys}, {"recovery_codes_left", st.recovery_codes_left}};
}

boost::json::value session_json(const sessions::SessionRecord& s, const std::string& current_session_id) {
    return {{"id", s.id},
            {"ip_address", s.ip_address},
            {"user_agent", s.user_agent},
            {"device", s.device},
            {"location", location_json(s.location_json)},
            {"created_at", rfc3339(s.created_at)},
            {"last_active_at", rfc3339(s.last_active_at)},
            {"logged_out_at", rfc3339_or_null(s.logged_out_at)},
            {"is_current", s.id == current_session_id}};
}

}  // namespace api
