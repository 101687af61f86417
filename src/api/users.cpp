#include "api/accounts.hpp"
#include "api/authn.hpp"
#include "api/views.hpp"
#include "http/json_body.hpp"

namespace api {

void register_user_routes(http::Router& r, accounts::AccountService& accounts, sessions::SessionStore& sessions,
                          const RequestInspector& inspector) {
    r.get("/api/users/@me", [&](http::Request& req) {
         return http::json(200, user_json(require_viewer_user(req, accounts).second));
     }).limit("1000/hour").describe("The current user").tag("users").authenticated().returns(200, "User");

    r.patch("/api/users/@me", [&](http::Request& req) {
         auto viewer = require_viewer(req, sessions);
         http::FieldReader in(http::parse_json_object(req.body()));
         auto username = in.optional_string("username", 1024);
         in.finish();
         auto user = username ? accounts.change_username(viewer.user_id, *username) : accounts.get(viewer.user_id);
         return http::json(200, user_json(user));
     }).limit("100/hour").describe("Update the current user's username").tag("users").authenticated().accepts("UpdateUserRequest").returns(200, "User").returns(400, "Error");

    r.patch("/api/users/@me/password", [&](http::Request& req) {
         auto viewer = require_viewer(req, sessions);
         http::FieldReader in(http::parse_json_object(req.body()));
         auto current = in.optional_string("current_password", 1024, http::Chars::secret);
         auto next = in.required_string("new_password", 1024, http::Chars::secret);
         in.finish();
         return http::json(200, user_json(accounts.change_password(viewer, current, next, inspector.describe(req))));
     }).limit("15/hour").describe("Set or change the password; other sessions end").tag("users").authenticated().accepts("ChangePasswordRequest").returns(200, "User").returns(400, "Error").returns(403, "Error");

    r.post("/api/users/@me/email-change-request", [&](http::Request& req) {
         auto viewer = require_viewer(req, sessions);
         http::FieldReader in(http::parse_json_object(req.body()));
         auto email = in.required_string("email", 1024);
         auto current = in.optional_string("current_password", 1024, http::Chars::secret);
         in.finish();
         accounts.request_email_change(viewer, email, current, inspector.describe(req));
         return http::json(202, {{"message", "A code is on its way to the new address"}});
     }).limit("15/hour").describe("Email a code to the new address").tag("users").authenticated().accepts("EmailChangeRequest").returns(202, "Accepted").returns(400, "Error").returns(403, "Error");

    r.patch("/api/users/@me/email", [&](http::Request& req) {
         auto viewer = require_viewer(req, sessions);
         http::FieldReader in(http::parse_json_object(req.body()));
         auto email = in.required_string("email", 1024);
         auto code = read_code(in, {"email_verification_code", "email_verification_token"});
         in.finish();
         return http::json(200, user_json(accounts.change_email(viewer, email, code, inspector.describe(req))));
     }).limit("15/hour").describe("Confirm the new email with its code; the old address is told").tag("users").authenticated().accepts("ChangeEmailRequest").returns(200, "User").returns(400, "Error");

    r.get("/api/users/{user_id}", [&](http::Request& req) {
         auto user = accounts.find(std::string(req.param("user_id")));
         if (!user) throw http::not_found("No such user");
         return http::json(200, public_user_json(*user));
     }).limit("2500/hour").describe("Another user's public profile").tag("users").returns(200, "PublicUser").returns(404, "Error");
}

}  // namespace api
