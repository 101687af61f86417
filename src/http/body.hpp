#pragma once
// Typed JSON request bodies. A request is one struct with a table of its fields; the table
// is the parser (400 for a body that is not a JSON object, one 422 listing every field
// problem, FastAPI's shape), the limits and the OpenAPI schema, so none of them can drift.
//
//   struct LoginRequest {
//       std::string login, password;
//       static constexpr const char* schema_name = "LoginRequest";
//       static http::FieldTable<LoginRequest> fields() {
//           return {http::text("login", &LoginRequest::login).describe("An email (contains @) or a username"),
//                   http::text("password", &LoginRequest::password).secret()};
//       }
//   };
//   auto body = http::parse_body<LoginRequest>(req.body());
#include "http/json_body.hpp"
#include "http/router.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include <optional>
#include <string>
#include <functional>
#include <vector>

namespace http {

// A field's value after reading: turns the raw text into the stored one (e.g. a normalised
// email) or names what is wrong as {message, type}.
struct Problem {
    std::string message;
    std::string type;
};
using Check = std::optional<Problem> (*)(std::string& value);

// How one field is read and documented, whatever struct it belongs to.
struct FieldRule {
    std::string name;
    std::vector<std::string> aliases;  // other accepted names (the reference's), first present wins
    bool required = true;
    std::size_t max_chars = 1024;  // Unicode code points
    Chars chars = Chars::text;
    Check check = nullptr;
    boost::json::object schema;  // JSON Schema 2020-12 of the value
    std::optional<bool> bool_default;
    bool is_object = false;  // a JSON object, kept as one
};

// What reading one field produced: its text (string fields) or its value (booleans).
struct FieldValue {
    bool present = false;
    std::string text;
    std::optional<bool> flag;
    std::optional<boost::json::object> object;
};

template <class T>
struct Field {
    FieldRule rule;
    std::function<void(T&, FieldValue&)> store;  // puts the value into its member

    // Adds to the value's JSON Schema: "format", "pattern", "minLength"... as JSON text.
    Field&& schema(std::string_view json_members) && {
        const auto extra = boost::json::parse("{" + std::string(json_members) + "}");
        for (const auto& [k, v] : extra.as_object()) rule.schema[k] = v;
        return std::move(*this);
    }
    Field&& describe(std::string_view text) && {
        rule.schema["description"] = text;
        return std::move(*this);
    }
    Field&& max(std::size_t chars) && {
        rule.max_chars = chars;
        return std::move(*this);
    }
    // Passwords: any character, never checked for control characters (they only reach Argon2).
    Field&& secret() && {
        rule.chars = Chars::secret;
        return std::move(*this);
    }
    Field&& alias(std::string name) && {
        rule.aliases.push_back(std::move(name));
        if (rule.schema.contains("description"))
            rule.schema["description"] = std::string(rule.schema["description"].as_string()) + "; alias: " + rule.aliases.back();
        else
            rule.schema["description"] = "Alias: " + rule.aliases.back();
        return std::move(*this);
    }
    Field&& checked(Check c) && {
        rule.check = c;
        return std::move(*this);
    }
};

template <class T>
using FieldTable = std::vector<Field<T>>;

// A required string field.
namespace detail {
inline FieldRule rule(std::string name, bool required, boost::json::object schema) {
    FieldRule r;
    r.name = std::move(name);
    r.required = required;
    r.schema = std::move(schema);
    return r;
}
}  // namespace detail

template <class T>
Field<T> text(std::string name, std::string T::*member) {
    return {detail::rule(std::move(name), true, {{"type", "string"}}),
            [member](T& out, FieldValue& v) { out.*member = std::move(v.text); }};
}
// An optional string field (absent or null: nullopt).
template <class T>
Field<T> text(std::string name, std::optional<std::string> T::*member) {
    return {detail::rule(std::move(name), false, {{"type", "string"}}), [member](T& out, FieldValue& v) {
                if (v.present) out.*member = std::move(v.text);
            }};
}
// An optional boolean field with its default.
template <class T>
Field<T> flag(std::string name, bool T::*member, bool default_value) {
    Field<T> f{detail::rule(std::move(name), false, {{"type", "boolean"}, {"default", default_value}}),
               [member, default_value](T& out, FieldValue& v) { out.*member = v.flag.value_or(default_value); }};
    f.rule.bool_default = default_value;
    return f;
}

// A JSON object field, kept as parsed (required, or optional when the member is optional);
// any members, so a generated client types it as a free-form record.
template <class T>
Field<T> object(std::string name, boost::json::object T::*member) {
    Field<T> f{detail::rule(std::move(name), true, {{"type", "object"}, {"additionalProperties", true}}),
               [member](T& out, FieldValue& v) { out.*member = std::move(v.object).value_or(boost::json::object{}); }};
    f.rule.is_object = true;
    return f;
}
template <class T>
Field<T> object(std::string name, std::optional<boost::json::object> T::*member) {
    Field<T> f{detail::rule(std::move(name), false, {{"type", "object"}, {"additionalProperties", true}}),
               [member](T& out, FieldValue& v) { out.*member = std::move(v.object); }};
    f.rule.is_object = true;
    return f;
}

namespace detail {
// Reads one field by its rule; errors go to `in`.
FieldValue read_field(FieldReader& in, const FieldRule& rule);
boost::json::object schema_of(const std::vector<const FieldRule*>& rules, const boost::json::object& example);
}  // namespace detail

// A body struct may say `static constexpr bool body_optional = true;`: an empty body is
// then the struct's defaults (POST /api/auth/logout).
template <class T>
concept OptionalBody = T::body_optional;

template <class T>
T parse_body(std::string_view body) {
    T out{};
    if constexpr (OptionalBody<T>)
        if (body.empty()) return out;
    FieldReader in(parse_json_object(body));
    for (const auto& field : T::fields()) {
        auto value = detail::read_field(in, field.rule);
        field.store(out, value);
    }
    in.finish();
    return out;
}

// The JSON Schema of T's body, from its field table (and T::example() when it has one).
template <class T>
boost::json::object body_schema() {
    auto fields = T::fields();
    std::vector<const FieldRule*> rules;
    for (const auto& f : fields) rules.push_back(&f.rule);
    boost::json::object example;
    if constexpr (requires { T::example(); }) example = T::example();
    return detail::schema_of(rules, example);
}

// Documents `route` as taking a Body (its schema from the field table).
template <class Body>
Route& accepts(Route& route) {
    return route.accepts(Body::schema_name, body_schema<Body>(), OptionalBody<Body>);
}

}  // namespace http
