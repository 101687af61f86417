#pragma once
// Who is calling: the bearer token (Authorization: Bearer, or the reference's
// X-Authentication-Token) and where the request came from.
#include "accounts/service.hpp"
#include "geo/geoip.hpp"
#include "geo/user_agent.hpp"
#include "http/message.hpp"
#include "sessions/session_store.hpp"

namespace api {

// The caller's live session, or 401 unauthenticated.
sessions::Authenticated require_viewer(const http::Request& req, sessions::SessionStore& store);
// The same with the caller's user, read in the same statement.
std::pair<sessions::Authenticated, accounts::User> require_viewer_user(const http::Request& req,
                                                                       accounts::AccountService& accounts);
// require_viewer_user from the session cache alone (never blocking, never throwing), or
// nullopt: the caller is then asked the usual way.
std::optional<std::pair<sessions::Authenticated, accounts::User>> cached_viewer_user(const http::Request& req,
                                                                                     accounts::AccountService& accounts);
// IP, user agent, device and location of a request, for sessions and security emails.
class RequestInspector {
public:
    // Either may be null/closed: the device is then "Unknown device", the location null.
    RequestInspector(const geo::UserAgentParser* user_agents, const geo::GeoIp* geoip) : ua_(user_agents), geoip_(geoip) {}
    sessions::RequestMeta describe(const http::Request& req) const;

private:
    const geo::UserAgentParser* ua_;
    const geo::GeoIp* geoip_;
};

}  // namespace api
