#pragma once
// The network side: accepts connections, parses HTTP/1.1 with Beast, runs the pipeline
// (on the worker pool unless the route is io-thread safe) and writes the answer.
// It knows nothing about what a request means.
#include "http/pipeline.hpp"
#include "http/router.hpp"
#include "http/server_options.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace http {

class Server {
public:
    Server(ServerOptions options, const Router& router, const Pipeline& pipeline);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and listens; throws std::system_error when the address is taken.
    void listen();
    std::uint16_t port() const { return bound_port_; }
    // Runs the io threads until shutdown completes. Calls `listen()` first if needed.
    void run();
    // Starts io threads in the background and returns (tests, embedded use).
    void start();
    // Graceful stop: stop accepting, close idle connections, let in-flight requests finish
    // within shutdown_timeout, then force-close. Safe from any thread or a signal handler's post.
    void stop();
    // Waits for `start()`ed threads to finish.
    void join();
    // Makes SIGINT/SIGTERM drain (options.drain), then call stop(); a second signal stops
    // at once.
    void stop_on_signals();
    // A stop signal came and the server is serving out its drain period.
    bool draining() const { return draining_; }
    // Runs `step` for every request that matched a route, before the pipeline; set before start().
    void run_first(EarlyStep step) { early_ = std::move(step); }
    // Runs `handler` on an io thread each time `signo` arrives (e.g. SIGHUP to reload data).
    void on_signal(int signo, std::function<void()> handler);

    struct Connection;

private:
    boost::asio::awaitable<void> accept_loop();
    boost::asio::awaitable<void> serve(std::shared_ptr<Connection> conn);
    boost::asio::awaitable<Response> dispatch(Request& req, Dispatch& d);
    void connection_closed(Connection* c);
    void on_stop_signal(const boost::system::error_code& ec, int signo);
    void force_close_all();
    void sweep();
    static constexpr std::chrono::milliseconds kSweepInterval{250};

    ServerOptions options_;
    const Router& router_;
    const Pipeline& pipeline_;
    EarlyStep early_;
    boost::asio::io_context io_;
    boost::asio::steady_timer sweep_timer_;  // on a strand of io_ (Server::sweep)
    boost::asio::thread_pool workers_;
    std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
    std::unique_ptr<boost::asio::steady_timer> shutdown_deadline_;
    std::unique_ptr<boost::asio::steady_timer> drain_timer_;
    std::atomic<bool> draining_{false};
    std::unique_ptr<boost::asio::signal_set> signals_;
    struct SignalWatch;
    std::vector<std::unique_ptr<SignalWatch>> extra_signals_;
    std::uint16_t bound_port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<std::size_t> queued_{0};
    std::mutex connections_mutex_;
    std::unordered_map<Connection*, std::weak_ptr<Connection>> connections_;
    std::vector<std::thread> threads_;
};

}  // namespace http
