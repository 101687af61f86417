#pragma once
// Every email the product sends: one struct each, named after its template file
// (templates/emails/<name>.mustache: subject, text and HTML sections), saying when it is sent
// and carrying exactly the variables it uses. Adding an email is its template file plus its
// struct here (and in All); a test checks that every template has a struct and every
// variable a template uses is one its struct gives; docs/api.md lists them from here.
#include <boost/json/object.hpp>

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
    boost::json::object vars() const;
};
struct EmailAlreadyRegistered {
    static constexpr const char* name = "email-already-registered";
    static constexpr const char* when =
        "Registration asked for a code for an address that already has an account: no code, a hint to sign in or reset the "
        "password instead";
    Origin origin;
    boost::json::object vars() const { return origin.vars(); }
};
struct ResetPasswordRequest {
    static constexpr const char* name = "reset-password-request";
    static constexpr const char* when = "A forgotten password: the code that sets a new one";
    Origin origin;
    std::string code;
    int expires_minutes = 0;
    boost::json::object vars() const;
};
struct EmailChangeRequest {
    static constexpr const char* name = "email-change-request";
    static constexpr const char* when = "An email change: the code, sent to the new address";
    Origin origin;
    std::string code;
    int expires_minutes = 0;
    boost::json::object vars() const;
};
struct Onboarding {
    static constexpr const char* name = "onboarding";
    static constexpr const char* when = "A new account (registration or a first social sign-in)";
    std::string username;
    boost::json::object vars() const { return {{"username", username}}; }
};
struct NewLoginDevice {
    static constexpr const char* name = "new-login-device";
    static constexpr const char* when = "A sign-in from a device or country this account never used";
    Origin origin;
    std::string time;  // "2026-11-24 10:00:00 UTC"
    boost::json::object vars() const;
};
struct PasswordChanged {
    static constexpr const char* name = "password-changed";
    static constexpr const char* when = "The password was set or changed (other sessions ended)";
    Origin origin;
    boost::json::object vars() const { return origin.vars(); }
};
struct PasswordBreached {
    static constexpr const char* name = "password-breached";
    static constexpr const char* when =
        "A sign-in used a password found in data breaches: asks to change it (once a week at most)";
    Origin origin;
    std::uint64_t breach_count = 0;
    boost::json::object vars() const;
};
struct PasswordReset {
    static constexpr const char* name = "password-reset";
    static constexpr const char* when = "The password was reset with an emailed code";
    Origin origin;
    boost::json::object vars() const { return origin.vars(); }
};
struct EmailChanged {
    static constexpr const char* name = "email-changed";
    static constexpr const char* when = "The account's email changed: told at the old address, the new one masked";
    Origin origin;
    std::string new_email_masked;
    boost::json::object vars() const;
};

struct MfaEnabled {
    static constexpr const char* name = "mfa-enabled";
    static constexpr const char* when = "An authenticator app was confirmed as a second factor";
    Origin origin;
    boost::json::object vars() const { return origin.vars(); }
};
struct MfaDisabled {
    static constexpr const char* name = "mfa-disabled";
    static constexpr const char* when = "A second factor was removed (the authenticator app, or a passkey by its name)";
    Origin origin;
    std::optional<std::string> passkey_name;  // none: the authenticator app
    boost::json::object vars() const;
};
struct RecoveryCodeUsed {
    static constexpr const char* name = "recovery-code-used";
    static constexpr const char* when = "A sign-in used a recovery code; says how many are left";
    Origin origin;
    int codes_left = 0;
    boost::json::object vars() const;
};

struct PasskeyAdded {
    static constexpr const char* name = "passkey-added";
    static constexpr const char* when = "A passkey was added to the account";
    Origin origin;
    std::string passkey_name;
    boost::json::object vars() const;
};

struct ProviderLinked {
    static constexpr const char* name = "provider-linked";
    static constexpr const char* when =
        "A sign-in provider (Google, GitHub...) was linked to the account: it can sign in with it";
    Origin origin;
    std::string provider;
    std::string provider_email;  // "" when the provider gave none
    boost::json::object vars() const;
};
struct ProviderUnlinked {
    static constexpr const char* name = "provider-unlinked";
    static constexpr const char* when = "A sign-in provider was unlinked from the account";
    Origin origin;
    std::string provider;
    boost::json::object vars() const;
};

struct AccountDeletionScheduled {
    static constexpr const char* name = "account-deletion-scheduled";
    static constexpr const char* when =
        "Its owner asked for the account's deletion (DELETE /api/users/@me): when it will be erased, and that signing in "
        "before then keeps it";
    Origin origin;
    std::string erase_at;  // "2026-12-08 10:00 UTC"
    boost::json::object vars() const;
};
struct AccountDeletionCancelled {
    static constexpr const char* name = "account-deletion-cancelled";
    static constexpr const char* when = "A sign-in during the grace period kept an account whose deletion was asked for";
    Origin origin;
    boost::json::object vars() const { return origin.vars(); }
};
struct AccountDeleted {
    static constexpr const char* name = "account-deleted";
    static constexpr const char* when = "The account's data was erased (the last email to the address)";
    static constexpr bool forget_recipient = true;  // once sent, nothing in the jobs names them
    boost::json::object vars() const { return {}; }
};

// Every email type: for the tests that hold templates and structs together, and the API reference.
using All = std::tuple<EmailVerificationRequest, EmailAlreadyRegistered, ResetPasswordRequest, EmailChangeRequest, Onboarding,
                       NewLoginDevice, PasswordChanged, PasswordBreached, PasswordReset, EmailChanged, MfaEnabled, MfaDisabled,
                       RecoveryCodeUsed, PasskeyAdded, ProviderLinked, ProviderUnlinked, AccountDeletionScheduled,
                       AccountDeletionCancelled, AccountDeleted>;

}  // namespace emails
}  // namespace notify
