#include "oauth/facebook.hpp"

#include "http/outbound.hpp"
#include "security/hash.hpp"

namespace oauth {
std::string FacebookProvider::authorization_url(const AuthorizationRequest& r) const {
    return settings_.authorization_url + "?" +
           http::form_encode({{"response_type", "code"},
                              {"client_id", settings_.client_id},
                              {"redirect_uri", r.redirect_uri},
                              {"scope", "email"},
                              {"state", r.state}});
}

Identity FacebookProvider::identify(const std::string& code, const std::string& redirect_uri, const std::string&,
                                    const std::string&) {
    http::OutboundRequest exchange;
    exchange.url = settings_.token_url + "?" +
                   http::form_encode({{"client_id", settings_.client_id},
                                      {"client_secret", settings_.client_secret},
                                      {"redirect_uri", redirect_uri},
                                      {"code", code}});
    exchange.timeout = timeout_;
    exchange.headers = {{"Accept", "application/json"}};
    auto token = text_member(call_json(exchange, "Facebook token endpoint"), "access_token");
    if (token.empty()) throw ProviderError("Facebook token endpoint returned no access_token");

    http::OutboundRequest me;
    me.url = settings_.identity_url + "/me?" +
             http::form_encode({{"fields", "id,name,email"},
                                {"access_token", token},
                                {"appsecret_proof", security::hmac_sha256_hex(settings_.client_secret, token)}});
    me.timeout = timeout_;
    me.headers = {{"Accept", "application/json"}};
    auto profile = call_json(me, "Facebook Graph /me");
    // Facebook only shares confirmed addresses; an account without one has no
    // email here.
    Identity identity{text_member(profile, "id"), text_member(profile, "email"), text_member(profile, "name")};
    if (identity.subject.empty()) throw ProviderError("Facebook Graph /me returned no id");
    return identity;
}

}  // namespace oauth
