#include "api/accounts.hpp"
#include "api/authn.hpp"
#include "api/views.hpp"
#include "codes/email_codes.hpp"
#include "http/json_body.hpp"

namespace api {
std::string read_code(http::FieldReader& in, std::initializer_list<std::string_view> names) {
    auto code = in.required_string_alias(names, 64);
    if (!code.empty() && !codes::well_formed_code(code))
        in.add_error(*names.begin(), "The code is exactly 8 digits", "string_pattern_mismatch");
    return code;
}

namespace {

constexpr std::size_t kLong = 1024;  // generous reader caps; the service applies API.md's limits

http::Response signed_in(int status, const accounts::SignedIn& s) {
    return http::json(status, {{"authentication_token", s.token}, {"user", user_json(s.user)}});
}

}  // namespace

void register_auth_routes(http::Router& r, accounts::AccountService& accounts, sessions::SessionStore& sessions,
                          const RequestInspector& inspector) {
    r.post("/api/auth/email-verification-request", [&](http::Request& req) {
         http::FieldReader in(http::parse_json_object(req.body()));
         auto email = in.required_string("email", kLong);
         in.finish();
         accounts.request_email_verification(email, inspector.describe(req));
         return http::json(202, {{"message", "If this address can receive email, a message is on its way"}});
     }).limit("15/hour").describe("Email an 8-digit registration code (always 202)").tag("auth").accepts("EmailRequest").returns(202, "Accepted");

    r.post("/api/auth/register", [&](http::Request& req) {
         http::FieldReader in(http::parse_json_object(req.body()));
         accounts::Registration reg;
         reg.email = in.required_string("email", kLong);
         reg.code = read_code(in, {"email_verification_code", "email_verification_token"});
         reg.username = in.required_string("username", kLong);
         reg.password = in.required_string("password", kLong, http::Chars::secret);
         in.finish();
         return signed_in(201, accounts.register_user(reg, inspector.describe(req)));
     }).limit("15/hour").describe("Create an account with the emailed code").tag("auth").accepts("RegisterRequest").returns(201, "SignedIn").returns(400, "Error");

    r.post("/api/auth/login", [&](http::Request& req) {
         http::FieldReader in(http::parse_json_object(req.body()));
         auto login = in.required_string("login", kLong);
         auto password = in.required_string("password", kLong, http::Chars::secret);
         in.finish();
         return signed_in(200, accounts.login(login, password, inspector.describe(req)));
     }).limit("100/hour").describe("Log in by email or username").tag("auth").accepts("LoginRequest").returns(200, "SignedIn").returns(400, "Error");

    r.post("/api/auth/logout", [&](http::Request& req) {
         auto viewer = require_viewer(req, sessions);
         bool remember = true;
         if (!req.body().empty()) {
             http::FieldReader in(http::parse_json_object(req.body()));
             remember = in.optional_bool("remember_session").value_or(true);
             in.finish();
         }
         sessions.logout(viewer, remember);
         return http::no_content();
     }).limit("50/hour").describe("End the current session").tag("sessions").authenticated().accepts("LogoutRequest").returns(204);

    r.get("/api/auth/sessions", [&](http::Request& req) {
         auto viewer = require_viewer(req, sessions);
         boost::json::array out;
         for (const auto& s : sessions.list(viewer.user_id)) out.push_back(session_json(s, viewer.session_id));
         return http::json(200, out);
     }).describe("The caller's sessions, newest first").tag("sessions").authenticated().returns(200, "SessionList");

    r.del("/api/auth/sessions/{session_id}", [&](http::Request& req) {
         auto viewer = require_viewer(req, sessions);
         if (!sessions.revoke(viewer.user_id, std::string(req.param("session_id")))) throw http::not_found("No such session");
         return http::no_content();
     }).describe("Revoke one of the caller's sessions").tag("sessions").authenticated().returns(204).returns(404, "Error");

    r.post("/api/auth/reset-password-request", [&](http::Request& req) {
         http::FieldReader in(http::parse_json_object(req.body()));
         auto email = in.required_string("email", kLong);
         in.finish();
         accounts.request_password_reset(email, inspector.describe(req));
         return http::json(202, {{"message", "If an account uses this address, a reset code is on its way"}});
     }).limit("20/hour").describe("Email a password reset code (always 202)").tag("auth").accepts("EmailRequest").returns(202, "Accepted");

    r.post("/api/auth/reset-password", [&](http::Request& req) {
         http::FieldReader in(http::parse_json_object(req.body()));
         auto email = in.required_string("email", kLong);
         auto code = read_code(in, {"reset_code", "reset_token"});
         auto password = in.required_string("new_password", kLong, http::Chars::secret);
         in.finish();
         accounts.reset_password(email, code, password, inspector.describe(req));
         return http::no_content();
     }).limit("20/hour").describe("Set a new password with the emailed code; every session ends").tag("auth").accepts("ResetPasswordRequest").returns(204).returns(400, "Error");
}

}  // namespace api
