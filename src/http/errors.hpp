#pragma once
// Typed errors that the error-mapping middleware turns into the JSON error bodies of docs/api.md.
#include "common/refusal.hpp"

#include <boost/json/object.hpp>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace http {

// An answer other than success: status, stable `code`, human `message`, optional extra
// body members (`field`, `errors`, `is_primary`...) and headers (`Allow`, `Retry-After`...).
class Error : public std::runtime_error {
public:
    Error(int status, common::ErrorCode code, const std::string& message, boost::json::object extra = {},
          std::vector<std::pair<std::string, std::string>> headers = {})
        : std::runtime_error(message), status_(status), code_(code), extra_(std::move(extra)), headers_(std::move(headers)) {}

    int status() const { return status_; }
    std::string_view code() const { return code_.code(); }
    const boost::json::object& extra() const { return extra_; }
    const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }

    // The JSON body: {"code", "message", ...extra}.
    boost::json::object body() const;

private:
    int status_;
    common::ErrorCode code_;
    boost::json::object extra_;
    std::vector<std::pair<std::string, std::string>> headers_;
};

// One field-level problem for a 422 answer, shaped like FastAPI's.
struct FieldError {
    std::vector<std::string> loc;  // e.g. {"body", "email"}
    std::string msg;
    std::string type;
};

Error malformed_request(const std::string& message);
Error payload_too_large(std::size_t limit);
Error not_found(const std::string& message = "Not found");
Error method_not_allowed(const std::vector<std::string>& allowed);
Error validation_failed(const std::vector<FieldError>& errors);
Error invalid_input(const std::string& message, const std::string& field = {});
Error unauthenticated(const std::string& message = "Authentication required");
Error unavailable(const std::string& message = "The service is temporarily unavailable, try again shortly");
// The answer to a domain refusal: its kind decides the status.
Error from_refusal(const common::Refusal& refusal);

}  // namespace http
