#pragma once
// PostgreSQL LISTEN on a dedicated connection, in a background thread: every NOTIFY on the
// channel reaches a callback, and the owner is told whenever the feed may have missed one
// (not connected yet, connection lost, database silent), so a cache built on it can stop
// trusting itself until the feed is whole again. "Whole" is proven end to end: the
// listener NOTIFYs a probe of its own and counts the feed as up only once that probe came
// back through it, and again every keep-alive (a connection pooler in transaction mode
// accepts LISTEN but does not deliver; that feed never comes up).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

struct pg_conn;  // libpq's PGconn

namespace db {

class Listener {
public:
    struct Callbacks {
        // Each notification's payload, in commit order, on the listener thread. Payloads
        // starting with '~' are reserved for the listener's probes and never passed on.
        std::function<void(const std::string& payload)> notified;
        // LISTEN is in place and a probe came back: every commit from now on is seen.
        // Called after each (re)connect.
        std::function<void()> listening;
        // The feed is broken (connection failed or dropped, a keep-alive probe not back in time):
        // notifications may be lost until the next `listening`. `why` is libpq's message.
        std::function<void(const std::string& why)> lost;
    };
    struct Options {
        std::chrono::milliseconds keepalive{5000};      // a probe NOTIFY this often proves the feed alive...
        std::chrono::milliseconds answer_within{5000};  // ...when answered this fast (also the connect timeout)
        std::chrono::milliseconds retry{1000};          // reconnect delay after a failure
    };

    // `url`: postgresql://...; `channel`: a plain identifier. Starts the thread at once.
    Listener(const std::string& url, std::string channel, Callbacks callbacks, Options options);
    Listener(const std::string& url, std::string channel, Callbacks callbacks)
        : Listener(url, std::move(channel), std::move(callbacks), Options{}) {}
    ~Listener();  // stops and joins the thread (calls `lost` on the way out)
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    bool listening() const { return listening_.load(std::memory_order_acquire); }
    // Times the LISTEN was (re)established, for tests and metrics.
    std::uint64_t connects() const { return connects_.load(std::memory_order_relaxed); }

private:
    struct ConnDeleter {
        void operator()(pg_conn* c) const;
    };
    using Conn = std::unique_ptr<pg_conn, ConnDeleter>;
    Conn connect(std::chrono::milliseconds timeout, std::string& why);
    void run();
    bool sleep_unless_stopped(std::chrono::milliseconds d);

    std::string conninfo_;
    std::string channel_;
    Callbacks callbacks_;
    Options options_;
    int wake_fd_ = -1;  // eventfd: written by the destructor to end poll() at once
    std::atomic<bool> stop_{false};
    std::atomic<bool> listening_{false};
    std::atomic<std::uint64_t> connects_{0};
    std::thread thread_;
};

}  // namespace db
