#pragma once
// Routes of API.md's registration, login, sessions, password reset and current-user
// sections. Each handler parses, calls one service method and shapes the answer.
#include "accounts/service.hpp"
#include "http/json_body.hpp"
#include "http/router.hpp"
#include "sessions/session_store.hpp"

namespace api {

class RequestInspector;

void register_auth_routes(http::Router& router, accounts::AccountService& accounts, sessions::SessionStore& sessions,
                          const RequestInspector& inspector);
// An 8-digit code field (first name, then its aliases); a malformed one is a 422.
std::string read_code(http::FieldReader& in, std::initializer_list<std::string_view> names);

void register_user_routes(http::Router& router, accounts::AccountService& accounts, sessions::SessionStore& sessions,
                          const RequestInspector& inspector);

}  // namespace api
