#pragma once
// What a person sees in a browser besides the API: the account app at /account (built from
// web/account by scripts/build-web and compiled in) and, in development with the file
// outbox, the mailbox at /dev/mail where the emails the server "sent" can be read.
#include "http/router.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace api {

struct WebOptions {
    bool account_app = false;
    std::string app_name;
    std::vector<std::string> providers;            // enabled social sign-in providers
    std::string public_url;                        // where browsers reach this server (social sign-in starts there)
    std::string passkey_rp_id;                     // passkeys work on pages of this domain
    std::optional<std::filesystem::path> mailbox;  // the .eml outbox; set: /dev/mail is on
};

void register_web_routes(http::Router& router, WebOptions options);

}  // namespace api
