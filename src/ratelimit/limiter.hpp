#pragma once
// The API's rate limits: a primary limit per client IP over every limited route, each
// route's own limit per client IP, and per-account failed-login limits. Fails open (logged
// and counted) when the store is unreachable, unless told to fail closed.
#include "http/pipeline.hpp"
#include "http/server_options.hpp"
#include "ratelimit/limit.hpp"
#include "ratelimit/redis_address.hpp"

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace ratelimit {

struct LimiterOptions {
    bool enabled = true;
    double multiplier = 1.0;  // scales every count (tests, benchmarks)
    bool fail_closed = false;
    Limit primary = *Limit::parse("5000/hour");
    std::string key_prefix;  // RATE_LIMIT_NAMESPACE
};

struct Verdict {
    bool allowed = true;
    bool is_primary = false;           // which limit said no
    bool store_failed = false;         // the store was unreachable
    std::optional<Decision> tightest;  // for the X-RateLimit-* headers
};

class RateLimiter {
public:
    using Clock = std::function<std::int64_t()>;
    RateLimiter(std::unique_ptr<Store> store, LimiterOptions options, Clock clock = {});

    // Counts one request of `client` against the primary limit (when it applies) and the
    // route's limit (when it has one).
    Verdict check(const std::string& client, bool primary_applies, const std::string& route_key,
                  const std::optional<Limit>& route_limit);
    // `check` for a coroutine on an io thread (Store::hit_in_turn_async).
    boost::asio::awaitable<Verdict> check_async(const std::string& client, bool primary_applies, const std::string& route_key,
                                                const std::optional<Limit>& route_limit);
    // Per-key counters that only failures feed (failed logins per account). Takes one attempt of `key` in one atomic step, before
    // the work it guards, so that concurrent attempts never exceed the limit; `release` gives it back when the attempt turned out
    // not to count (a right password). Not allowed: nothing was taken.
    struct Attempt {
        bool allowed = true;
        std::string key, token;
    };
    Attempt reserve(const std::string& key, const Limit& limit);
    void release(const Attempt& attempt);

    bool enabled() const { return options_.enabled; }
    Store& store() { return *store_; }
    std::uint64_t rejections() const { return rejections_; }
    std::uint64_t store_errors() const { return store_errors_; }

private:
    std::size_t limits_for(std::array<KeyedLimit, 2>& limits, const std::string& client, bool primary_applies,
                           const std::string& route_key, const std::optional<Limit>& route_limit) const;
    Verdict verdict_of(const std::vector<Decision>& decisions, bool primary_applies);
    Verdict unavailable(const StoreUnavailable& e);
    void store_failed(const std::exception& e);

    std::unique_ptr<Store> store_;
    LimiterOptions options_;
    Clock clock_;
    std::atomic<std::uint64_t> rejections_{0}, store_errors_{0};
    std::atomic<std::int64_t> last_error_log_ms_{0};
};

// The store: Redis when `redis.url` is set (shared by every server process),
// else in-process memory within `memory_budget_bytes`, which sheds the per-address keys
// before the per-account ones (a flood of fresh addresses must not reset failed-login
// counters).
std::unique_ptr<Store> open_store(const RedisOptions& redis, std::size_t memory_budget_bytes, const LimiterOptions& options);

// Rate limiting of the router's routes. Route limits come from each route's
// `.limit("15/hour")` declaration, parsed once here (a bad declaration throws at start-up).
// Unmatched paths and routes marked exempt (health, docs, metrics) are not limited.
struct RouteLimiting {
    // Answers 429 (or 503 when the store fails closed) and adds the X-RateLimit headers.
    http::Middleware middleware;
    // With a store across the network (Redis): the step that asks it for each request on the
    // io thread, before the request goes to a worker (http::Server::run_first), so no worker
    // waits on the round trip and the io threads' commands share one pipelined connection;
    // the middleware then applies the verdict it left. Empty for an in-process store.
    http::EarlyStep ask_first;
};
RouteLimiting limit_routes(RateLimiter& limiter, const http::Router& router);

}  // namespace ratelimit
