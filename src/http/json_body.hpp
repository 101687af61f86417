#pragma once
// Turns a request body into a typed struct: 400 for a body that is not a JSON object,
// 422 with every field problem at once (FastAPI's shape) for missing or mistyped fields.
#include "common/text.hpp"
#include "http/errors.hpp"
#include "http/message.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

namespace http {

// Parses the body as a JSON object. Empty body, invalid JSON or invalid UTF-8, a
// non-object, or nesting deeper than 32 levels: 400 malformed_request.
boost::json::object parse_json_object(std::string_view body);

// Reads fields from a JSON object, collecting errors; `finish()` throws one 422 for all.
//   FieldReader in(parse_json_object(req.body()));
//   auto email = in.required_string("email", 250);
//   auto remember = in.optional_bool("remember_session").value_or(true);
//   in.finish();
// What a string field may contain. `text`, the default, refuses control characters
// (U+0000-U+001F, U+007F-U+009F) with a 422: such a field may reach SQL, where libpq would
// cut it at a NUL while SQLite keeps it whole, so one string could mean two accounts.
// `secret` (passwords) takes any valid UTF-8: it only ever reaches Argon2.
enum class Chars { text, secret };

class FieldReader {
public:
    explicit FieldReader(boost::json::object obj) : obj_(std::move(obj)) {}

    // A string field; `max_chars` counts Unicode code points. Returns "" when invalid.
    std::string required_string(std::string_view name, std::size_t max_chars = 1024, Chars chars = Chars::text);
    std::optional<std::string> optional_string(std::string_view name, std::size_t max_chars = 1024, Chars chars = Chars::text);
    std::optional<bool> optional_bool(std::string_view name);
    // A JSON object member (a WebAuthn credential); required ones report their absence.
    std::optional<boost::json::object> object_member(std::string_view name, bool required);

    void add_error(std::string_view name, std::string msg, std::string type);
    void finish() const;
    bool ok() const { return errors_.empty(); }
    std::size_t error_count() const { return errors_.size(); }
    // The field is present (even if null).
    bool has(std::string_view name) const { return obj_.contains(name); }

private:
    boost::json::object obj_;
    std::vector<FieldError> errors_;
};

// True when valid UTF-8 `s` holds a C0 or C1 control character or DEL (NUL included).
bool has_control_character(std::string_view s);

}  // namespace http
