#pragma once
// Why the domain will not do what a caller asked, in terms the caller can act on. Services
// throw these; the HTTP layer (http/errors.hpp) turns each kind into a status and the
// JSON error body, so services know nothing of HTTP.
#include "common/error_codes.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace common {

class Refusal : public std::runtime_error {
public:
    enum class Kind {
        invalid,             // the request cannot succeed as made (400)
        invalid_field,       // one field breaks its rule (422, like a parser's answer)
        unauthenticated,     // nobody, or no longer anybody, is signed in (401)
        needs_confirmation,  // the caller must prove again who they are (403)
        not_found,           // (404)
        too_many,            // a limit; try again after `retry_after_seconds` (429)
        unavailable,         // a service it needs does not answer; retry shortly (503)
    };

    Refusal(Kind kind, ErrorCode code, const std::string& message, boost::json::object extra = {})
        : std::runtime_error(message), kind_(kind), code_(code), extra_(std::move(extra)) {}

    Kind kind() const { return kind_; }
    // A stable, machine-readable code such as "invalid_credentials".
    ErrorCode code() const { return code_; }
    // More members of the answer: `field`, the password `feedback`...
    const boost::json::object& extra() const { return extra_; }
    // invalid_field: the field and the rule it broke (pydantic's type, e.g. "string_too_short").
    std::string field, rule;
    std::optional<int> retry_after_seconds;

private:
    Kind kind_;
    ErrorCode code_;
    boost::json::object extra_;
};

// 400 invalid_input, naming the field at fault when there is one.
inline Refusal invalid_input(const std::string& message, const std::string& field = {}) {
    boost::json::object extra;
    if (!field.empty()) extra["field"] = field;
    return Refusal(Refusal::Kind::invalid, "invalid_input", message, std::move(extra));
}

// 422 validation_failed for one body field, as the request parser reports it.
inline Refusal invalid_field(std::string field, const std::string& message, std::string rule) {
    Refusal r(Refusal::Kind::invalid_field, "validation_failed", message);
    r.field = std::move(field);
    r.rule = std::move(rule);
    return r;
}

}  // namespace common
