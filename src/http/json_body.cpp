#include "http/json_body.hpp"

#include <boost/json/parse.hpp>

namespace http {

bool has_control_character(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7F) return true;
        // U+0080-U+009F is 0xC2 0x80-0x9F in UTF-8.
        if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9F) return true;
    }
    return false;
}

boost::json::object parse_json_object(std::string_view body) {
    if (body.empty()) throw malformed_request("The request body must be a JSON object");
    boost::json::parse_options opts;
    opts.max_depth = 32;
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec, {}, opts);
    if (ec) throw malformed_request("The request body is not valid JSON: " + ec.message());
    if (!v.is_object()) throw malformed_request("The request body must be a JSON object");
    return std::move(v.as_object());
}

void FieldReader::add_error(std::string_view name, std::string msg, std::string type) {
    errors_.push_back({{"body", std::string(name)}, std::move(msg), std::move(type)});
}

std::optional<std::string> FieldReader::optional_string(std::string_view name, std::size_t max_chars, Chars chars) {
    auto it = obj_.find(name);
    if (it == obj_.end() || it->value().is_null()) return std::nullopt;
    if (!it->value().is_string()) {
        add_error(name, "Input should be a valid string", "string_type");
        return std::string();
    }
    std::string s(it->value().as_string());
    if (common::utf8_length(s) > max_chars) {
        add_error(name, "String should have at most " + std::to_string(max_chars) + " characters", "string_too_long");
        return std::string();
    }
    if (chars == Chars::text && has_control_character(s)) {
        add_error(name, "String should not contain control characters", "string_pattern_mismatch");
        return std::string();
    }
    return s;
}

std::string FieldReader::required_string(std::string_view name, std::size_t max_chars, Chars chars) {
    if (!obj_.contains(name) || obj_.at(name).is_null()) {
        add_error(name, "Field required", "missing");
        return {};
    }
    return optional_string(name, max_chars, chars).value_or(std::string());
}

std::optional<bool> FieldReader::optional_bool(std::string_view name) {
    auto it = obj_.find(name);
    if (it == obj_.end() || it->value().is_null()) return std::nullopt;
    if (!it->value().is_bool()) {
        add_error(name, "Input should be a valid boolean", "bool_type");
        return std::nullopt;
    }
    return it->value().as_bool();
}

std::optional<boost::json::object> FieldReader::object_member(std::string_view name, bool required) {
    auto it = obj_.find(name);
    if (it == obj_.end() || it->value().is_null()) {
        if (required) add_error(name, "Field required", "missing");
        return std::nullopt;
    }
    if (!it->value().is_object()) {
        add_error(name, "Input should be a valid dictionary", "dict_type");
        return std::nullopt;
    }
    return it->value().as_object();
}

void FieldReader::finish() const {
    if (!errors_.empty()) throw validation_failed(errors_);
}

}  // namespace http
