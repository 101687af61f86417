#pragma once
// A social sign-in provider: where to send the browser, and how to turn the
// code it comes back with into a verified identity.
#include "http/outbound.hpp"

#include <boost/json/object.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace oauth {

// Who the provider says signed in.
struct Identity {
    std::string subject;  // the provider's stable user id
    std::string email;    // "" when the provider shared none
    std::string name;
};

// What the authorization redirect carries. `code_challenge` is PKCE S256,
// `nonce` goes into (and must come back in) an OpenID Connect ID token.
struct AuthorizationRequest {
    std::string state;
    std::string redirect_uri;
    std::string code_challenge;
    std::string nonce;
};

// The provider refused, failed, timed out or answered something we do not
// trust. The message says why, for the log; it never holds a secret.
struct ProviderError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Performs a provider call; a call that does not complete (network failure, timeout,
// oversized answer) is a ProviderError naming `what`. The status is the caller's to judge.
http::OutboundResponse call(const http::OutboundRequest& request, std::string_view what);

// Performs a provider call and returns its JSON object answer; anything else
// (network failure, timeout, non-2xx status, non-JSON) is a ProviderError
// naming `what`.
boost::json::object call_json(const http::OutboundRequest& request, std::string_view what);

// A string member of a provider's answer, or "" when absent or not a string.
std::string text_member(const boost::json::object& o, std::string_view name);

// How a provider is named to people: "Google", "GitHub", or the OAUTH_PROVIDERS name.
std::string display_name(std::string_view provider);

class Provider {
public:
    virtual ~Provider() = default;
    virtual std::string_view name() const = 0;
    virtual std::string authorization_url(const AuthorizationRequest& request) const = 0;
    // An OpenID provider's issuer, checked against a callback's `iss` (RFC 9207); "" for others.
    virtual std::string_view issuer() const { return {}; }
    // Exchanges the authorization code and verifies the identity. Throws
    // ProviderError.
    virtual Identity identify(const std::string& code, const std::string& redirect_uri, const std::string& code_verifier,
                              const std::string& nonce) = 0;
};

}  // namespace oauth
