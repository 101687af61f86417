#pragma once
// Who is calling: the bearer token (Authorization: Bearer, or the reference's
// X-Authentication-Token) and where the request came from.
#include "http/message.hpp"
#include "sessions/session_store.hpp"

namespace api {

// The caller's live session, or 401 unauthenticated.
sessions::Authenticated require_viewer(const http::Request& req, sessions::SessionStore& store);
// IP, user agent, device and location of a request, for sessions and security emails.
sessions::RequestMeta request_meta(const http::Request& req);

}  // namespace api
