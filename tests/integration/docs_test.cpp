// The API's own documentation: the OpenAPI document lists every route the router serves
// and passes a real validator; Swagger UI at /docs renders those operations in a real
// (headless) Chromium.
#include "support/accounts_fixture.hpp"
#include "support/process.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace testing_support;

namespace {

class Docs : public AccountsFixture {
protected:
    void SetUp() override {
        // The document, Swagger UI and the reference are the same whatever the database.
        if (requested_db() == TestDb::postgres) GTEST_SKIP() << "the same on every database: the SQLite pass runs it";
        AccountsFixture::SetUp();
    }
    void configure(config::Settings& s) override {
        if (auto dir = env_or_empty("STARTER_TEST_SWAGGER_UI"); !dir.empty()) s.swagger_ui_dir = dir;
    }
    boost::json::object document() {
        auto r = client_->get("/api/openapi.json");
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.header("content-type"), "application/json");
        return r.json().as_object();
    }
};

TEST_F(Docs, EveryRouteTheRouterServesIsInTheDocument) {
    auto doc = document();
    const auto& paths = doc.at("paths").as_object();
    std::size_t documented = 0;
    for (const auto& route : server_->app().router().routes()) {
        if (route->doc.hidden) continue;
        std::string method;
        for (char c : route->method) method += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        SCOPED_TRACE(route->method + " " + route->pattern);
        ASSERT_TRUE(paths.contains(route->pattern));
        ASSERT_TRUE(paths.at(route->pattern).as_object().contains(method));
        const auto& op = paths.at(route->pattern).at(method).as_object();
        EXPECT_FALSE(op.at("summary").as_string().empty());
        EXPECT_TRUE(op.at("responses").as_object().contains("500"));
        if (route->doc.authenticated) {
            EXPECT_TRUE(op.contains("security"));
            EXPECT_TRUE(op.at("responses").as_object().contains("401"));
        }
        if (!route->limit_text.empty()) {
            EXPECT_EQ(op.at("x-rate-limit").as_string(), route->limit_text);
        }
        ++documented;
    }
    std::size_t operations = 0;
    for (const auto& [path, item] : paths) operations += item.as_object().size();
    EXPECT_EQ(operations, documented) << "the document lists nothing the router does not serve";
    EXPECT_GE(documented, 20u);
    EXPECT_EQ(doc.at("openapi").as_string(), "3.1.0");
    // The contract's examples are there for readers.
    EXPECT_TRUE(doc.at("components").at("schemas").at("LoginRequest").as_object().contains("example"));
}

TEST_F(Docs, TheDocumentPassesSwaggerParser) {
    const auto tools = env_or_empty("STARTER_TEST_NODE_TOOLS");
    if (tools.empty()) GTEST_SKIP() << "STARTER_TEST_NODE_TOOLS is not set (scripts/test sets it)";
    auto file = artifacts_dir() / "openapi.json";
    std::ofstream(file) << boost::json::serialize(document());
    const auto out = artifacts_dir() / "openapi-validation.txt";
    const std::string cmd = "NODE_PATH='" + tools + "' node '" + STARTER_SOURCE_DIR + "/tests/support/validate_openapi.js' '" +
                            file.string() + "' > '" + out.string() + "' 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << read_file(out);
    EXPECT_NE(read_file(out).find("valid: "), std::string::npos) << read_file(out);
}

