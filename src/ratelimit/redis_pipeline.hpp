#pragma once
// Redis from the io threads, without blocking one. Every command of one io_context goes out
// on one connection, written back to back with the commands already in flight (pipelined),
// and gets its reply by order: under load, Redis reads many commands per system call and
// no thread sleeps on a round trip. The connection opens on the first command (with
// rediss://, a TLS handshake that checks Redis's certificate and name), AUTHs, SELECTs and
// loads the scripts it was given; a command without its reply within the
// timeout, a broken connection or a protocol error fail every command in flight with
// StoreUnavailable and close it. The next command opens a new one when ReconnectPause says
// so, and fails at once before: a Redis that is down costs requests nothing but the
// limiter's fail-open (or -closed) answer.
#include "ratelimit/limit.hpp"
#include "ratelimit/redis_address.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct redisReply;

namespace boost::asio::ssl {
class context;
}

namespace ratelimit {

// When a new connection to Redis may be opened. After one that never answered (refused,
// unreachable, silent, AUTH refused), not before a pause of 50 ms that doubles to 1 s with
// each such failure in a row: a Redis that is down is not hammered, and its callers fail at
// once instead of each waiting for a connection attempt. After one that answered (a
// restart), at once. Its owner's lock guards it.
class ReconnectPause {
public:
    using Clock = std::chrono::steady_clock;
    // Why no connection may be opened at `now`, with the last failure; "" when one may.
    std::string refusal(Clock::time_point now) const;
    // A connection failed before Redis answered a command on it: the pause grows.
    void failed(std::string why, Clock::time_point now);
    // Redis answered on a connection: the next failure pauses only 50 ms, and whatever
    // ends that connection (a restart, say) leaves the next one free to open at once.
    void answered() { pause_ = Clock::duration::zero(); }

private:
    static constexpr Clock::duration kFirst = std::chrono::milliseconds(50), kLongest = std::chrono::seconds(1);
    Clock::duration pause_{};
    Clock::time_point retry_at_;
    std::string last_failure_;
};

struct ReplyDeleter {
    void operator()(redisReply* r) const;
};
using RedisReply = std::unique_ptr<redisReply, ReplyDeleter>;

class RedisPipeline {
public:
    // Where a pipeline connects, how long a reply may take, and the scripts it loads on every
    // connection before any command (so EVALSHA of them never meets a Redis without them).
    struct Config {
        // Throws std::invalid_argument for a bad URL, std::runtime_error for a TLS file that
        // cannot be read (naming the setting, never echoing the URL).
        Config(const RedisOptions& options, std::chrono::milliseconds timeout, std::vector<std::string> scripts);
        RedisAddress address;
        std::chrono::milliseconds timeout;
        std::vector<std::string> scripts;
        std::shared_ptr<boost::asio::ssl::context> tls;  // rediss://: verifies Redis, holds the client certificate
        std::string key;                                 // names the pipeline among its io_context's: made once, not per command

        // What every new connection sends first, in order: AUTH, SELECT, a SCRIPT LOAD per
        // script. The pipelines and RedisStore's blocking connections both send these.
        std::vector<std::vector<std::string>> setup_commands() const;
    };

    // The pipeline of `config` on the io_context behind `executor`: made by the first call,
    // closed and destroyed with that io_context.
    static RedisPipeline& of(const boost::asio::any_io_executor& executor, const Config& config);

    // Sends one command (its arguments, as Redis reads them) and completes with its reply,
    // which may be an error reply; throws StoreUnavailable when there is none.
    boost::asio::awaitable<RedisReply> command(std::span<const std::string_view> args);

    // Closes the connection without waiting for anything (the io_context is going away).
    void close();

    struct State;
    explicit RedisPipeline(std::shared_ptr<State> state) : state_(std::move(state)) {}

private:
    std::shared_ptr<State> state_;
};

}  // namespace ratelimit
