#pragma once
// The Redis store: one sorted set per key, checked and hit by one Lua script (EVALSHA) in
// one round trip, so several server processes share exact limits. A request's limits are
// asked from the io thread through the pipeline; the rest (failed-login counters, the
// readiness check) from a pool of blocking connections, which pause after a failure as the
// pipeline does (ReconnectPause).
#include "ratelimit/limit.hpp"
#include "ratelimit/redis_pipeline.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct redisContext;

namespace ratelimit {

class RedisStore : public Store {
public:
    // redis://[:password@]host[:port][/db]; connections open lazily. Throws on a bad URL.
    RedisStore(const std::string& url, std::chrono::milliseconds timeout = std::chrono::milliseconds(250));
    ~RedisStore() override;

    Decision hit(const std::string& key, const Limit& limit, std::int64_t now_ms) override;
    std::vector<Decision> hit_in_turn(std::span<const KeyedLimit> limits, std::int64_t now_ms) override;
    // On the caller's io_context's pipeline (ratelimit/redis_pipeline.hpp): no thread waits.
    boost::asio::awaitable<std::vector<Decision>> hit_in_turn_async(std::span<const KeyedLimit> limits,
                                                                    std::int64_t now_ms) override;
    Decision peek(const std::string& key, const Limit& limit, std::int64_t now_ms) override;
    void add(const std::string& key, const Limit& limit, std::int64_t now_ms) override;
    Reservation reserve(const std::string& key, const Limit& limit, std::int64_t now_ms) override;
    void cancel(const std::string& key, const std::string& token) override;
    bool shared() const override { return true; }
    bool ping() override;

private:
    struct Connection;
    // One EVALSHA of the script over `limits`.
    std::vector<Decision> run(std::span<const KeyedLimit> limits, std::int64_t now_ms, const char* mode,
                              const std::string& member);
    Decision run(const std::string& key, const Limit& limit, std::int64_t now_ms, const char* mode, const std::string& member);
    // An idle connection, or a new one unless `pause_` says Redis is not to be tried yet.
    std::unique_ptr<Connection> take();
    // A new connection, set up (AUTH, SELECT, the script loaded).
    std::unique_ptr<Connection> connect() const;
    void give_back(std::unique_ptr<Connection> c);

    RedisPipeline::Config config_;  // address, timeout and the one script, for both kinds of connection
    std::string script_sha_;        // its SHA-1, for EVALSHA
    std::mutex mutex_;
    std::vector<std::unique_ptr<Connection>> idle_;
    ReconnectPause pause_;  // for the blocking connections (each pipeline has its own)
};

}  // namespace ratelimit
