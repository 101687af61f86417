// The current user: profile, username, password and email changes; public profiles.
#include "api/accounts.hpp"
#include "api/views.hpp"
#include "notify/locale.hpp"

namespace api {
namespace {

std::optional<http::Problem> check_locale(std::string& locale) {
    if (notify::supported_locale(locale)) return std::nullopt;
    std::string list;
    for (auto l : notify::kLocales) list += (list.empty() ? "'" : ", '") + std::string(l) + "'";
    return http::Problem{"Input should be " + list, "enum"};
}

// The email languages as a JSON Schema enum.
std::string locale_schema() {
    std::string list;
    for (auto l : notify::kLocales) list += (list.empty() ? "\"" : ", \"") + std::string(l) + "\"";
    return R"("enum": [)" + list + "]";
}

struct UpdateUserRequest {
    std::optional<std::string> username, locale;
    static constexpr const char* schema_name = "UpdateUserRequest";
    static http::FieldTable<UpdateUserRequest> fields() {
        return {username_field(&UpdateUserRequest::username), http::text("locale", &UpdateUserRequest::locale)
                                                                  .max(8)
                                                                  .schema(locale_schema())
                                                                  .checked(check_locale)
                                                                  .describe("The language of the user's emails")};
    }
};

struct ChangePasswordRequest {
    std::optional<std::string> current_password;
    std::string new_password;
    static constexpr const char* schema_name = "ChangePasswordRequest";
    static http::FieldTable<ChangePasswordRequest> fields() {
        return {http::text("current_password", &ChangePasswordRequest::current_password)
                    .secret()
                    .describe("Required when the account has a password"),
                password_field("new_password", &ChangePasswordRequest::new_password)};
    }
};

struct EmailChangeRequest {
    std::string email;
    std::optional<std::string> current_password;
    static constexpr const char* schema_name = "EmailChangeRequest";
    static http::FieldTable<EmailChangeRequest> fields() {
        return {email_field(&EmailChangeRequest::email), http::text("current_password", &EmailChangeRequest::current_password)
                                                             .secret()
                                                             .describe("Required when the account has a password")};
    }
};

struct ChangeEmailRequest {
    std::string email, email_verification_code;
    static constexpr const char* schema_name = "ChangeEmailRequest";
    static http::FieldTable<ChangeEmailRequest> fields() {
        return {email_field(&ChangeEmailRequest::email),
                code_field("email_verification_code", &ChangeEmailRequest::email_verification_code)
                    .alias("email_verification_token")};
    }
};

http::Response me(const Services&, http::Request&, const ViewerUser& viewer) { return http::json(200, user_json(viewer.user)); }

http::Response update_me(const Services& s, http::Request&, const Viewer& viewer, UpdateUserRequest& body) {
    if (body.username) s.accounts.change_username(viewer.user_id, *body.username);
    if (body.locale) s.accounts.change_locale(viewer.user_id, *body.locale);
    return http::json(200, user_json(s.accounts.get(viewer.user_id)));
}

http::Response change_password(const Services& s, http::Request& req, const Viewer& viewer, ChangePasswordRequest& body) {
    return http::json(
        200, user_json(s.accounts.change_password(viewer, body.current_password, body.new_password, s.inspector.describe(req))));
}

http::Response request_email_change(const Services& s, http::Request& req, const Viewer& viewer, EmailChangeRequest& body) {
    s.accounts.request_email_change(viewer, body.email, body.current_password, s.inspector.describe(req));
    return http::json(202, {{"message", "A code is on its way to the new address"}});
}

http::Response change_email(const Services& s, http::Request& req, const Viewer& viewer, ChangeEmailRequest& body) {
    return http::json(
        200, user_json(s.accounts.change_email(viewer, body.email, body.email_verification_code, s.inspector.describe(req))));
}

// ?limit=1..100 (default 20) and ?cursor= from the previous page.
http::Response activity(const Services& s, http::Request& req, const Viewer& viewer) {
    auto page = s.accounts.activity(viewer.user_id, req.query_param("cursor"), page_limit(req, 20));
    boost::json::array events;
    for (const auto& e : page.events) events.push_back(security_event_json(e));
    return http::json(200, {{"events", std::move(events)}, {"next_cursor", cursor_json(page.next_cursor)}});
}

// Everything kept about the caller (GDPR art. 20), as one JSON document.
http::Response export_account(const Services& s, http::Request&, const Viewer& viewer) {
    s.accounts.require_recent_authentication(viewer);
    const auto user = s.accounts.get(viewer.user_id);
    boost::json::array sessions, passkeys, activity;
    for (const auto& session : s.sessions.list(viewer.user_id)) sessions.push_back(session_json(session, viewer.session_id));
    for (const auto& p : s.passkeys.list(viewer.user_id)) passkeys.push_back(passkey_json(p));
    std::optional<std::string> cursor;
    do {
        auto page = s.accounts.activity(viewer.user_id, cursor, 1000);
        for (const auto& e : page.events) activity.push_back(security_event_json(e));
        cursor = page.next_cursor;
    } while (cursor);
    auto response = http::json(200, {{"exported_at", rfc3339(common::now_ms())},
                                     {"user", user_json(user)},
                                     {"sessions", std::move(sessions)},
                                     {"second_factor", mfa_status_json(s.mfa.status(viewer.user_id))},
                                     {"passkeys", std::move(passkeys)},
                                     {"activity", std::move(activity)}});
    response.set(boost::beast::http::field::content_disposition, "attachment; filename=\"account-export.json\"");
    return response;
}

http::Response delete_me(const Services& s, http::Request& req, const Viewer& viewer) {
    auto at = s.accounts.request_deletion(viewer, s.inspector.describe(req));
    return http::json(202, {{"erase_at", rfc3339_or_null(at)}});
}

http::Response public_profile(const Services& s, http::Request& req) {
    auto user = s.accounts.find(std::string(req.param("user_id")));
    if (!user || user->erase_after || user->disabled_at) throw http::not_found("No such user");
    return http::json(200, public_user_json(*user));
}

}  // namespace

void register_user_routes(Routes& r) {
    r.get("/api/users/@me", me).limit("1000/hour").describe("users", "The current user").returns(200, "User");
    r.patch<UpdateUserRequest>("/api/users/@me", update_me)
        .limit("100/hour")
        .describe("users", "Update the current user's username or email language")
        .returns(200, "User");
    r.patch<ChangePasswordRequest>("/api/users/@me/password", change_password)
        .limit("15/hour")
        .describe("users", "Set or change the password; other sessions end")
        .returns(200, "User")
        .refuses(400, 403);
    r.post<EmailChangeRequest>("/api/users/@me/email-change-request", request_email_change)
        .limit("15/hour")
        .describe("users", "Email a code to the new address")
        .returns(202, "Accepted")
        .refuses(403);
    r.patch<ChangeEmailRequest>("/api/users/@me/email", change_email)
        .limit("15/hour")
        .describe("users", "Confirm the new email with its code; the old address is told")
        .returns(200, "User")
        .refuses(400);
    r.get("/api/users/@me/activity", activity)
        .limit("300/hour")
        .describe("users", "The current user's security activity (sign-ins, password and email changes...), newest first")
        .query("limit", "Events per page, 1 to 100 (default 20)")
        .query("cursor", "next_cursor of the previous page")
        .returns(200, "SecurityActivity")
        .refuses(400);
    r.del("/api/users/@me", delete_me)
        .limit("10/hour")
        .describe("users",
                  "Delete the current user (needs a recent sign-in): every session ends now, the data is erased after "
                  "ACCOUNT_DELETION_GRACE unless the owner signs in before")
        .returns(202, "DeletionScheduled")
        .refuses(403);
    r.get("/api/users/@me/export", export_account)
        .limit("10/hour")
        .describe("users", "Everything kept about the current user, as one JSON document (needs a recent sign-in)")
        .returns(200, "AccountExport")
        .refuses(403);
    r.get("/api/users/{user_id}", public_profile)
        .limit("2500/hour")
        .describe("users", "Another user's public profile")
        .returns(200, "PublicUser")
        .refuses(404);
}

}  // namespace api