TEST_F(Docs, SwaggerUiShowsTheOperationsInHeadlessChromium) {
    const auto chromium = env_or_empty("STARTER_TEST_CHROMIUM");
    if (chromium.empty()) GTEST_SKIP() << "STARTER_TEST_CHROMIUM is not set (scripts/test sets it)";
    auto page = client_->get("/docs");
    ASSERT_EQ(page.status, 200) << page.body;
    EXPECT_NE(page.header("content-security-policy").find("script-src 'self'"), std::string::npos);
    ASSERT_EQ(client_->get("/docs/swagger-ui-bundle.js").status, 200);

    const std::string url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/docs";
    const std::string flags =
        " --headless --no-sandbox --disable-gpu --disable-background-networking --disable-dev-shm-usage"
        " --no-first-run --virtual-time-budget=15000 --user-data-dir='" +
        (artifacts_dir() / "chromium-profile").string() + "'";
    const auto dom = artifacts_dir() / "swagger-ui-dom.html";
    const auto shot = artifacts_dir() / "swagger-ui.png";
    std::filesystem::remove(shot);
    ASSERT_EQ(
        std::system(("timeout 120 '" + chromium + "'" + flags + " --dump-dom '" + url + "' > '" + dom.string() + "' 2>/dev/null")
                        .c_str()),
        0);
    const auto html = read_file(dom);
    // Swagger UI fetched /api/openapi.json and rendered one block per operation.
    for (const char* path : {"/api/auth/login", "/api/users/@me", "/api/oauth/token", "/api/health"})
        EXPECT_NE(html.find("data-path=\"" + std::string(path) + "\""), std::string::npos) << path;
    EXPECT_EQ(html.find("Failed to load API definition"), std::string::npos);

    ASSERT_EQ(std::system(("timeout 120 '" + chromium + "'" + flags + " --window-size=1280,2400 --screenshot='" + shot.string() +
                           "' '" + url + "' > /dev/null 2>&1")
                              .c_str()),
              0);
    EXPECT_GT(std::filesystem::file_size(shot), 20'000u) << "screenshot saved at " << shot;
}

TEST_F(Docs, AssetsAreServedAndUnknownOnesAre404) {
    if (env_or_empty("STARTER_TEST_SWAGGER_UI").empty()) GTEST_SKIP() << "STARTER_TEST_SWAGGER_UI is not set";
    auto css = client_->get("/docs/swagger-ui.css");
    EXPECT_EQ(css.status, 200);
    EXPECT_EQ(css.header("content-type"), "text/css; charset=utf-8");
    EXPECT_EQ(client_->get("/docs/init.js").status, 200);
    EXPECT_EQ(client_->get("/docs/..%2F..%2Fetc%2Fpasswd").status, 404);
    EXPECT_EQ(client_->get("/docs/package.json").status, 404);
}

class DocsWithoutAssets : public AccountsFixture {
protected:
    void configure(config::Settings& s) override { s.swagger_ui_dir = "/nonexistent/swagger-ui"; }
};

TEST_F(DocsWithoutAssets, DocsSaysHowToInstallThemAndTheDocumentStillServes) {
    auto r = client_->get("/docs");
    EXPECT_EQ(r.status, 404);
    EXPECT_NE(r.json().at("message").as_string().find("fetch-web-assets"), std::string::npos);
    EXPECT_EQ(client_->get("/api/openapi.json").status, 200);
}

}  // namespace

namespace {

// docs/api.md is `starter openapi --markdown`: the reference a clone reads is the one the
// code declares, and `starter openapi` prints the very document the server serves.
TEST_F(Docs, TheApiReferenceInDocsIsCurrentAndTheCommandPrintsTheServedDocument) {
    auto [rc, markdown] = run_command({starter_binary(), "openapi", "--markdown"}, {});
    ASSERT_EQ(rc, 0) << markdown;
    std::istringstream file(read_file(std::filesystem::path(STARTER_SOURCE_DIR) / "docs" / "api.md")), made(markdown);
    std::string file_line, made_line;
    for (int line = 1;; ++line) {
        const bool in_file = static_cast<bool>(std::getline(file, file_line));
        const bool in_made = static_cast<bool>(std::getline(made, made_line));
        if (!in_file && !in_made) break;
        ASSERT_EQ(in_file ? file_line : "<end of file>", in_made ? made_line : "<end>")
            << "docs/api.md line " << line << " is not current; regenerate it: ./build/starter openapi --markdown > docs/api.md";
    }
    for (const char* code : {"invalid_credentials", "reauthentication_required", "rate_limited"})
        EXPECT_NE(markdown.find(std::string("| `") + code + "` |"), std::string::npos) << code;
    EXPECT_NE(markdown.find("| `new-login-device` |"), std::string::npos);

    auto [json_rc, printed] = run_command({starter_binary(), "openapi"}, {});
    ASSERT_EQ(json_rc, 0) << printed;
    auto served = document();
    auto cli = boost::json::parse(printed).as_object();
    EXPECT_EQ(cli.at("paths"), served.at("paths"));
    EXPECT_EQ(cli.at("components"), served.at("components"));
}

}  // namespace
