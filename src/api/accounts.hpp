#pragma once
// Routes of the registration, login, sessions, password reset and current-user
// sections, and the account fields their request bodies share. Each handler takes its
// typed body, calls one service method and shapes the answer.
#include "api/routes.hpp"
#include "http/body.hpp"

namespace api {

void register_auth_routes(Routes& routes);
void register_user_routes(Routes& routes);
void register_mfa_routes(Routes& routes);
void register_admin_routes(Routes& routes);

// A malformed 8-digit code is a 422 (an empty one goes on to the service).
std::optional<http::Problem> check_code(std::string& code);

// The fields every request spells the same way (docs/api.md lists their rules); the service
// applies the rules themselves.
template <class T, class M>
http::Field<T> email_field(M T::*member) {
    return http::text("email", member).schema(R"("format": "email", "maxLength": 250)");
}
template <class T>
http::Field<T> code_field(std::string name, std::string T::*member) {
    return http::text(std::move(name), member).schema(R"("pattern": "^[0-9]{8}$")").checked(check_code);
}
template <class T, class M>
http::Field<T> username_field(M T::*member) {
    return http::text("username", member).schema(R"("minLength": 2, "maxLength": 32, "pattern": "^[A-Za-z0-9_.-]+$")");
}
template <class T, class M>
http::Field<T> password_field(std::string name, M T::*member) {
    return http::text(std::move(name), member).secret().schema(R"("minLength": 8, "maxLength": 128)");
}

}  // namespace api
