#include "notify/emails.hpp"

namespace notify {

Origin Origin::from_vars(const boost::json::object& o) {
    auto text = [&](const char* key) {
        auto* v = o.if_contains(key);
        return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    return {text("ip"), text("device"), text("location")};
}

namespace emails {
namespace {
boost::json::object with_code(const Origin& origin, const std::string& code, int expires_minutes) {
    auto v = origin.vars();
    v["code"] = code;
    v["expires_minutes"] = expires_minutes;
    return v;
}
}  // namespace

boost::json::object EmailVerificationRequest::vars() const { return with_code(origin, code, expires_minutes); }
boost::json::object ResetPasswordRequest::vars() const { return with_code(origin, code, expires_minutes); }
boost::json::object EmailChangeRequest::vars() const { return with_code(origin, code, expires_minutes); }

boost::json::object NewLoginDevice::vars() const {
    auto v = origin.vars();
    v["time"] = time;
    return v;
}

boost::json::object AccountDeletionScheduled::vars() const {
    auto v = origin.vars();
    v["erase_at"] = erase_at;
    return v;
}

boost::json::object MfaDisabled::vars() const {
    auto v = origin.vars();
    v["is_authenticator_app"] = !passkey_name.has_value();
    v["passkey_name"] = passkey_name.value_or("");
    return v;
}

boost::json::object RecoveryCodeUsed::vars() const {
    auto v = origin.vars();
    v["codes_left"] = codes_left;
    return v;
}

boost::json::object PasswordBreached::vars() const {
    auto v = origin.vars();
    v["breach_count"] = std::to_string(breach_count);
    return v;
}

boost::json::object ProviderLinked::vars() const {
    auto v = origin.vars();
    v["provider"] = provider;
    v["provider_email"] = provider_email;
    return v;
}

boost::json::object ProviderUnlinked::vars() const {
    auto v = origin.vars();
    v["provider"] = provider;
    return v;
}

boost::json::object PasskeyAdded::vars() const {
    auto v = origin.vars();
    v["name"] = passkey_name;
    return v;
}

boost::json::object EmailChanged::vars() const {
    auto v = origin.vars();
    v["new_email_masked"] = new_email_masked;
    return v;
}

}  // namespace emails
}  // namespace notify
