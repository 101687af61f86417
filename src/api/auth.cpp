// Registration, login, sessions and password reset (docs/api.md, auth and sessions).
#include "api/accounts.hpp"
#include "api/views.hpp"
#include "codes/email_codes.hpp"

namespace api {

std::optional<http::Problem> check_code(std::string& code) {
    // An empty code goes on to the service, which answers it like a wrong one.
    if (!code.empty() && !codes::well_formed_code(code))
        return http::Problem{"The code is exactly 8 digits", "string_pattern_mismatch"};
    return std::nullopt;
}

namespace {

constexpr std::size_t kLong = 1024;  // generous reader caps; the service applies the documented limits

struct EmailRequest {
    std::string email;
    static constexpr const char* schema_name = "EmailRequest";
    static http::FieldTable<EmailRequest> fields() { return {email_field(&EmailRequest::email).max(kLong)}; }
    static boost::json::object example() { return {{"email", "jane@example.com"}}; }
};

struct RegisterRequest {
    std::string email, email_verification_code, username, password;
    static constexpr const char* schema_name = "RegisterRequest";
    static http::FieldTable<RegisterRequest> fields() {
        return {
            email_field(&RegisterRequest::email).max(kLong),
            code_field("email_verification_code", &RegisterRequest::email_verification_code).alias("email_verification_token"),
            username_field(&RegisterRequest::username).max(kLong),
            password_field("password", &RegisterRequest::password).max(kLong).describe("zxcvbn score 3 or more")};
    }
    static boost::json::object example() {
        return {{"email", "jane@example.com"},
                {"email_verification_code", "12345678"},
                {"username", "jane"},
                {"password", "correct horse battery staple"}};
    }
};

struct LoginRequest {
    std::string login, password;
    static constexpr const char* schema_name = "LoginRequest";
    static http::FieldTable<LoginRequest> fields() {
        return {http::text("login", &LoginRequest::login).max(kLong).describe("An email (contains @) or a username"),
                http::text("password", &LoginRequest::password).max(kLong).secret()};
    }
    static boost::json::object example() { return {{"login", "jane@example.com"}, {"password", "correct horse battery staple"}}; }
};

struct LogoutRequest {
    bool remember_session = true;
    static constexpr const char* schema_name = "LogoutRequest";
    static constexpr bool body_optional = true;
    static http::FieldTable<LogoutRequest> fields() {
        return {http::flag("remember_session", &LogoutRequest::remember_session, true)
                    .describe("Keep the session record (the device stays known)")};
    }
};

struct ResetPasswordRequest {
    std::string email, reset_code, new_password;
    static constexpr const char* schema_name = "ResetPasswordRequest";
    static http::FieldTable<ResetPasswordRequest> fields() {
        return {email_field(&ResetPasswordRequest::email).max(kLong),
                code_field("reset_code", &ResetPasswordRequest::reset_code).alias("reset_token"),
                password_field("new_password", &ResetPasswordRequest::new_password).max(kLong)};
    }
};

http::Response request_email_verification(const Services& s, http::Request& req, EmailRequest& body) {
    s.accounts.request_email_verification(body.email, s.inspector.describe(req));
    return http::json(202, {{"message", "If this address can receive email, a message is on its way"}});
}

http::Response register_account(const Services& s, http::Request& req, RegisterRequest& body) {
    return http::json(
        201, sign_in_json(s.accounts.register_user({body.email, body.email_verification_code, body.username, body.password},
                                                   s.inspector.describe(req))));
}

http::Response login(const Services& s, http::Request& req, LoginRequest& body) {
    return http::json(200, sign_in_json(s.accounts.login(body.login, body.password, s.inspector.describe(req))));
}

http::Response logout(const Services& s, http::Request& req, const Viewer& viewer, LogoutRequest& body) {
    s.accounts.logout(viewer, body.remember_session, s.inspector.describe(req));
    return http::no_content();
}

http::Response list_sessions(const Services& s, http::Request&, const Viewer& viewer) {
    boost::json::array out;
    for (const auto& session : s.sessions.list(viewer.user_id)) out.push_back(session_json(session, viewer.session_id));
    return http::json(200, out);
}

http::Response revoke_session(const Services& s, http::Request& req, const Viewer& viewer) {
    if (!s.accounts.revoke_session(viewer, std::string(req.param("session_id")), s.inspector.describe(req)))
        throw http::not_found("No such session");
    return http::no_content();
}

http::Response revoke_other_sessions(const Services& s, http::Request& req, const Viewer& viewer) {
    return http::json(200, {{"revoked", s.accounts.revoke_other_sessions(viewer, s.inspector.describe(req))}});
}

http::Response request_password_reset(const Services& s, http::Request& req, EmailRequest& body) {
    s.accounts.request_password_reset(body.email, s.inspector.describe(req));
    return http::json(202, {{"message", "If an account uses this address, a reset code is on its way"}});
}

http::Response reset_password(const Services& s, http::Request& req, ResetPasswordRequest& body) {
    s.accounts.reset_password(body.email, body.reset_code, body.new_password, s.inspector.describe(req));
    return http::no_content();
}

}  // namespace

void register_auth_routes(Routes& r) {
    r.post<EmailRequest>("/api/auth/email-verification-request", request_email_verification)
        .limit("15/hour")
        .describe("auth", "Email an 8-digit registration code (always 202)")
        .returns(202, "Accepted");
    r.post<RegisterRequest>("/api/auth/register", register_account)
        .limit("15/hour")
        .describe("auth", "Create an account with the emailed code")
        .returns(201, "SignedIn");
    r.post<LoginRequest>("/api/auth/login", login)
        .limit("100/hour")
        .describe("auth", "Log in by email or username; an account with a second factor answers with a ticket for it")
        .returns(200, "SignInResult")
        .refuses(400);
    r.post<LogoutRequest>("/api/auth/logout", logout)
        .limit("50/hour")
        .describe("sessions", "End the current session")
        .returns(204);
    r.get("/api/auth/sessions", list_sessions)
        .describe("sessions", "The caller's sessions, newest first")
        .returns(200, "SessionList");
    r.post("/api/auth/sessions/revoke-others", revoke_other_sessions)
        .limit("50/hour")
        .describe("sessions", "End every session but the caller's (needs a recent sign-in)")
        .returns(200, "SessionsRevoked")
        .refuses(403);
    r.del("/api/auth/sessions/{session_id}", revoke_session)
        .describe("sessions", "Revoke one of the caller's sessions")
        .returns(204)
        .refuses(404);
    r.post<EmailRequest>("/api/auth/reset-password-request", request_password_reset)
        .limit("20/hour")
        .describe("auth", "Email a password reset code (always 202)")
        .returns(202, "Accepted");
    r.post<ResetPasswordRequest>("/api/auth/reset-password", reset_password)
        .limit("20/hour")
        .describe("auth", "Set a new password with the emailed code; every session ends")
        .returns(204)
        .refuses(400);
}

}  // namespace api
