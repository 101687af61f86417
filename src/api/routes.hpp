#pragma once
// How the API's routes are declared. A handler is a named function that receives what it
// needs: the services, the request, the caller when the route is authenticated, and its
// typed body. What it asks for is what the route enforces and what OpenAPI documents:
//
//   http::Response change_username(const Services& s, http::Request&, const Viewer& viewer, UpdateUserRequest& body);
//   routes.patch<UpdateUserRequest>("/api/users/@me", change_username).limit("100/hour")...;
//
// declares a route that answers 401 without a live session, 400/422 for a bad body, and is
// documented with the bearer security scheme and UpdateUserRequest's schema.
#include "accounts/service.hpp"
#include "api/authn.hpp"
#include "http/body.hpp"
#include "http/errors.hpp"
#include "http/router.hpp"
#include "mfa/service.hpp"
#include "sessions/session_store.hpp"

#include <any>
#include <functional>
#include <type_traits>

namespace api {

// What handlers use; owned by the app, alive as long as the routes.
struct Services {
    accounts::AccountService& accounts;
    sessions::SessionStore& sessions;
    mfa::SecondFactor& mfa;
    mfa::Passkeys& passkeys;
    const RequestInspector& inspector;
};

// The caller of an authenticated route: their live session.
using Viewer = sessions::Authenticated;
// The caller and their user, read in one statement (GET /api/users/@me, from the
// session cache where there is one).
struct ViewerUser {
    sessions::Authenticated session;
    accounts::User user;
};

// The caller of an /api/admin route: a live session of a user with the admin role. Anyone
// else, signed in or not, is answered 404, as if the route did not exist.
struct AdminViewer {
    sessions::Authenticated session;
    accounts::User user;
};

// The Body of a route without one.
struct NoBody {};

class Routes {
public:
    Routes(http::Router& router, const Services& services) : router_(router), services_(services) {}

    template <class Body = NoBody, class F>
    http::Route& get(std::string path, F handler) {
        return add<Body>("GET", std::move(path), handler);
    }
    template <class Body = NoBody, class F>
    http::Route& post(std::string path, F handler) {
        return add<Body>("POST", std::move(path), handler);
    }
    template <class Body = NoBody, class F>
    http::Route& patch(std::string path, F handler) {
        return add<Body>("PATCH", std::move(path), handler);
    }
    template <class Body = NoBody, class F>
    http::Route& del(std::string path, F handler) {
        return add<Body>("DELETE", std::move(path), handler);
    }

    http::Router& router() { return router_; }
    const Services& services() const { return services_; }

private:
    template <class Body, class F>
    http::Route& add(std::string method, std::string path, F handler) {
        const Services& s = services_;
        using Req = http::Request&;
        http::Handler h;
        std::function<bool(http::Request&)> ready_on_io_thread;
        bool authenticated = true;
        if constexpr (std::is_same_v<Body, NoBody>) {
            if constexpr (std::is_invocable_v<F, const Services&, Req, const AdminViewer&>) {
                h = [&s, handler](http::Request& req) { return handler(s, req, require_admin(req, s.accounts)); };
            } else if constexpr (std::is_invocable_v<F, const Services&, Req, const ViewerUser&>) {
                h = [&s, handler](http::Request& req) {
                    if (const auto* cached = std::any_cast<ViewerUser>(&req.prepared)) {
                        req.user_id = cached->session.user_id;
                        return handler(s, req, *cached);
                    }
                    auto [session, user] = require_viewer_user(req, s.accounts);
                    return handler(s, req, ViewerUser{std::move(session), std::move(user)});
                };
                // A caller the session cache knows is answered on the io thread, without the
                // wake-up of a worker; the others wait for a worker and the database.
                ready_on_io_thread = [&s](http::Request& req) {
                    auto cached = cached_viewer_user(req, s.accounts);
                    if (!cached) return false;
                    req.prepared = ViewerUser{std::move(cached->first), std::move(cached->second)};
                    return true;
                };
            } else if constexpr (std::is_invocable_v<F, const Services&, Req, const Viewer&>) {
                h = [&s, handler](http::Request& req) { return handler(s, req, require_viewer(req, s.sessions)); };
            } else {
                static_assert(std::is_invocable_v<F, const Services&, Req>, "a handler takes (services, request[, viewer])");
                h = [&s, handler](http::Request& req) { return handler(s, req); };
                authenticated = false;
            }
        } else {
            if constexpr (std::is_invocable_v<F, const Services&, Req, const Viewer&, Body&>) {
                h = [&s, handler](http::Request& req) {
                    auto viewer = require_viewer(req, s.sessions);  // 401 before any body error
                    auto body = http::parse_body<Body>(req.body());
                    return handler(s, req, viewer, body);
                };
            } else {
                static_assert(std::is_invocable_v<F, const Services&, Req, Body&>,
                              "a handler takes (services, request[, viewer], body)");
                h = [&s, handler](http::Request& req) {
                    auto body = http::parse_body<Body>(req.body());
                    return handler(s, req, body);
                };
                authenticated = false;
            }
        }
        auto& route = router_.add(std::move(method), std::move(path), std::move(h));
        if (authenticated) route.authenticated();
        route.ready_on_io_thread = std::move(ready_on_io_thread);
        if constexpr (std::is_invocable_v<F, const Services&, http::Request&, const AdminViewer&>) route.conceal();
        if constexpr (!std::is_same_v<Body, NoBody>) http::accepts<Body>(route);
        return route;
    }

    static AdminViewer require_admin(http::Request& req, accounts::AccountService& accounts) {
        try {
            auto [session, user] = require_viewer_user(req, accounts);
            if (user.is_admin()) return {std::move(session), std::move(user)};
        } catch (const http::Error&) {  // no live session: the same 404
        }
        throw http::not_found();
    }

    http::Router& router_;
    const Services& services_;
};

}  // namespace api
