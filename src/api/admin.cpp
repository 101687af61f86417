// /api/admin: what an operator (a user with the admin role) may do for others: find users,
// see one with their sessions and recent activity, disable and enable, sign out
// everywhere, send a reset code, erase. Anyone else is answered 404 (routes.hpp), so the
// surface is not advertised. Every change is a security event naming the operator.
#include "api/accounts.hpp"
#include "api/views.hpp"

namespace api {
namespace {

accounts::Actor actor(const Services& s, http::Request& req, const AdminViewer& admin) {
    return {admin.user.id, s.inspector.describe(req)};
}

std::string user_id(http::Request& req) { return std::string(req.param("user_id")); }

// ?search= (an email or username prefix), ?limit=1..100 (default 50), ?cursor=
http::Response list_users(const Services& s, http::Request& req, const AdminViewer&) {
    auto page = s.accounts.search(req.query_param("search").value_or(""), page_limit(req, 50), req.query_param("cursor"));
    boost::json::array users;
    for (const auto& u : page.users) users.push_back(admin_user_json(u));
    return http::json(200, {{"users", std::move(users)}, {"next_cursor", cursor_json(page.next_cursor)}});
}

http::Response show_user(const Services& s, http::Request& req, const AdminViewer&) {
    auto user = s.accounts.find(user_id(req));
    if (!user) throw http::not_found("No such user");
    boost::json::array sessions, activity;
    for (const auto& session : s.sessions.list(user->id)) sessions.push_back(session_json(session, ""));
    for (const auto& e : s.accounts.activity(user->id, std::nullopt, 20).events) activity.push_back(security_event_json(e));
    return http::json(200,
                      {{"user", admin_user_json(*user)}, {"sessions", std::move(sessions)}, {"activity", std::move(activity)}});
}

http::Response disable_user(const Services& s, http::Request& req, const AdminViewer& admin) {
    return http::json(200, admin_user_json(s.accounts.set_disabled(user_id(req), true, actor(s, req, admin))));
}

http::Response enable_user(const Services& s, http::Request& req, const AdminViewer& admin) {
    return http::json(200, admin_user_json(s.accounts.set_disabled(user_id(req), false, actor(s, req, admin))));
}

http::Response sign_out_user(const Services& s, http::Request& req, const AdminViewer& admin) {
    return http::json(200, {{"revoked", s.accounts.sign_out_everywhere(user_id(req), actor(s, req, admin))}});
}

http::Response reset_user_password(const Services& s, http::Request& req, const AdminViewer& admin) {
    s.accounts.send_password_reset(user_id(req), actor(s, req, admin));
    return http::json(202, {{"message", "A reset code is on its way to the user's address"}});
}

http::Response delete_user(const Services& s, http::Request& req, const AdminViewer& admin) {
    s.accounts.erase_now(user_id(req), actor(s, req, admin));
    return http::no_content();
}

}  // namespace

void register_admin_routes(Routes& r) {
    const char* tag = "admin";
    r.get("/api/admin/users", list_users)
        .limit("600/hour")
        .describe(tag, "Users whose email or username starts with ?search=, by username (admins only; others get 404)")
        .query("search", "An email or username prefix (case-insensitive); none lists everyone")
        .query("limit", "Users per page, 1 to 100 (default 50)")
        .query("cursor", "next_cursor of the previous page")
        .returns(200, "AdminUserPage")
        .refuses(400, 404);
    r.get("/api/admin/users/{user_id}", show_user)
        .limit("600/hour")
        .describe(tag, "One user with their sessions and last 20 security events (admins only)")
        .returns(200, "AdminUserDetail")
        .refuses(404);
    r.post("/api/admin/users/{user_id}/disable", disable_user)
        .limit("300/hour")
        .describe(tag, "Disable: every session ends, every sign-in is refused as a wrong password is (admins only)")
        .returns(200, "AdminUser")
        .refuses(404);
    r.post("/api/admin/users/{user_id}/enable", enable_user)
        .limit("300/hour")
        .describe(tag, "Enable a disabled user again (admins only)")
        .returns(200, "AdminUser")
        .refuses(404);
    r.post("/api/admin/users/{user_id}/logout", sign_out_user)
        .limit("300/hour")
        .describe(tag, "End every session of the user (admins only)")
        .returns(200, "SessionsRevoked")
        .refuses(404);
    r.post("/api/admin/users/{user_id}/password-reset", reset_user_password)
        .limit("100/hour")
        .describe(tag, "Email the user a password reset code (admins only)")
        .returns(202, "Accepted")
        .refuses(404);
    r.del("/api/admin/users/{user_id}", delete_user)
        .limit("100/hour")
        .describe(tag, "Erase the user now: the same erasure as a deletion's end (admins only)")
        .returns(204)
        .refuses(404);
}

}  // namespace api
