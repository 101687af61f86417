// Request bodies into typed requests through their field tables, as the handlers get
// them: any input ends in values or an http::Error (400/413/422), never anything else.
#include "http/body.hpp"
#include "http/errors.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

std::optional<http::Problem> eight_digits(std::string& v) {
    if (v.size() != 8) return http::Problem{"The code is exactly 8 digits", "string_pattern_mismatch"};
    return std::nullopt;
}

// Every kind of field a request uses: required and optional text, an alias, a check, a
// secret, a flag with its default.
struct Probe {
    std::string email, code, password;
    std::optional<std::string> username;
    bool remember = true;
    static http::FieldTable<Probe> fields() {
        return {http::text("email", &Probe::email).max(250),
                http::text("email_verification_code", &Probe::code).alias("email_verification_token").checked(eight_digits),
                http::text("password", &Probe::password).secret(), http::text("username", &Probe::username).max(32),
                http::flag("remember_session", &Probe::remember, true)};
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto schema = http::body_schema<Probe>();  // made from the same table, once
    (void)schema;
    std::string_view body(reinterpret_cast<const char*>(data), size);
    try {
        auto probe = http::parse_body<Probe>(body);
        (void)common::utf8_length(probe.email);
        (void)probe.remember;
    } catch (const http::Error&) {
    }
    return 0;
}
