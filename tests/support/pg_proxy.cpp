#include "support/pg_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace testing_support {
namespace {

bool write_all(int fd, const char* p, std::size_t n) {
    while (n > 0) {
        ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) return false;
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

}  // namespace

NotificationDroppingProxy::NotificationDroppingProxy(std::string upstream_host, std::uint16_t upstream_port)
    : host_(std::move(upstream_host)), upstream_port_(upstream_port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 16) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
        throw std::runtime_error("proxy: cannot listen on 127.0.0.1");
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

NotificationDroppingProxy::~NotificationDroppingProxy() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    ::close(listen_fd_);
    {
        std::lock_guard lock(mutex_);
        for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : threads_) t.join();
    for (int fd : fds_) ::close(fd);
}

void NotificationDroppingProxy::accept_loop() {
    while (!stopping_) {
        int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) return;
        int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(upstream_port_);
        ::inet_pton(AF_INET, host_.c_str(), &a.sin_addr);
        if (::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            ::close(client);
            ::close(server);
            continue;
        }
        std::lock_guard lock(mutex_);
        fds_.push_back(client);
        fds_.push_back(server);
        threads_.emplace_back([this, client, server] { pipe(client, server, false); });
        threads_.emplace_back([this, client, server] { pipe(server, client, true); });
    }
}

// Client to server: bytes as they come. Server to client: whole messages (a type byte and
// a big-endian length that counts itself), minus NotificationResponse.
void NotificationDroppingProxy::pipe(int from, int to, bool server_side) {
    std::string pending;
    char buf[16384];
    while (true) {
        ssize_t n = ::recv(from, buf, sizeof buf, 0);
        if (n <= 0) break;
        if (!server_side) {
            if (!write_all(to, buf, static_cast<std::size_t>(n))) break;
            continue;
        }
        pending.append(buf, static_cast<std::size_t>(n));
        std::size_t at = 0;
        while (pending.size() - at >= 5) {
            std::uint32_t len = 0;
            std::memcpy(&len, pending.data() + at + 1, 4);
            const std::size_t whole = 1 + ntohl(len);
            if (pending.size() - at < whole) break;
            if (pending[at] == 'A')
                ++dropped_;
            else if (!write_all(to, pending.data() + at, whole))
                return;
            at += whole;
        }
        pending.erase(0, at);
    }
    ::shutdown(to, SHUT_WR);
}

}  // namespace testing_support
