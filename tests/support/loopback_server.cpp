#include "support/loopback_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <sys/socket.h>

#include <cctype>
#include <list>
#include <mutex>

namespace testing_support {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// One accepted connection, answered on its own thread.
struct LoopbackServer::Connection {
    tcp::socket socket;
    std::thread thread{};
    bool open = true;  // guarded by Io::mutex: false once its thread is done with the socket
};

struct LoopbackServer::Io {
    asio::io_context io;
    tcp::acceptor acceptor{io};
    std::mutex mutex;
    std::list<Connection> connections;

    // Joins the threads of connections already answered.
    void reap() {
        std::list<Connection> done;
        {
            std::lock_guard lock(mutex);
            for (auto it = connections.begin(); it != connections.end();) {
                auto next = std::next(it);
                if (!it->open) done.splice(done.end(), connections, it);
                it = next;
            }
        }
        for (auto& c : done) c.thread.join();
    }
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
    {  // a client may hold a connection open without sending anything (browsers do): end it
        std::lock_guard lock(io_->mutex);
        for (auto& c : io_->connections)
            if (c.open) ::shutdown(c.socket.native_handle(), SHUT_RDWR);
    }
    for (auto& c : io_->connections) c.thread.join();
}

void LoopbackServer::serve() {
    while (!stopping_) {
        tcp::socket socket(io_->io);
        boost::system::error_code ec;
        io_->acceptor.accept(socket, ec);
        io_->reap();
        if (ec || stopping_) continue;
        std::lock_guard lock(io_->mutex);
        auto& c = io_->connections.emplace_back(Connection{std::move(socket)});
        c.thread = std::thread([this, &c] { answer(c); });
    }
}

void LoopbackServer::answer(Connection& c) {
    boost::system::error_code ec;
    boost::beast::flat_buffer buffer;
    bhttp::request<bhttp::string_body> req;
    bhttp::read(c.socket, buffer, req, ec);
    if (!ec) {
        Received in{std::string(req.method_string()), std::string(req.target()), {}, req.body()};
        for (const auto& h : req) {
            std::string name(h.name_string());
            for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
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
        bhttp::write(c.socket, res, ec);
    }
    std::lock_guard lock(io_->mutex);
    c.socket.shutdown(tcp::socket::shutdown_both, ec);
    c.socket.close(ec);
    c.open = false;
}

}  // namespace testing_support
