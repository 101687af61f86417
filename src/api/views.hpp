#pragma once
// JSON shapes of the answers (docs/api.md): user, public user, session; RFC 3339 times.
#include "accounts/service.hpp"
#include "accounts/users.hpp"
#include "audit/security_log.hpp"
#include "mfa/service.hpp"
#include "http/message.hpp"
#include "sessions/session_store.hpp"

#include <boost/json/value.hpp>

#include <optional>

namespace api {

std::string rfc3339(std::int64_t epoch_ms);
// A time that may be unset, as JSON: RFC 3339, or null.
boost::json::value rfc3339_or_null(const std::optional<std::int64_t>& epoch_ms);
// A page's next cursor as JSON: the string, or null on the last page.
boost::json::value cursor_json(const std::optional<std::string>& next_cursor);
// ?limit= of a paged list: `fallback` when absent, else a whole number from 1 to 100 (400
// naming `limit` otherwise).
int page_limit(const http::Request& req, int fallback);
boost::json::value user_json(const accounts::User& u);
boost::json::value public_user_json(const accounts::User& u);
// What operators see of a user: user_json and the account's state.
boost::json::value admin_user_json(const accounts::User& u);
// {authentication_token, user}, or {mfa_required: true, mfa_ticket, methods}.
boost::json::value sign_in_json(const accounts::SignInOutcome& outcome);
boost::json::value session_json(const sessions::SessionRecord& s, const std::string& current_session_id);
boost::json::value security_event_json(const audit::Event& e);
boost::json::value passkey_json(const mfa::Passkey& p);
boost::json::value mfa_status_json(const mfa::Status& st);

}  // namespace api
