#include "oauth/github.hpp"

#include "http/outbound.hpp"

#include <boost/json/parse.hpp>

namespace oauth {

std::string primary_verified_email(std::string_view emails_json) {
    boost::system::error_code ec;
    auto list = boost::json::parse(emails_json, ec);
    if (ec || !list.is_array()) return {};
    for (const auto& entry : list.as_array()) {
        if (!entry.is_object()) continue;
        const auto& e = entry.as_object();
        const auto* primary = e.if_contains("primary");
        const auto* verified = e.if_contains("verified");
        if (primary && primary->is_bool() && primary->as_bool() && verified && verified->is_bool() && verified->as_bool())
            return text_member(e, "email");
    }
    return {};
}

std::string GitHubProvider::authorization_url(const AuthorizationRequest& r) const {
    return settings_.authorization_url + "?" +
           http::form_encode({{"client_id", settings_.client_id},
                              {"redirect_uri", r.redirect_uri},
                              {"scope", "read:user user:email"},
                              {"state", r.state},
                              {"code_challenge", r.code_challenge},
                              {"code_challenge_method", "S256"},
                              {"allow_signup", "true"}});
}

Identity GitHubProvider::identify(const std::string& code, const std::string& redirect_uri, const std::string& code_verifier,
                                  const std::string&) {
    http::OutboundRequest exchange;
    exchange.method = "POST";
    exchange.url = settings_.token_url;
    exchange.timeout = timeout_;
    exchange.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
    exchange.body = http::form_encode({{"client_id", settings_.client_id},
                                       {"client_secret", settings_.client_secret},
                                       {"code", code},
                                       {"redirect_uri", redirect_uri},
                                       {"code_verifier", code_verifier}});
    auto answer = call_json(exchange, "GitHub token endpoint");
    // GitHub answers a bad code with 200 and {"error": ...}.
    auto token = text_member(answer, "access_token");
    if (token.empty())
        throw ProviderError("GitHub token endpoint returned no access_token (" + text_member(answer, "error").substr(0, 60) +
                            ")");

    auto api = [&](const std::string& path) {
        http::OutboundRequest r;
        r.url = settings_.identity_url + path;
        r.timeout = timeout_;
        r.headers = {{"Accept", "application/vnd.github+json"},
                     {"Authorization", "Bearer " + token},
                     {"X-GitHub-Api-Version", "2022-11-28"}};
        return r;
    };
    auto user = call_json(api("/user"), "GitHub /user");
    Identity identity;
    if (const auto* id = user.if_contains("id"); id && (id->is_int64() || id->is_uint64()))
        identity.subject = id->is_int64() ? std::to_string(id->as_int64()) : std::to_string(id->as_uint64());
    if (identity.subject.empty()) throw ProviderError("GitHub /user returned no id");
    identity.name = text_member(user, "name").empty() ? text_member(user, "login") : text_member(user, "name");

    auto emails = call(api("/user/emails"), "GitHub /user/emails");
    if (emails.status != 200) throw ProviderError("GitHub /user/emails answered HTTP " + std::to_string(emails.status));
    // The profile's public email may be unverified; only the verified primary one counts.
    identity.email = primary_verified_email(emails.body);
    return identity;
}

}  // namespace oauth
