#pragma once
// The OpenAPI 3.1 document of every route the router holds, built from the same
// declarations (method, pattern, summary, limit, Route::Doc) that serve requests, so the
// document cannot drift from the code.
#include "http/router.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace api {

struct OpenApiInfo {
    std::string title = "Starter API";
    std::string version;
    std::string server_url;  // PUBLIC_URL
};

boost::json::object openapi_document(const http::Router& router, const OpenApiInfo& info);

}  // namespace api
