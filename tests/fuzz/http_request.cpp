// Raw bytes from the network through the same steps as http::Server: Beast's parser with
// our header and body limits, the request view handlers see (target, query, headers,
// client IP behind a trusted proxy), routing, and the standard middleware down to
// handlers that read path parameters, query parameters and JSON bodies.
#include "http/client_ip.hpp"
#include "http/errors.hpp"
#include "http/json_body.hpp"
#include "http/middleware.hpp"
#include "http/pipeline.hpp"
#include "http/router.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include <cstddef>
#include <cstdint>

namespace {

struct Fixture {
    http::Router router;
    http::Pipeline pipeline;
    std::vector<http::Cidr> trusted{*http::Cidr::parse("10.0.0.0/8")};

    Fixture() {
        router.post("/api/auth/login", [](http::Request& req) {
            http::FieldReader in(http::parse_json_object(req.body()));
            auto login = in.required_string("login", 1024);
            auto password = in.required_string("password", 1024);
            auto remember = in.optional_bool("remember_session");
            in.finish();
            return http::json(200, {{"n", login.size() + password.size() + (remember ? 1 : 0)}});
        });
        router.get("/api/users/{user_id}", [](http::Request& req) {
            auto redirect = req.query_param("redirect_to");
            return http::json(200, {{"id", req.param("user_id")}, {"r", redirect.value_or("")}});
        });
        router.del("/api/auth/sessions/{session_id}", [](http::Request& req) {
            if (req.param("session_id").empty()) throw http::not_found();
            return http::no_content();
        });
        pipeline.use(http::request_id());
        pipeline.use(http::security_headers({}));
        pipeline.use(http::cors({"https://app.example.com"}));
        pipeline.use(http::error_mapping({}));
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Fixture f;
    namespace bhttp = boost::beast::http;
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(64 * 1024);
    parser.eager(true);
    boost::system::error_code ec;
    parser.put(boost::asio::buffer(data, size), ec);
    if (!ec && !parser.is_done()) parser.put_eof(ec);

    std::optional<http::Error> rejected;
    if (ec == bhttp::error::body_limit)
        rejected = http::payload_too_large(64 * 1024);
    else if (ec == bhttp::error::header_limit)
        rejected = http::Error(431, "malformed_request", "too large");
    else if (ec)
        rejected = http::malformed_request("Malformed HTTP request");
    else if (auto problem = http::framing_problem(parser.get()))
        rejected = http::malformed_request(*problem);

    http::RawRequest unparsed;
    http::RawRequest& raw = ec ? unparsed : parser.get();
    http::Request req(raw);
    req.received_at = std::chrono::steady_clock::now();
    req.bind_target();
    req.peer = boost::asio::ip::make_address("10.1.2.3");
    req.client = http::client_ip(req.peer, req.header("X-Forwarded-For"), f.trusted);
    http::Dispatch d;
    d.rejected = std::move(rejected);
    if (!d.rejected) d.match = f.router.match(req.method, req.path);
    auto res = f.pipeline.handle(req, d);
    res.prepare_payload();
    return 0;
}
