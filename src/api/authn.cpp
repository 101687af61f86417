#include "api/authn.hpp"

#include "notify/locale.hpp"

#include "http/errors.hpp"

#include <boost/beast/core/string.hpp>

namespace api {

namespace {

// The token as sent, or "" when there is none.
std::string_view sent_token(const http::Request& req) {
    std::string_view token;
    auto authorization = req.header("Authorization");
    if (authorization.size() > 7 && boost::beast::iequals(authorization.substr(0, 7), "Bearer "))
        token = authorization.substr(7);
    else
        token = req.header("X-Authentication-Token");
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    return token;
}

std::string_view bearer_token(const http::Request& req) {
    auto token = sent_token(req);
    if (token.empty()) throw http::unauthenticated("Authentication required: send Authorization: Bearer <token>");
    return token;
}

const char* const kInvalidToken = "The token is invalid or has expired";

}  // namespace

sessions::Authenticated require_viewer(const http::Request& req, sessions::SessionStore& store) {
    auto viewer = store.authenticate(bearer_token(req));
    if (!viewer) throw http::unauthenticated(kInvalidToken);
    req.user_id = viewer->user_id;
    return *viewer;
}

std::pair<sessions::Authenticated, accounts::User> require_viewer_user(const http::Request& req,
                                                                       accounts::AccountService& accounts) {
    auto viewer = accounts.viewer(bearer_token(req));
    if (!viewer) throw http::unauthenticated(kInvalidToken);
    req.user_id = viewer->first.user_id;
    return std::move(*viewer);
}

std::optional<std::pair<sessions::Authenticated, accounts::User>> cached_viewer_user(const http::Request& req,
                                                                                     accounts::AccountService& accounts) {
    return accounts.cached_viewer(sent_token(req));  // "" is no live token: nullopt
}

sessions::RequestMeta RequestInspector::describe(const http::Request& req) const {
    sessions::RequestMeta m;
    m.ip = req.client.to_string();
    m.user_agent = std::string(req.header("User-Agent").substr(0, 512));
    m.locale = notify::best_locale(req.header("Accept-Language"));
    geo::ParsedUserAgent parsed;  // "Other" everywhere when there is no parser
    if (ua_) parsed = ua_->parse(m.user_agent);
    m.device = parsed.readable();
    m.device_key = parsed.device_key();
    if (geoip_) {
        if (auto loc = geoip_->lookup(req.client)) {
            m.location_json = loc->to_json();
            m.location_text = loc->readable();
            m.country_code = loc->country_code;
        }
    }
    return m;
}

}  // namespace api
