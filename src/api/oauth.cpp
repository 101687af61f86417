#include "api/oauth.hpp"

#include "api/authn.hpp"
#include "api/views.hpp"
#include "http/body.hpp"
#include "http/outbound.hpp"

namespace api {
namespace {

constexpr int kFlowCookieSeconds = 600;  // as long as a state lives

struct LoginCodeRequest {
    std::string code;
    static constexpr const char* schema_name = "LoginCodeRequest";
    static http::FieldTable<LoginCodeRequest> fields() {
        return {http::text("code", &LoginCodeRequest::code)
                    .max(128)
                    .schema(R"("maxLength": 128)")
                    .describe("From redirect_to?code=... after a social sign-in; 60 s, once")};
    }
};

struct LinkRequest {
    std::optional<std::string> redirect_to;
    static constexpr const char* schema_name = "LinkRequest";
    static http::FieldTable<LinkRequest> fields() {
        return {http::text("redirect_to", &LinkRequest::redirect_to)
                    .max(2048)
                    .describe("Where the provider's callback sends the browser: ?linked=<provider>, or ?error_code=...; on "
                              "OAUTH_REDIRECT_ALLOWED_ORIGINS (default APP_URL)")};
    }
    static boost::json::object example() { return {{"redirect_to", "http://localhost:3000/settings"}}; }
};

std::string cookie_name(std::string_view provider) { return "starter_oauth_" + std::string(provider); }

// The flow cookie goes only to this provider's callback; SameSite=Lax still
// sends it on the top-level redirect back from the provider.
std::string flow_cookie(std::string_view provider, std::string_view value, int max_age, bool secure) {
    return cookie_name(provider) + "=" + std::string(value) + "; Max-Age=" + std::to_string(max_age) + "; Path=/api/oauth/" +
           std::string(provider) + "/callback; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "");
}

std::optional<std::string> read_cookie(const http::Request& req, std::string_view name) {
    std::string_view header = req.header("Cookie");
    while (!header.empty()) {
        auto semi = header.find(';');
        auto item = header.substr(0, semi);
        header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        auto eq = item.find('=');
        if (eq != std::string_view::npos && item.substr(0, eq) == name) return std::string(item.substr(eq + 1));
    }
    return std::nullopt;
}

// Query parameters, plus form fields of a POSTed x-www-form-urlencoded body
// (providers' form_post, or a sign-in button in a <form>). On a clash the body
// wins.
http::Fields request_params(const http::Request& req) {
    auto fields = http::form_decode(req.query);
    if (req.method == "POST" && req.header("Content-Type").starts_with("application/x-www-form-urlencoded")) {
        auto body = http::form_decode(req.body());
        fields.insert(fields.begin(), body.begin(), body.end());
    }
    return fields;
}

std::optional<std::string> field(const http::Fields& fields, std::string_view name) {
    for (const auto& [n, v] : fields)
        if (n == name) return v;
    return std::nullopt;
}

http::Response redirect(const std::string& location) {
    http::Response res;
    res.result(boost::beast::http::status::found);
    res.set(boost::beast::http::field::location, location);
    res.set(boost::beast::http::field::cache_control, "no-store");
    return res;
}

}  // namespace

void register_oauth_routes(Routes& routes, oauth::SocialSignIn& social, const RequestInspector& inspector, bool secure_cookies) {
    auto& r = routes.router();
    auto login = [&social, secure_cookies](http::Request& req) {
        const std::string provider(req.param("provider"));
        auto start = social.begin(provider, field(request_params(req), "redirect_to"));
        auto res = redirect(start.authorization_url);
        res.insert(boost::beast::http::field::set_cookie,
                   flow_cookie(provider, start.browser_secret, kFlowCookieSeconds, secure_cookies));
        return res;
    };
    // GET for links, POST for sign-in buttons in a <form> (and providers' form posts).
    for (const char* method : {"GET", "POST"}) {
        auto& route = r.add(method, "/api/oauth/{provider}/login", login)
                          .limit("60/hour")
                          .describe("social sign-in", "Start Google or Facebook sign-in (302 to the provider)")
                          .query("redirect_to",
                                 "Where to return after sign-in; must be on OAUTH_REDIRECT_ALLOWED_ORIGINS (default APP_URL)")
                          .returns(302)
                          .refuses(400, 404);
        if (std::string_view(method) == "POST") route.accepts_form();
    }

    auto callback = [&social, &inspector, secure_cookies](http::Request& req) {
        const std::string provider(req.param("provider"));
        auto params = request_params(req);
        auto target = social.complete(
            provider, {field(params, "state"), field(params, "code"), field(params, "error"), field(params, "iss")},
            read_cookie(req, cookie_name(provider)), inspector.describe(req));
        auto res = redirect(target);
        res.insert(boost::beast::http::field::set_cookie, flow_cookie(provider, "", 0, secure_cookies));  // spent either way
        return res;
    };
    for (const char* method : {"GET", "POST"}) {
        auto& route =
            r.add(method, "/api/oauth/{provider}/callback", callback)
                .limit("60/hour")
                .describe("social sign-in", "The provider's redirect back (302 to redirect_to?code=... or ?error_code=...)")
                .query("code", "The provider's authorization code")
                .query("state", "The state sent to the provider")
                .query("error", "Set by the provider when the user declined")
                .query("iss", "The OpenID provider that answered (RFC 9207); must be the one the flow went to")
                .returns(302)
                .refuses(404);
        if (std::string_view(method) == "POST") route.accepts_form();
    }

    // Linking: an API call from the signed-in app, which then sends the browser to the
    // provider. The flow cookie set here binds the callback to this browser, so a link flow
    // started by someone else cannot be finished in the victim's browser.
    routes
        .post<LinkRequest>(
            "/api/oauth/{provider}/link",
            [&social, secure_cookies](const Services&, http::Request& req, const Viewer& viewer, LinkRequest& body) {
                const std::string provider(req.param("provider"));
                auto start = social.begin_link(provider, viewer, body.redirect_to);
                auto res = http::json(200, {{"authorization_url", start.authorization_url}});
                res.insert(boost::beast::http::field::set_cookie,
                           flow_cookie(provider, start.browser_secret, kFlowCookieSeconds, secure_cookies));
                res.set(boost::beast::http::field::cache_control, "no-store");
                return res;
            })
        .limit("30/hour")
        .describe("social sign-in",
                  "Start linking a provider to your account (recent sign-in): send the browser to authorization_url; the "
                  "provider's callback ends on redirect_to?linked=<provider>, or ?error_code=oauth_identity_in_use (that "
                  "identity belongs to another account) or oauth_provider_already_linked")
        .returns(200, "LinkStart")
        .refuses(400, 401, 403, 404, 422);
    routes
        .del("/api/oauth/{provider}/link",
             [&social, &inspector](const Services&, http::Request& req, const Viewer& viewer) {
                 social.unlink(std::string(req.param("provider")), viewer, inspector.describe(req));
                 return http::no_content();
             })
        .limit("30/hour")
        .describe("social sign-in",
                  "Unlink a provider from your account (recent sign-in); refused while it is the account's only way to sign "
                  "in (no password, passkey or other provider)")
        .returns(204)
        .refuses(400, 401, 403, 404);

    auto& token = r.post("/api/oauth/token", [&social](http::Request& req) {
        auto body = http::parse_body<LoginCodeRequest>(req.body());
        return http::json(200, sign_in_json(social.redeem(body.code)));
    });
    http::accepts<LoginCodeRequest>(token)
        .limit("60/hour")
        .describe("social sign-in",
                  "Exchange the one-time login code from a social sign-in for a session (or, with a second factor, its ticket)")
        .returns(200, "SignInResult");
}

}  // namespace api
