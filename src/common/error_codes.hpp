#pragma once
// Every `code` an error answer can carry, with its usual HTTP status and what it tells the
// client: the one list. `Refusal` and `http::Error` take an `ErrorCode`, which only a code
// of this list can make (a typo does not compile), and the OpenAPI document's Error schema
// and docs/api.md list them from here.
#include <cstddef>
#include <string_view>

namespace common {

struct ErrorCodeInfo {
    std::string_view code;
    int status;
    std::string_view meaning;
};

inline constexpr ErrorCodeInfo kErrorCodes[] = {
    {"malformed_request", 400,
     "The body is not a JSON object (or not UTF-8), or the HTTP request itself is malformed (431 when its headers pass 16 KiB)"},
    {"invalid_input", 400,
     "A rule said no: a wrong or expired code, a password too easy to guess (with `feedback`), an address or username "
     "already taken; `field` names the field at fault"},
    {"password_breached", 400,
     "The new password appears in known data breaches (Have I Been Pwned); `breach_count` says how often it was seen, "
     "`field` which field holds it"},
    {"invalid_credentials", 400,
     "The login, password or second factor is wrong; the same answer whether or not the account exists"},
    {"unauthenticated", 401, "No token, or an unknown, expired or revoked one"},
    {"reauthentication_required", 403,
     "The call needs the current password or a recent sign-in (`POST /api/auth/reauthenticate`)"},
    {"not_found", 404, "No such route, resource or enabled provider"},
    {"method_not_allowed", 405, "The path exists but not with this method; `Allow` lists those it has"},
    {"payload_too_large", 413, "The body is larger than 64 KiB"},
    {"validation_failed", 422, "Fields break their rules; `errors` lists each one (`loc`, `msg`, `type`, as FastAPI does)"},
    {"rate_limited", 429,
     "A limit was reached: the route's, the API-wide one (`is_primary`) or an account's failed logins; retry after "
     "`Retry-After` seconds"},
    {"unexpected", 500, "A bug: details are only in the server's log, under the answer's `request_id`"},
    {"unavailable", 503, "The database or Redis does not answer, or the server is saturated; retry shortly"},
};

// A code of kErrorCodes, checked when the program is compiled.
class ErrorCode {
public:
    consteval ErrorCode(const char* code) : index_(find(code)) {}  // NOLINT(google-explicit-constructor): literals read best

    std::string_view code() const { return kErrorCodes[index_].code; }
    int status() const { return kErrorCodes[index_].status; }

private:
    static consteval std::size_t find(std::string_view code) {
        for (std::size_t i = 0; i < std::size(kErrorCodes); ++i)
            if (kErrorCodes[i].code == code) return i;
        throw "an error code must be listed in common::kErrorCodes";
    }
    std::size_t index_;
};

}  // namespace common
