#pragma once
// What the server is told (listen address, threads, limits, timeouts), apart from the server
// itself, so the settings and the rate limiter name it without Asio's io_context, sockets
// and thread pool in every file that includes them.
#include "http/client_ip.hpp"
#include "http/router.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace http {

struct ServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8000;  // 0: pick a free port (tests)
    int io_threads = 1;
    int worker_threads = 4;
    std::size_t max_body_bytes = 64 * 1024;
    std::size_t max_header_bytes = 16 * 1024;
    std::size_t max_queued_requests = 4096;
    std::chrono::milliseconds header_timeout{10'000};
    std::chrono::milliseconds idle_timeout{60'000};
    std::chrono::milliseconds write_timeout{30'000};
    std::chrono::milliseconds shutdown_timeout{10'000};
    // On SIGTERM/SIGINT, keep serving this long while `draining()` tells the readiness check
    // to fail, so a load balancer stops sending requests before the server stops accepting.
    std::chrono::milliseconds drain{0};
    std::vector<Cidr> trusted_proxies;
};

// A step for a matched request before the pipeline, on its io thread: it must not block
// (it awaits instead), and may leave a result in Request::early for a middleware.
using EarlyStep = std::function<boost::asio::awaitable<void>(Request&, const Route&)>;

}  // namespace http
