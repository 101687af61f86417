// Second factors: the authenticator app, recovery codes, the second step of a sign-in and
// reauthentication.
#include "api/accounts.hpp"
#include "api/views.hpp"

#include <boost/json/array.hpp>

namespace api {
namespace {

std::optional<http::Problem> check_totp_code(std::string& code) {
    if (code.size() != 6 || code.find_first_not_of("0123456789") != std::string::npos)
        return http::Problem{"The code is the 6 digits the authenticator app shows", "string_pattern_mismatch"};
    return std::nullopt;
}

template <class T, class M>
http::Field<T> totp_code_field(std::string name, M T::*member) {
    return http::text(std::move(name), member)
        .secret()
        .schema(R"("pattern": "^[0-9]{6}$")")
        .checked(check_totp_code)
        .describe("The 6-digit code the authenticator app shows now");
}

struct ConfirmTotpRequest {
    std::string code;
    static constexpr const char* schema_name = "ConfirmTotpRequest";
    static http::FieldTable<ConfirmTotpRequest> fields() { return {totp_code_field("code", &ConfirmTotpRequest::code)}; }
};

// A WebAuthn response as PublicKeyCredential.toJSON() gives it (base64url members).
template <class T, class M>
http::Field<T> credential_field(std::string name, M T::*member, const char* what) {
    return http::object(std::move(name), member).describe(what);
}

struct MfaLoginRequest {
    std::string mfa_ticket;
    std::optional<std::string> totp_code, recovery_code;
    std::optional<boost::json::object> passkey;
    static constexpr const char* schema_name = "MfaLoginRequest";
    static http::FieldTable<MfaLoginRequest> fields() {
        return {http::text("mfa_ticket", &MfaLoginRequest::mfa_ticket).max(128).describe("From the login's answer"),
                totp_code_field("totp_code", &MfaLoginRequest::totp_code),
                http::text("recovery_code", &MfaLoginRequest::recovery_code)
                    .max(64)
                    .secret()
                    .describe("One of the recovery codes (each works once)"),
                credential_field("passkey", &MfaLoginRequest::passkey,
                                 "An assertion (navigator.credentials.get) for options from POST /api/auth/passkey/options "
                                 "with this ticket")};
    }
};

struct ReauthenticateRequest {
    std::optional<std::string> password, totp_code;
    std::optional<boost::json::object> passkey;
    static constexpr const char* schema_name = "ReauthenticateRequest";
    static http::FieldTable<ReauthenticateRequest> fields() {
        return {http::text("password", &ReauthenticateRequest::password).secret().max(1024).describe("The account's password"),
                totp_code_field("totp_code", &ReauthenticateRequest::totp_code),
                credential_field("passkey", &ReauthenticateRequest::passkey,
                                 "An assertion for options from POST /api/auth/passkey/options")};
    }
};

boost::json::value recovery_codes_json(const std::vector<std::string>& codes) {
    boost::json::array list;
    for (const auto& c : codes) list.emplace_back(c);
    return {{"recovery_codes", std::move(list)}};
}

http::Response start_totp(const Services& s, http::Request&, const Viewer& viewer) {
    auto e = s.mfa.start_totp(viewer);
    return http::json(201, {{"secret", e.secret}, {"otpauth_uri", e.otpauth_uri}, {"qr_svg", e.qr_svg}});
}

http::Response confirm_totp(const Services& s, http::Request& req, const Viewer& viewer, ConfirmTotpRequest& body) {
    return http::json(200, recovery_codes_json(s.mfa.confirm_totp(viewer, body.code, s.inspector.describe(req))));
}

http::Response remove_totp(const Services& s, http::Request& req, const Viewer& viewer) {
    s.mfa.remove_totp(viewer, s.inspector.describe(req));
    return http::no_content();
}

http::Response new_recovery_codes(const Services& s, http::Request& req, const Viewer& viewer) {
    return http::json(200, recovery_codes_json(s.mfa.new_recovery_codes(viewer, s.inspector.describe(req))));
}

http::Response mfa_status(const Services& s, http::Request&, const Viewer& viewer) {
    return http::json(200, mfa_status_json(s.mfa.status(viewer.user_id)));
}

http::Response login_second_step(const Services& s, http::Request& req, MfaLoginRequest& body) {
    return http::json(
        200, sign_in_json(s.mfa.complete_sign_in(
                 body.mfa_ticket, {std::nullopt, body.totp_code, body.recovery_code, body.passkey}, s.inspector.describe(req))));
}

http::Response reauthenticate(const Services& s, http::Request& req, const Viewer& viewer, ReauthenticateRequest& body) {
    s.mfa.reauthenticate(viewer, {body.password, body.totp_code, std::nullopt, body.passkey}, s.inspector.describe(req));
    return http::no_content();
}

struct AddPasskeyRequest {
    std::optional<std::string> name;
    boost::json::object credential;
    static constexpr const char* schema_name = "AddPasskeyRequest";
    static http::FieldTable<AddPasskeyRequest> fields() {
        return {
            http::text("name", &AddPasskeyRequest::name).max(64).describe("How the user will recognise it (default: Passkey)"),
            credential_field("credential", &AddPasskeyRequest::credential,
                             "What navigator.credentials.create returned for the options, as PublicKeyCredential.toJSON()")};
    }
};

struct RenamePasskeyRequest {
    std::string name;
    static constexpr const char* schema_name = "RenamePasskeyRequest";
    static http::FieldTable<RenamePasskeyRequest> fields() { return {http::text("name", &RenamePasskeyRequest::name).max(64)}; }
};

struct PasskeyOptionsRequest {
    std::optional<std::string> mfa_ticket;
    static constexpr const char* schema_name = "PasskeyOptionsRequest";
    static constexpr bool body_optional = true;
    static http::FieldTable<PasskeyOptionsRequest> fields() {
        return {http::text("mfa_ticket", &PasskeyOptionsRequest::mfa_ticket)
                    .max(128)
                    .describe("For a passkey as the second factor of this sign-in; without it, a passwordless sign-in")};
    }
};

struct PasskeyLoginRequest {
    boost::json::object credential;
    static constexpr const char* schema_name = "PasskeyLoginRequest";
    static http::FieldTable<PasskeyLoginRequest> fields() {
        return {credential_field("credential", &PasskeyLoginRequest::credential,
                                 "What navigator.credentials.get returned, as PublicKeyCredential.toJSON()")};
    }
};

http::Response passkey_creation_options(const Services& s, http::Request&, const Viewer& viewer) {
    return http::json(200, s.passkeys.creation_options(viewer));
}

http::Response add_passkey(const Services& s, http::Request& req, const Viewer& viewer, AddPasskeyRequest& body) {
    return http::json(201, passkey_json(s.passkeys.add(viewer, body.name, body.credential, s.inspector.describe(req))));
}

http::Response list_passkeys(const Services& s, http::Request&, const Viewer& viewer) {
    boost::json::array list;
    for (const auto& p : s.passkeys.list(viewer.user_id)) list.push_back(passkey_json(p));
    return http::json(200, std::move(list));
}

http::Response rename_passkey(const Services& s, http::Request& req, const Viewer& viewer, RenamePasskeyRequest& body) {
    return http::json(200, passkey_json(s.passkeys.rename(viewer, std::string(req.param("passkey_id")), body.name)));
}

http::Response remove_passkey(const Services& s, http::Request& req, const Viewer& viewer) {
    s.passkeys.remove(viewer, std::string(req.param("passkey_id")), s.inspector.describe(req));
    return http::no_content();
}

http::Response passkey_request_options(const Services& s, http::Request&, PasskeyOptionsRequest& body) {
    return http::json(200, s.passkeys.request_options(body.mfa_ticket));
}

http::Response passkey_login(const Services& s, http::Request& req, PasskeyLoginRequest& body) {
    return http::json(200, sign_in_json(s.passkeys.sign_in(body.credential, s.inspector.describe(req))));
}

}  // namespace

void register_mfa_routes(Routes& r) {
    r.post("/api/users/@me/passkeys/options", passkey_creation_options)
        .limit("30/hour")
        .describe("passkeys", "WebAuthn creation options for a new passkey (needs a recent sign-in)")
        .returns(200, "PasskeyCreationOptions")
        .refuses(403);
    r.post<AddPasskeyRequest>("/api/users/@me/passkeys", add_passkey)
        .limit("30/hour")
        .describe("passkeys", "Register the passkey the browser made for those options")
        .returns(201, "Passkey");
    r.get("/api/users/@me/passkeys", list_passkeys)
        .limit("100/hour")
        .describe("passkeys", "The caller's passkeys")
        .returns(200, "PasskeyList");
    r.patch<RenamePasskeyRequest>("/api/users/@me/passkeys/{passkey_id}", rename_passkey)
        .limit("100/hour")
        .describe("passkeys", "Rename a passkey")
        .returns(200, "Passkey")
        .refuses(404);
    r.del("/api/users/@me/passkeys/{passkey_id}", remove_passkey)
        .limit("30/hour")
        .describe("passkeys", "Remove a passkey (needs a recent sign-in)")
        .returns(204)
        .refuses(403, 404);
    r.post<PasskeyOptionsRequest>("/api/auth/passkey/options", passkey_request_options)
        .limit("60/hour")
        .describe("passkeys", "WebAuthn request options: a passwordless sign-in, or with mfa_ticket the second factor of one")
        .returns(200, "PasskeyRequestOptions");
    r.post<PasskeyLoginRequest>("/api/auth/passkey/login", passkey_login)
        .limit("60/hour")
        .describe("passkeys", "Sign in with a passkey, without a username or password")
        .returns(200, "SignedIn");
    r.post<MfaLoginRequest>("/api/auth/login/mfa", login_second_step)
        .limit("30/hour")
        .describe("second factor", "Finish a sign-in with its ticket and a second factor")
        .returns(200, "SignedIn");
    r.post<ReauthenticateRequest>("/api/auth/reauthenticate", reauthenticate)
        .limit("30/hour")
        .describe("second factor",
                  "Prove who you are again (password or authenticator code) for the calls that need a recent sign-in")
        .returns(204);
    r.get("/api/users/@me/mfa", mfa_status)
        .limit("100/hour")
        .describe("second factor", "The caller's second factors")
        .returns(200, "MfaStatus");
    r.post("/api/users/@me/mfa/totp", start_totp)
        .limit("20/hour")
        .describe("second factor",
                  "Start setting up an authenticator app (needs a recent sign-in); nothing counts until confirmed")
        .returns(201, "TotpEnrolment")
        .refuses(400, 403);
    r.post<ConfirmTotpRequest>("/api/users/@me/mfa/totp/confirm", confirm_totp)
        .limit("30/hour")
        .describe("second factor",
                  "Confirm the authenticator app with its current code; the first factor also brings recovery codes")
        .returns(200, "RecoveryCodes")
        .refuses(400);
    r.del("/api/users/@me/mfa/totp", remove_totp)
        .limit("20/hour")
        .describe("second factor", "Remove the authenticator app (needs a recent sign-in)")
        .returns(204)
        .refuses(403, 404);
    r.post("/api/users/@me/mfa/recovery-codes", new_recovery_codes)
        .limit("10/hour")
        .describe("second factor", "A new set of recovery codes (needs a recent sign-in); the old set stops working")
        .returns(200, "RecoveryCodes")
        .refuses(400, 403);
}

}  // namespace api
