#pragma once
// GET /api/openapi.json and the Swagger UI at /docs (assets from the npm package
// swagger-ui-dist, read once from SWAGGER_UI_DIR at start).
#include "http/router.hpp"

#include <map>
#include <string>

namespace api {

// The Swagger UI files we serve, loaded from `dir`; empty when the directory lacks them.
std::map<std::string, std::string> load_swagger_ui(const std::string& dir);

// `openapi_json` is read at request time, so it may be filled after every route exists.
void register_docs_routes(http::Router& router, const std::string& openapi_json, std::map<std::string, std::string> assets);

}  // namespace api
