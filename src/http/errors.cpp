#include "http/errors.hpp"

#include <boost/json/array.hpp>

namespace http {

boost::json::object Error::body() const {
    boost::json::object o;
    o["code"] = code_.code();
    o["message"] = what();
    for (const auto& [k, v] : extra_) o[k] = v;
    return o;
}

Error malformed_request(const std::string& message) { return Error(400, "malformed_request", message); }

Error payload_too_large(std::size_t limit) {
    return Error(413, "payload_too_large", "The request body is larger than " + std::to_string(limit / 1024) + " KiB");
}

Error not_found(const std::string& message) { return Error(404, "not_found", message); }

Error method_not_allowed(const std::vector<std::string>& allowed) {
    std::string allow;
    for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    return Error(405, "method_not_allowed", "Method not allowed", {}, {{"Allow", allow}});
}

Error validation_failed(const std::vector<FieldError>& errors) {
    boost::json::array list;
    for (const auto& e : errors) {
        boost::json::array loc;
        for (const auto& part : e.loc) loc.emplace_back(part);
        list.emplace_back(boost::json::object{{"loc", std::move(loc)}, {"msg", e.msg}, {"type", e.type}});
    }
    return Error(422, "validation_failed", "The request has invalid fields", {{"errors", std::move(list)}});
}

Error invalid_input(const std::string& message, const std::string& field) {
    boost::json::object extra;
    if (!field.empty()) extra["field"] = field;
    return Error(400, "invalid_input", message, std::move(extra));
}

Error unauthenticated(const std::string& message) { return Error(401, "unauthenticated", message); }

Error unavailable(const std::string& message) { return Error(503, "unavailable", message); }

Error from_refusal(const common::Refusal& r) {
    using Kind = common::Refusal::Kind;
    switch (r.kind()) {
        case Kind::invalid_field:
            return validation_failed({{{"body", r.field}, r.what(), r.rule}});
        case Kind::too_many:
            return Error(429, r.code(), r.what(), r.extra(),
                         {{"Retry-After", std::to_string(r.retry_after_seconds.value_or(60))}});
        case Kind::unauthenticated:
            return Error(401, r.code(), r.what(), r.extra());
        case Kind::needs_confirmation:
            return Error(403, r.code(), r.what(), r.extra());
        case Kind::not_found:
            return Error(404, r.code(), r.what(), r.extra());
        case Kind::unavailable:
            return Error(503, r.code(), r.what(), r.extra());
        case Kind::invalid:
            break;
    }
    return Error(400, r.code(), r.what(), r.extra());
}

}  // namespace http
