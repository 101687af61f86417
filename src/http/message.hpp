#pragma once
// The request and response types handlers see; the network layer never leaks into them.
#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/value.hpp>

#include <any>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace http {

using RawRequest = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

struct Route;

struct Request {
    explicit Request(RawRequest& r) : raw(r) {}

    RawRequest& raw;
    std::string_view method;  // as sent, e.g. "GET"
    std::string_view path;    // without the query string
    std::string_view query;   // after '?', possibly empty
    boost::asio::ip::address peer;
    boost::asio::ip::address client;  // peer or trusted X-Forwarded-For
    std::string request_id;
    std::chrono::steady_clock::time_point received_at;
    const Route* route = nullptr;  // null when nothing matched
    std::vector<std::pair<std::string_view, std::string_view>> params;
    // Set once the caller is authenticated, for logs and error reports.
    mutable std::string user_id;
    // What the server's early step (Server::run_first) left for a middleware, or empty.
    std::any early;
    // What the route's ready_on_io_thread check found for its handler, or empty.
    std::any prepared;

    // Sets method, path and query from the raw request line.
    void bind_target();

    std::string_view header(std::string_view name) const;
    // Every line of a list header (X-Forwarded-For), in order, as one comma-separated list:
    // a proxy may append its own line rather than extend the client's.
    std::string header_list(std::string_view name) const;
    std::string_view param(std::string_view name) const;
    // A decoded query parameter, or nullopt when absent.
    std::optional<std::string> query_param(std::string_view name) const;
    std::string_view body() const { return raw.body(); }
};

// A JSON response with the given status.
Response json(int status, const boost::json::value& body);
Response no_content();
// A 200 page or asset (/docs, /account, /dev/mail) with its own Content-Security-Policy and
// caching; `type` from content_type_of() or given.
Response page(std::string body, std::string_view type, std::string_view csp, std::string_view cache = "no-cache");
// The Content-Type of a served file, by its name's extension (.html .css .js .png).
std::string_view content_type_of(std::string_view name);

// Why a parsed request head cannot be framed or routed safely (RFC 9112 §6.1, §6.3,
// §3.2), or nullopt: a Transfer-Encoding other than exactly `chunked`, any
// Transfer-Encoding in HTTP/1.0, no Host in HTTP/1.1, more than one Host. The server
// answers such a request 400 without reading its body and closes the connection.
std::optional<std::string> framing_problem(const RawRequest& head);

// Decodes %XX and '+' in a URL query component; nullopt on a malformed escape.
std::optional<std::string> url_decode(std::string_view in);

}  // namespace http
