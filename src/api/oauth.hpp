#pragma once
// Routes of social sign-in (docs/api.md).
#include "api/routes.hpp"
#include "http/router.hpp"
#include "oauth/social_sign_in.hpp"

namespace api {

class RequestInspector;

// `secure_cookies`: mark the flow cookie Secure (when PUBLIC_URL is https).
void register_oauth_routes(Routes& routes, oauth::SocialSignIn& social, const RequestInspector& inspector, bool secure_cookies);

}  // namespace api
