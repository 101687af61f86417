#pragma once
// Every email the product sends: one struct each, named after its template file
// (templates/emails/<name>.mustache: subject, text and HTML sections) and carrying exactly
// the variables it uses. Adding an email is its template file plus its struct here; a test
// checks that every template has a struct and every variable a template uses is one its
// struct gives.
#include <boost/json/object.hpp>

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

// A code to confirm a new address before registering.
struct EmailVerificationRequest {
    static constexpr const char* name = "email-verification-request";
    Origin origin;
    std::string code;
    int expires_minutes = 0;
    boost::json::object vars() const;
};
// Someone asked to register an address that already has an account (no code).
struct EmailAlreadyRegistered {
    static constexpr const char* name = "email-already-registered";
    Origin origin;
    boost::json::object vars() const { return origin.vars(); }
};
struct ResetPasswordRequest {
    static constexpr const char* name = "reset-password-request";
    Origin origin;
    std::string code;
    int expires_minutes = 0;
    boost::json::object vars() const;
};
// A code to the new address of an email change.
struct EmailChangeRequest {
    static constexpr const char* name = "email-change-request";
    Origin origin;
    std::string code;
    int expires_minutes = 0;
    boost::json::object vars() const;
};
struct Onboarding {
    static constexpr const char* name = "onboarding";
    std::string username;
    boost::json::object vars() const { return {{"username", username}}; }
};
// A sign-in from a device or country this account never used.
struct NewLoginDevice {
    static constexpr const char* name = "new-login-device";
    Origin origin;
    std::string time;  // "2026-11-24 10:00:00 UTC"
    boost::json::object vars() const;
};
struct PasswordChanged {
    static constexpr const char* name = "password-changed";
    Origin origin;
    boost::json::object vars() const { return origin.vars(); }
};
struct PasswordReset {
    static constexpr const char* name = "password-reset";
    Origin origin;
    boost::json::object vars() const { return origin.vars(); }
};
// Told at the old address; the new one shows masked.
struct EmailChanged {
    static constexpr const char* name = "email-changed";
    Origin origin;
    std::string new_email_masked;
    boost::json::object vars() const;
};

// A second factor was confirmed / removed. `method`: "authenticator app", "passkey".
struct MfaEnabled {
    static constexpr const char* name = "mfa-enabled";
    Origin origin;
    std::string method;
    boost::json::object vars() const;
};
struct MfaDisabled {
    static constexpr const char* name = "mfa-disabled";
    Origin origin;
    std::string method;
    boost::json::object vars() const;
};
// A sign-in used a recovery code.
struct RecoveryCodeUsed {
    static constexpr const char* name = "recovery-code-used";
    Origin origin;
    int codes_left = 0;
    boost::json::object vars() const;
};

struct PasskeyAdded {
    static constexpr const char* name = "passkey-added";
    Origin origin;
    std::string passkey_name;
    boost::json::object vars() const;
};

// Every email type, for the tests that hold templates and structs together.
using All = std::tuple<EmailVerificationRequest, EmailAlreadyRegistered, ResetPasswordRequest, EmailChangeRequest, Onboarding,
                       NewLoginDevice, PasswordChanged, PasswordReset, EmailChanged, MfaEnabled, MfaDisabled, RecoveryCodeUsed,
                       PasskeyAdded>;

}  // namespace emails
}  // namespace notify
