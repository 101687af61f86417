#include "api/docs.hpp"

#include "http/errors.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace api {
namespace {

constexpr const char* kPage = R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API documentation</title>
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
)";

// A separate file rather than an inline script, so the page's CSP needs no 'unsafe-inline'
// for scripts.
constexpr const char* kInit = R"(window.ui = SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: false
});
)";

// Swagger UI sets style attributes, hence 'unsafe-inline' for styles only.
constexpr const char* kDocsCsp =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'";

constexpr const char* kAssetFiles[] = {"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"};

}  // namespace

std::map<std::string, std::string> load_swagger_ui(const std::string& dir) {
    std::map<std::string, std::string> assets;
    for (const char* name : kAssetFiles) {
        std::ifstream in(std::filesystem::path(dir) / name, std::ios::binary);
        if (!in) return {};
        std::ostringstream content;
        content << in.rdbuf();
        assets[name] = content.str();
    }
    assets["init.js"] = kInit;
    return assets;
}

void register_docs_routes(http::Router& r, const std::string& openapi_json, std::map<std::string, std::string> assets) {
    r.get("/api/openapi.json",
          [&openapi_json](http::Request&) {
              http::Response res;
              res.result(boost::beast::http::status::ok);
              res.set(boost::beast::http::field::content_type, "application/json");
              res.set(boost::beast::http::field::cache_control, "no-cache");
              res.body() = openapi_json;
              return res;
          })
        .on_io_thread()
        .unlimited()
        .describe("docs", "This document (OpenAPI 3.1)")
        .returns(200);

    auto shared = std::make_shared<const std::map<std::string, std::string>>(std::move(assets));
    r.get("/docs",
          [shared](http::Request&) {
              if (shared->empty())
                  throw http::not_found("Swagger UI is not installed: run scripts/fetch-web-assets or set SWAGGER_UI_DIR");
              return http::page(kPage, "text/html; charset=utf-8", kDocsCsp);
          })
        .on_io_thread()
        .unlimited()
        .undocumented();

    r.get("/docs/{asset}",
          [shared](http::Request& req) {
              auto it = shared->find(std::string(req.param("asset")));
              if (it == shared->end()) throw http::not_found();
              return http::page(it->second, http::content_type_of(it->first), kDocsCsp, "public, max-age=86400");
          })
        .on_io_thread()
        .unlimited()
        .undocumented();
}

}  // namespace api
