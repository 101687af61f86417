#pragma once
// JSON shapes of the answers (docs/api.md): user, public user, session; RFC 3339 times.
#include "accounts/service.hpp"
#include "accounts/users.hpp"
#include "audit/security_log.hpp"
#include "mfa/service.hpp"
#include "sessions/session_store.hpp"

#include <boost/json/value.hpp>

namespace api {

std::string rfc3339(std::int64_t epoch_ms);
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
