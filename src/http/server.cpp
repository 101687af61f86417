#include "http/server.hpp"

#include "http/middleware.hpp"
#include "observe/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using asio::use_awaitable;
constexpr auto as_tuple_awaitable = asio::as_tuple(use_awaitable);

// Timeouts are deadlines a sweep checks (Server::sweep), not a timer armed and cancelled
// around every read and write: those cost ~9% of a small answer's CPU (bench/RESULTS.md,
// twelfth session). A connection whose deadline passed is closed, which ends its pending
// read or write with an error, as a timer would.
struct Server::Connection {
    explicit Connection(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    std::atomic<bool> busy{false};
    // steady_clock ticks; 0: no deadline (the request is being handled).
    std::atomic<std::chrono::steady_clock::rep> deadline{0};

    void expires_after(std::chrono::steady_clock::duration d) {
        deadline.store((std::chrono::steady_clock::now() + d).time_since_epoch().count(), std::memory_order_relaxed);
    }
    void expires_never() { deadline.store(0, std::memory_order_relaxed); }
};

namespace {

// Runs `f` on the worker pool and resumes the coroutine on its own executor with the
// result (or rethrows what `f` threw). The io thread is free while `f` runs.
template <class F>
asio::awaitable<Response> run_on_pool(asio::thread_pool& pool, asio::io_context& io, F f) {
    auto ex = co_await asio::this_coro::executor;
    // A named initiation, not a temporary in the co_await expression (see accept_loop).
    auto initiation = [&pool, &io, ex](auto handler, F fn) {
        // Keeps io_context::run() going while the coroutine waits on the pool.
        auto work = asio::make_work_guard(io);
        asio::post(pool, [handler = std::move(handler), fn = std::move(fn), work = std::move(work), ex]() mutable {
            std::exception_ptr error;
            Response res;
            try {
                res = fn();
            } catch (...) {
                error = std::current_exception();
            }
            asio::post(ex, [handler = std::move(handler), error, res = std::move(res)]() mutable {
                std::move(handler)(error, std::move(res));
            });
        });
    };
    co_return co_await asio::async_initiate<decltype(use_awaitable), void(std::exception_ptr, Response)>(
        initiation, use_awaitable, std::move(f));
}

bool is_disconnect(const boost::system::error_code& ec) {
    return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == asio::error::operation_aborted || ec == beast::error::timeout || ec == asio::error::broken_pipe ||
           ec == asio::error::bad_descriptor;
}

// Half-close, then read what the client still sends for a moment, so it sees our answer
// (e.g. a 413) instead of a reset caused by unread data.
asio::awaitable<void> linger_close(Server::Connection& conn) {
    boost::system::error_code ec;
    conn.socket.shutdown(tcp::socket::shutdown_send, ec);
    std::array<char, 8192> sink{};
    std::size_t drained = 0;
    conn.expires_after(std::chrono::milliseconds(500));
    while (!ec && drained < 1024 * 1024) {
        auto [e, n] = co_await conn.socket.async_read_some(asio::buffer(sink), as_tuple_awaitable);
        ec = e;
        drained += n;
    }
    conn.socket.close(ec);
}

// The response's bytes in one buffer, as Beast's serializer would write them: one send of
// one buffer instead of a buffer sequence of four pieces a header field, which cost ~10% of
// a small answer's CPU (bench/RESULTS.md, twelfth session).
void serialize(const Response& res, std::string& out) {
    out.clear();
    const unsigned version = res.version();
    const unsigned status = res.result_int();
    const char head[] = {'H',
                         'T',
                         'T',
                         'P',
                         '/',
                         static_cast<char>('0' + version / 10),
                         '.',
                         static_cast<char>('0' + version % 10),
                         ' ',
                         static_cast<char>('0' + status / 100 % 10),
                         static_cast<char>('0' + status / 10 % 10),
                         static_cast<char>('0' + status % 10),
                         ' '};
    out.append(head, sizeof head);
    out.append(res.reason());
    out.append("\r\n");
    for (const auto& field : res) {
        out.append(field.name_string());
        out.append(": ");
        out.append(field.value());
        out.append("\r\n");
    }
    out.append("\r\n");
    out.append(res.body());
}

}  // namespace

Server::Server(ServerOptions options, const Router& router, const Pipeline& pipeline)
    : options_(std::move(options)),
      router_(router),
      pipeline_(pipeline),
      io_(options_.io_threads),
      sweep_timer_(asio::make_strand(io_)),
      workers_(static_cast<std::size_t>(options_.worker_threads)) {}

Server::~Server() {
    stop();
    join();
}

void Server::listen() {
    if (acceptor_) return;
    auto host = options_.host == "localhost" ? std::string("127.0.0.1") : options_.host;
    tcp::endpoint endpoint(asio::ip::make_address(host), options_.port);
    auto acceptor = std::make_unique<tcp::acceptor>(io_);
    acceptor->open(endpoint.protocol());
    acceptor->set_option(asio::socket_base::reuse_address(true));
    acceptor->bind(endpoint);
    acceptor->listen(asio::socket_base::max_listen_connections);
    bound_port_ = acceptor->local_endpoint().port();
    acceptor_ = std::move(acceptor);
}

void Server::stop_on_signals() {
    signals_ = std::make_unique<asio::signal_set>(io_, SIGINT, SIGTERM);
    signals_->async_wait([this](const boost::system::error_code& ec, int signo) { on_stop_signal(ec, signo); });
}

void Server::on_stop_signal(const boost::system::error_code& ec, int signo) {
    if (ec) return;
    if (options_.drain.count() > 0 && !draining_.exchange(true)) {
        observe::info("server.draining", {{"signal", signo}, {"drain_ms", static_cast<std::int64_t>(options_.drain.count())}});
        drain_timer_ = std::make_unique<asio::steady_timer>(io_, options_.drain);
        drain_timer_->async_wait([this](const boost::system::error_code& e) {
            if (e) return;
            observe::info("server.stopping", {{"after", "drain"}});
            stop();
        });
        // A second signal does not wait for the drain.
        signals_->async_wait([this](const boost::system::error_code& e, int n) { on_stop_signal(e, n); });
        return;
    }
    observe::info("server.stopping", {{"signal", signo}});
    stop();
}

// A signal that may arrive many times: the handler runs, then the wait is re-armed.
struct Server::SignalWatch {
    SignalWatch(asio::io_context& io, int signo, std::function<void()> h) : set(io, signo), handler(std::move(h)) {}
    void arm() {
        set.async_wait([this](const boost::system::error_code& ec, int) {
            if (ec) return;  // cancelled by stop()
            handler();
            arm();
        });
    }
    asio::signal_set set;
    std::function<void()> handler;
};

void Server::on_signal(int signo, std::function<void()> handler) {
    extra_signals_.push_back(std::make_unique<SignalWatch>(io_, signo, std::move(handler)));
    extra_signals_.back()->arm();
}

void Server::start() {
    listen();
    asio::co_spawn(io_, accept_loop(), [](const std::exception_ptr& e) {
        if (e) std::rethrow_exception(e);
    });
    sweep();
    for (int i = 0; i < options_.io_threads; ++i) threads_.emplace_back([this] { io_.run(); });
}

// Closes each connection whose deadline has passed, every kSweepInterval; ends once the
// server is stopping and its last connection has closed.
void Server::sweep() {
    sweep_timer_.expires_after(kSweepInterval);
    sweep_timer_.async_wait([this](const boost::system::error_code& e) {
        if (e) return;
        const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
        std::lock_guard lock(connections_mutex_);
        if (stopping_ && connections_.empty()) return;
        for (auto& [raw, weak] : connections_) {
            auto c = weak.lock();
            const auto at = c ? c->deadline.load(std::memory_order_relaxed) : 0;
            if (at == 0 || at > now) continue;
            asio::post(c->socket.get_executor(), [c, at] {
                if (c->deadline.load(std::memory_order_relaxed) != at) return;  // it has moved on since
                boost::system::error_code ignored;
                c->socket.close(ignored);
            });
        }
        sweep();
    });
}

void Server::run() {
    start();
    join();
}

void Server::join() {
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
    workers_.join();
}

void Server::stop() {
    asio::post(io_, [this] {
        if (stopping_.exchange(true)) return;
        boost::system::error_code ec;
        if (acceptor_) acceptor_->close(ec);
        if (signals_) signals_->cancel(ec);
        if (drain_timer_) drain_timer_->cancel();
        for (auto& s : extra_signals_) s->set.cancel(ec);
        std::lock_guard lock(connections_mutex_);
        // Idle keep-alive connections are closed now; busy ones finish their request first.
        for (auto& [raw, weak] : connections_)
            if (auto c = weak.lock())
                asio::post(c->socket.get_executor(), [c] {
                    boost::system::error_code ignored;
                    if (!c->busy) c->socket.cancel(ignored);
                });
        if (connections_.empty()) {
            asio::post(sweep_timer_.get_executor(), [this] { sweep_timer_.cancel(); });
            return;
        }
        // Created under the lock, so the last connection_closed() always sees it.
        shutdown_deadline_ = std::make_unique<asio::steady_timer>(io_, options_.shutdown_timeout);
        shutdown_deadline_->async_wait([this](const boost::system::error_code& e) {
            if (e) return;  // everything finished in time
            observe::warn("server.shutdown_timeout",
                          {{"timeout_ms", static_cast<std::int64_t>(options_.shutdown_timeout.count())}});
            force_close_all();
            io_.stop();
        });
    });
}

void Server::force_close_all() {
    std::lock_guard lock(connections_mutex_);
    for (auto& [raw, weak] : connections_)
        if (auto c = weak.lock())
            asio::post(c->socket.get_executor(), [c] {
                boost::system::error_code ignored;
                c->socket.close(ignored);
            });
}

void Server::connection_closed(Connection* c) {
    std::lock_guard lock(connections_mutex_);
    connections_.erase(c);
    if (connections_.empty() && shutdown_deadline_) {
        auto* timer = shutdown_deadline_.get();
        asio::post(io_, [timer] { timer->cancel(); });
        asio::post(sweep_timer_.get_executor(), [this] { sweep_timer_.cancel(); });
    }
}

asio::awaitable<void> Server::accept_loop() {
    while (!stopping_) {
        // Named, not a temporary: GCC 12 destroys non-trivial temporaries of a co_await
        // expression twice, which corrupts the strand's reference count.
        auto strand = asio::make_strand(io_);
        auto [ec, socket] = co_await acceptor_->async_accept(strand, as_tuple_awaitable);
        if (ec) {
            if (ec == asio::error::operation_aborted || stopping_) co_return;
            observe::warn("server.accept_failed", {{"error", ec.message()}});
            // Out of file descriptors and similar: back off instead of spinning.
            asio::steady_timer pause(io_, std::chrono::milliseconds(50));
            co_await pause.async_wait(as_tuple_awaitable);
            continue;
        }
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        auto conn = std::make_shared<Connection>(std::move(socket));
        {
            std::lock_guard lock(connections_mutex_);
            connections_.emplace(conn.get(), conn);
        }
        asio::co_spawn(conn->socket.get_executor(), serve(conn), [](const std::exception_ptr& e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                observe::error("server.connection_failed", {{"exception", ex.what()}});
            }
        });
    }
}

