// Request bodies into the typed requests of API.md, as the handlers read them: any input
// ends in values or an http::Error (400/413/422), never anything else.
#include "http/errors.hpp"
#include "http/json_body.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view body(reinterpret_cast<const char*>(data), size);
    try {
        http::FieldReader in(http::parse_json_object(body));
        auto email = in.required_string("email", 250);
        auto code = in.required_string_alias({"email_verification_code", "email_verification_token"}, 64);
        auto username = in.optional_string("username", 32);
        auto remember = in.optional_bool("remember_session");
        in.finish();
        (void)http::utf8_length(email);
        (void)code;
        (void)username;
        (void)remember;
    } catch (const http::Error&) {
    }
    return 0;
}
