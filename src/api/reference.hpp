#pragma once
// docs/api.md, the HTTP API reference, rendered from what the server itself declares: the
// OpenAPI document (routes, fields, rules, limits, answers), common::kErrorCodes and the
// email catalogue. `starter openapi --markdown` prints it; a test keeps the file current.
#include "notify/email.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <vector>

namespace api {

std::string reference_markdown(const boost::json::object& openapi, const std::vector<notify::EmailInfo>& emails);

}  // namespace api
