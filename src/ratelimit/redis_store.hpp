#pragma once
// The Redis store: one sorted set per key, checked and hit by one Lua script (EVALSHA) in
// one round trip, so several server processes share exact limits. Every command goes
// through a pipeline (ratelimit/redis_pipeline.hpp): a request's limits through its io
// thread's, the calls of threads that may wait (failed-login counters, the readiness check)
// through the pipeline of a small io thread of the store's own, so both speak Redis, TLS and
// reconnect the same way.
#include "ratelimit/limit.hpp"
#include "ratelimit/redis_pipeline.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace ratelimit {

class RedisStore : public Store {
public:
    // Connections open lazily. Throws on a bad URL or a TLS file that cannot be used.
    explicit RedisStore(const RedisOptions& options, std::chrono::milliseconds timeout = std::chrono::milliseconds(250));
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
    // The script over `limits` on `pipeline`: EVALSHA, or EVAL when Redis lost the script.
    boost::asio::awaitable<std::vector<Decision>> run_script(RedisPipeline& pipeline, std::span<const KeyedLimit> limits,
                                                             std::int64_t now_ms, const char* mode, std::string member);
    // From a thread that may wait: `run_script` on the store's own io thread, waited for.
    std::vector<Decision> run(std::span<const KeyedLimit> limits, std::int64_t now_ms, const char* mode, std::string member);
    Decision run(const std::string& key, const Limit& limit, std::int64_t now_ms, const char* mode, std::string member);
    // One command from a thread that may wait; throws StoreUnavailable on an error reply.
    void call(std::vector<std::string> args);

    RedisPipeline::Config config_;  // address, TLS, timeout and the one script
    std::string script_sha_;        // its SHA-1, for EVALSHA
    struct Waiting;                 // the io thread of the calls that wait
    std::unique_ptr<Waiting> waiting_;
};

}  // namespace ratelimit
