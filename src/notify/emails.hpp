#pragma once
// Every email the product sends: one struct each, named after its template file
// (templates/emails/<name>.mustache: subject, text and HTML sections), saying when it is sent
// and carrying exactly the variables it uses: its members, which BOOST_DESCRIBE_STRUCT names
// for vars() (an Origin member gives ip, device and location; an empty string or an empty
// optional is false in a {{#section}}). Adding an email is its template file plus its struct
// here (and in All); a test checks that every template has a struct and every variable a
// template uses is one its struct gives; docs/api.md lists them from here.
#include <boost/describe/class.hpp>
#include <boost/describe/members.hpp>
#include <boost/json/object.hpp>
#include <boost/mp11/algorithm.hpp>

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

namespace notify {

// Where a request came from, as security emails show it.
struct Origin {
    std::string ip;
    std::string device;    // "Firefox 120 on Ubuntu"
    std::string location;  // "Berlin, Germany", or "" when unknown

    boost::json::object vars() const { return {{"ip", ip}, {"device", device}, {"location", location}}; }
    static Origin from_vars(const boost::json::object& o);
};

namespace emails {

struct EmailVerificationRequest {
    static constexpr const char* name = "email-verification-request";
    static constexpr const char* when =
        "Registration asked for a code to confirm the address (POST /api/auth/email-verification-request)";
    Origin origin;
    std::string code;
    int expires_minutes = 0;
};
BOOST_DESCRIBE_STRUCT(EmailVerificationRequest, (), (origin, code, expires_minutes))
struct EmailAlreadyRegistered {
    static constexpr const char* name = "email-already-registered";
    static constexpr const char* when =
        "Registration asked for a code for an address that already has an account: no code, a hint to sign in or reset the "
        "password instead";
    Origin origin;
};
BOOST_DESCRIBE_STRUCT(EmailAlreadyRegistered, (), (origin))
struct ResetPasswordRequest {
    static constexpr const char* name = "reset-password-request";
    static constexpr const char* when = "A forgotten password: the code that sets a new one";
    Origin origin;
    std::string code;
    int expires_minutes = 0;
};
BOOST_DESCRIBE_STRUCT(ResetPasswordRequest, (), (origin, code, expires_minutes))
struct EmailChangeRequest {
    static constexpr const char* name = "email-change-request";
    static constexpr const char* when = "An email change: the code, sent to the new address";
    Origin origin;
    std::string code;
    int expires_minutes = 0;
};
BOOST_DESCRIBE_STRUCT(EmailChangeRequest, (), (origin, code, expires_minutes))
struct Onboarding {
    static constexpr const char* name = "onboarding";
    static constexpr const char* when = "A new account (registration or a first social sign-in)";
    std::string username;
};
BOOST_DESCRIBE_STRUCT(Onboarding, (), (username))
struct NewLoginDevice {
    static constexpr const char* name = "new-login-device";
    static constexpr const char* when = "A sign-in from a device or country this account never used";
    Origin origin;
    std::string time;  // "2026-11-24 10:00:00 UTC"
};
BOOST_DESCRIBE_STRUCT(NewLoginDevice, (), (origin, time))
struct PasswordChanged {
    static constexpr const char* name = "password-changed";
    static constexpr const char* when = "The password was set or changed (other sessions ended)";
    Origin origin;
};
BOOST_DESCRIBE_STRUCT(PasswordChanged, (), (origin))
struct PasswordBreached {
    static constexpr const char* name = "password-breached";
    static constexpr const char* when =
        "A sign-in used a password found in data breaches: asks to change it (once a week at most)";
    Origin origin;
    std::uint64_t breach_count = 0;
};
BOOST_DESCRIBE_STRUCT(PasswordBreached, (), (origin, breach_count))
struct PasswordReset {
    static constexpr const char* name = "password-reset";
    static constexpr const char* when = "The password was reset with an emailed code";
    Origin origin;
};
BOOST_DESCRIBE_STRUCT(PasswordReset, (), (origin))
struct EmailChanged {
    static constexpr const char* name = "email-changed";
    static constexpr const char* when = "The account's email changed: told at the old address, the new one masked";
    Origin origin;
    std::string new_email_masked;
};
BOOST_DESCRIBE_STRUCT(EmailChanged, (), (origin, new_email_masked))

struct MfaEnabled {
    static constexpr const char* name = "mfa-enabled";
    static constexpr const char* when = "An authenticator app was confirmed as a second factor";
    Origin origin;
};
BOOST_DESCRIBE_STRUCT(MfaEnabled, (), (origin))
struct MfaDisabled {
    static constexpr const char* name = "mfa-disabled";
    static constexpr const char* when = "A second factor was removed (the authenticator app, or a passkey by its name)";
    Origin origin;
    std::optional<std::string> passkey_name;  // none: the authenticator app
};
BOOST_DESCRIBE_STRUCT(MfaDisabled, (), (origin, passkey_name))
struct RecoveryCodeUsed {
    static constexpr const char* name = "recovery-code-used";
    static constexpr const char* when = "A sign-in used a recovery code; says how many are left";
    Origin origin;
    int codes_left = 0;
};
BOOST_DESCRIBE_STRUCT(RecoveryCodeUsed, (), (origin, codes_left))

struct PasskeyAdded {
    static constexpr const char* name = "passkey-added";
    static constexpr const char* when = "A passkey was added to the account";
    Origin origin;
    std::string passkey_name;
};
BOOST_DESCRIBE_STRUCT(PasskeyAdded, (), (origin, passkey_name))

struct ProviderLinked {
    static constexpr const char* name = "provider-linked";
    static constexpr const char* when =
        "A sign-in provider (Google, GitHub...) was linked to the account: it can sign in with it";
    Origin origin;
    std::string provider;
    std::string provider_email;  // "" when the provider gave none
};
BOOST_DESCRIBE_STRUCT(ProviderLinked, (), (origin, provider, provider_email))
struct ProviderUnlinked {
    static constexpr const char* name = "provider-unlinked";
    static constexpr const char* when = "A sign-in provider was unlinked from the account";
    Origin origin;
    std::string provider;
};
BOOST_DESCRIBE_STRUCT(ProviderUnlinked, (), (origin, provider))

struct AccountDeletionScheduled {
    static constexpr const char* name = "account-deletion-scheduled";
    static constexpr const char* when =
        "Its owner asked for the account's deletion (DELETE /api/users/@me): when it will be erased, and that signing in "
        "before then keeps it";
    Origin origin;
    std::string erase_at;  // "2026-12-08 10:00 UTC"
};
BOOST_DESCRIBE_STRUCT(AccountDeletionScheduled, (), (origin, erase_at))
struct AccountDeletionCancelled {
    static constexpr const char* name = "account-deletion-cancelled";
    static constexpr const char* when = "A sign-in during the grace period kept an account whose deletion was asked for";
    Origin origin;
};
BOOST_DESCRIBE_STRUCT(AccountDeletionCancelled, (), (origin))
struct AccountDeleted {
    static constexpr const char* name = "account-deleted";
    static constexpr const char* when = "The account's data was erased (the last email to the address)";
    static constexpr bool forget_recipient = true;  // once sent, nothing in the jobs names them
};
BOOST_DESCRIBE_STRUCT(AccountDeleted, (), ())

// Every email type: for the tests that hold templates and structs together, and the API reference.
using All = std::tuple<EmailVerificationRequest, EmailAlreadyRegistered, ResetPasswordRequest, EmailChangeRequest, Onboarding,
                       NewLoginDevice, PasswordChanged, PasswordBreached, PasswordReset, EmailChanged, MfaEnabled, MfaDisabled,
                       RecoveryCodeUsed, PasskeyAdded, ProviderLinked, ProviderUnlinked, AccountDeletionScheduled,
                       AccountDeletionCancelled, AccountDeleted>;

namespace detail {
inline void add_var(boost::json::object& v, const char*, const Origin& origin) {
    for (const auto& [key, value] : origin.vars()) v[key] = value;
}
inline void add_var(boost::json::object& v, const char* name, const std::string& text) { v[name] = text; }
inline void add_var(boost::json::object& v, const char* name, const std::optional<std::string>& text) {
    if (text)
        v[name] = *text;
    else
        v[name] = nullptr;
}
template <std::integral Number>
void add_var(boost::json::object& v, const char* name, Number number) {
    v[name] = number;
}
}  // namespace detail

// An email's template variables: its described members, by name.
template <class Email>
boost::json::object vars(const Email& email) {
    boost::json::object v;
    boost::mp11::mp_for_each<boost::describe::describe_members<Email, boost::describe::mod_public>>(
        [&](auto member) { detail::add_var(v, member.name, email.*member.pointer); });
    return v;
}

}  // namespace emails
}  // namespace notify
