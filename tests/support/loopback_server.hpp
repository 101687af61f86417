#pragma once
// A tiny HTTP/1.1 server on 127.0.0.1 for fakes of outside services (OAuth providers,
// Sentry): one request per connection, each connection answered on a thread of its own
// (a browser may keep an idle connection open beside the one it uses), so the handler
// must be safe to call concurrently.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace testing_support {

struct Received {
    std::string method;
    std::string target;                          // path and query
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
};

struct Reply {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers{};
    std::string content_type = "application/json";
};

class LoopbackServer {
public:
    explicit LoopbackServer(std::function<Reply(const Received&)> handler);
    ~LoopbackServer();
    std::uint16_t port() const { return port_; }
    // True once the server is shutting down: long handlers should return.
    bool stopping() const { return stopping_; }

private:
    struct Connection;
    void serve();
    void answer(Connection& c);
    struct Io;
    std::unique_ptr<Io> io_;
    std::function<Reply(const Received&)> handler_;
    std::uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace testing_support
