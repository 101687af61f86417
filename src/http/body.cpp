#include "http/body.hpp"

#include <boost/json/array.hpp>

namespace http::detail {

FieldValue read_field(FieldReader& in, const FieldRule& rule) {
    FieldValue out;
    std::string_view name = rule.name;
    if (!in.has(name))
        for (const auto& alias : rule.aliases)
            if (in.has(alias)) {
                name = alias;
                break;
            }
    if (rule.is_object) {
        out.object = in.object_member(name, rule.required);
        out.present = out.object.has_value();
        return out;
    }
    if (rule.bool_default) {
        out.flag = in.optional_bool(name);
        out.present = out.flag.has_value();
        return out;
    }
    const auto errors_before = in.error_count();
    std::optional<std::string> value = rule.required ? std::optional(in.required_string(name, rule.max_chars, rule.chars))
                                                     : in.optional_string(name, rule.max_chars, rule.chars);
    if (!value) return out;
    if (rule.check && in.error_count() == errors_before)
        if (auto problem = rule.check(*value)) in.add_error(rule.name, std::move(problem->message), std::move(problem->type));
    out.present = true;
    out.text = std::move(*value);
    return out;
}

boost::json::object schema_of(const std::vector<const FieldRule*>& rules, const boost::json::object& example) {
    boost::json::object properties;
    boost::json::array required;
    for (const auto* rule : rules) {
        properties[rule->name] = rule->schema;
        if (rule->required) required.emplace_back(rule->name);
    }
    boost::json::object schema{{"type", "object"}};
    if (!required.empty()) schema["required"] = std::move(required);
    schema["properties"] = std::move(properties);
    if (!example.empty()) schema["example"] = example;
    return schema;
}

}  // namespace http::detail
