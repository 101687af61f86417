#include "support/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>

#include <poll.h>

#include <cctype>

namespace testing_support {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

boost::json::value HttpResponse::json() const { return boost::json::parse(body); }

std::string HttpResponse::header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
}

struct HttpClient::Impl {
    asio::io_context io;
    tcp::socket socket{io};
    boost::beast::flat_buffer buffer;
    tcp::endpoint endpoint;
    bool connected = false;

    void ensure_connected() {
        if (connected) return;
        socket = tcp::socket(io);
        socket.connect(endpoint);
        buffer.clear();
        connected = true;
    }
};

HttpClient::HttpClient(std::uint16_t port, std::string host) : impl_(std::make_unique<Impl>()) {
    impl_->endpoint = tcp::endpoint(asio::ip::make_address(host), port);
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::request(const std::string& method, const std::string& target, const std::string& body,
                                 const std::vector<std::pair<std::string, std::string>>& headers) {
    impl_->ensure_connected();
    bhttp::request<bhttp::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    for (const auto& [k, v] : headers) req.insert(k, v);  // a name given twice is sent twice
    if (req.find(bhttp::field::host) == req.end()) req.set(bhttp::field::host, "127.0.0.1");
    req.body() = body;
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") req.prepare_payload();
    bhttp::write(impl_->socket, req);

    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.skip(method == "HEAD");
    bhttp::read(impl_->socket, impl_->buffer, parser);
    auto& res = parser.get();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res) {
        std::string name(f.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (name == "set-cookie") out.set_cookies.emplace_back(f.value());
        out.headers.emplace(name, std::string(f.value()));
    }
    out.body = res.body();
    out.keep_alive = res.keep_alive();
    if (!out.keep_alive) {
        boost::system::error_code ec;
        impl_->socket.close(ec);
        impl_->connected = false;
    }
    return out;
}

HttpResponse HttpClient::post_json(const std::string& target, const std::string& body,
                                   const std::vector<std::pair<std::string, std::string>>& headers) {
    auto all = headers;
    all.emplace_back("Content-Type", "application/json");
    return request("POST", target, body, all);
}

RawExchange raw_exchange(std::uint16_t port, const std::string& bytes, std::chrono::milliseconds timeout) {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    RawExchange out;
    auto start = std::chrono::steady_clock::now();
    boost::system::error_code ec;
    asio::write(socket, asio::buffer(bytes), ec);
    const int fd = socket.native_handle();
    char buf[4096];
    while (true) {
        auto left = timeout - std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
        if (left.count() <= 0) break;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
        auto n = socket.read_some(asio::buffer(buf), ec);
        if (ec) {
            out.closed = true;
            break;
        }
        out.received.append(buf, n);
    }
    out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    return out;
}

}  // namespace testing_support
