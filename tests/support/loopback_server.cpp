#include "support/loopback_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <cctype>

namespace testing_support {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

struct LoopbackServer::Io {
    asio::io_context io;
    tcp::acceptor acceptor{io};
};

LoopbackServer::LoopbackServer(std::function<Reply(const Received&)> handler)
    : io_(std::make_unique<Io>()), handler_(std::move(handler)) {
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    io_->acceptor.open(ep.protocol());
    io_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    io_->acceptor.bind(ep);
    io_->acceptor.listen();
    port_ = io_->acceptor.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
}

LoopbackServer::~LoopbackServer() {
    stopping_ = true;
    try {  // wake the blocking accept
        asio::io_context io;
        tcp::socket poke(io);
        poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    } catch (const std::exception&) {
    }
    thread_.join();
}

void LoopbackServer::serve() {
    while (!stopping_) {
        tcp::socket socket(io_->io);
        boost::system::error_code ec;
        io_->acceptor.accept(socket, ec);
        if (ec || stopping_) continue;
        boost::beast::flat_buffer buffer;
        bhttp::request<bhttp::string_body> req;
        bhttp::read(socket, buffer, req, ec);
        if (ec) continue;
        Received in{std::string(req.method_string()), std::string(req.target()), {}, req.body()};
        for (const auto& h : req) {
            std::string name(h.name_string());
            for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            in.headers[name] = std::string(h.value());
        }
        Reply out = handler_(in);
        bhttp::response<bhttp::string_body> res;
        res.result(static_cast<unsigned>(out.status));
        res.version(11);
        res.keep_alive(false);
        res.set(bhttp::field::content_type, out.content_type);
        for (const auto& [k, v] : out.headers) res.set(k, v);
        res.body() = out.body;
        res.prepare_payload();
        bhttp::write(socket, res, ec);
        socket.shutdown(tcp::socket::shutdown_both, ec);
    }
}

}  // namespace testing_support