asio::awaitable<Response> Server::dispatch(Request& req, Dispatch& d) {
    bool inline_ok = d.rejected || !d.match.route || d.match.route->runs_on_io_thread;
    if (!inline_ok && queued_.load(std::memory_order_relaxed) >= options_.max_queued_requests)
        d.rejected = unavailable("The server is overloaded, try again shortly");
    if (d.rejected) co_return pipeline_.handle(req, d);
    if (early_ && d.match.route) co_await early_(req, *d.match.route);
    if (!inline_ok && d.match.route->ready_on_io_thread) {
        try {
            inline_ok = d.match.route->ready_on_io_thread(req);
        } catch (const std::exception&) {  // not ready: the handler, on a worker, answers as it would have
            req.prepared.reset();
        }
    }
    if (inline_ok) co_return pipeline_.handle(req, d);
    queued_.fetch_add(1, std::memory_order_relaxed);
    struct Dec {
        std::atomic<std::size_t>& q;
        ~Dec() { q.fetch_sub(1, std::memory_order_relaxed); }
    } dec{queued_};
    co_return co_await run_on_pool(workers_, io_, [this, &req, &d] { return pipeline_.handle(req, d); });
}

asio::awaitable<void> Server::serve(std::shared_ptr<Connection> conn) {
    auto& stream = conn->socket;
    beast::flat_buffer buffer;
    std::string wire;  // the answer's bytes, its capacity kept for the next one
    boost::system::error_code ec;
    const auto peer = stream.remote_endpoint(ec);
    bool linger = false;

    while (!stopping_) {
        if (buffer.size() == 0) {
            // Waiting for the next request on a keep-alive connection.
            conn->expires_after(options_.idle_timeout);
            auto [e, n] = co_await stream.async_read_some(buffer.prepare(4096), as_tuple_awaitable);
            if (e) break;
            buffer.commit(n);
        }
        conn->busy = true;
        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
        parser.body_limit(options_.max_body_bytes);
        // Headers and body must both arrive within the header timeout (slowloris).
        conn->expires_after(options_.header_timeout);
        std::optional<Error> rejected;
        auto [he, hn] = co_await bhttp::async_read_header(stream, buffer, parser, as_tuple_awaitable);
        if (he && is_disconnect(he)) break;
        // A head we cannot frame safely: answered without reading its body, then the
        // connection closes, so nothing after it is read as another request.
        std::optional<std::string> unframeable;
        if (!he) unframeable = framing_problem(parser.get());
        if (unframeable) rejected = malformed_request(*unframeable);
        if (!he && !unframeable && !parser.is_done()) {
            if (beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
                bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, parser.get().version()};
                auto [ce, cn] = co_await bhttp::async_write(stream, cont, as_tuple_awaitable);
                if (ce) break;
            }
            auto [be, bn] = co_await bhttp::async_read(stream, buffer, parser, as_tuple_awaitable);
            if (be && is_disconnect(be)) break;
            he = be;
        }
        if (he == bhttp::error::body_limit)
            rejected = payload_too_large(options_.max_body_bytes);
        else if (he == bhttp::error::header_limit)
            rejected = Error(431, "malformed_request", "The request headers are too large");
        else if (he)
            rejected = malformed_request("Malformed HTTP request");

        conn->expires_never();  // handling takes what it takes; the write has its own deadline
        RawRequest unparsed;
        RawRequest& raw = he ? unparsed : parser.get();
        Request req(raw);
        req.received_at = std::chrono::steady_clock::now();
        req.bind_target();
        req.peer = peer.address();
        req.client = client_ip(req.peer, req.header_list("X-Forwarded-For"), options_.trusted_proxies);

        Dispatch d;
        d.rejected = std::move(rejected);
        if (!d.rejected) d.match = router_.match(req.method, req.path);

        Response res;
        try {
            res = co_await dispatch(req, d);
        } catch (const std::exception& e) {
            observe::error("server.pipeline_failed", {{"exception", e.what()}});
            res = error_response(Error(500, "unexpected", "An unexpected error occurred"));
        }
        const bool keep_alive = !he && !unframeable && raw.keep_alive() && !stopping_;
        res.version(he ? 11 : raw.version());
        res.keep_alive(keep_alive);
        res.prepare_payload();
        if (req.method == "HEAD") {
            auto length = res.body().size();
            res.body().clear();
            res.content_length(length);
        }
        conn->expires_after(options_.write_timeout);
        serialize(res, wire);
        auto [we, wn] = co_await asio::async_write(stream, asio::buffer(wire), as_tuple_awaitable);
        conn->busy = false;
        if (we) break;
        if (!keep_alive) {
            linger = true;
            break;
        }
    }
    if (linger)
        co_await linger_close(*conn);
    else
        stream.close(ec);
    connection_closed(conn.get());
}

}  // namespace http
