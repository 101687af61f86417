#pragma once
// A TCP proxy on 127.0.0.1 in front of a PostgreSQL server that passes every message but
// the server's NotificationResponse ('A'): what a connection pooler in transaction mode
// does to LISTEN (the LISTEN is accepted, the notifications never arrive). Clients must
// connect with sslmode=disable (the proxy reads the server's messages).
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace testing_support {

class NotificationDroppingProxy {
public:
    NotificationDroppingProxy(std::string upstream_host, std::uint16_t upstream_port);
    ~NotificationDroppingProxy();
    std::uint16_t port() const { return port_; }
    std::uint64_t dropped() const { return dropped_.load(); }

private:
    void accept_loop();
    void pipe(int from, int to, bool server_side);

    std::string host_;
    std::uint16_t upstream_port_;
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<std::uint64_t> dropped_{0};
    std::mutex mutex_;
    std::vector<int> fds_;
    std::vector<std::thread> threads_;
    std::thread acceptor_;
};

}  // namespace testing_support
