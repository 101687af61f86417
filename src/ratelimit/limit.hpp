#pragma once
// Moving-window (sliding log) rate limits: "N/second|minute|hour|day", optionally with a
// window multiple such as "10/15minute".
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ratelimit {

struct Limit {
    int count = 0;
    std::chrono::milliseconds window{0};
    std::string text;  // as declared, e.g. "15/hour"

    static std::optional<Limit> parse(std::string_view text);
    // The same window with `count * multiplier` (at least 1), for tests and benchmarks.
    Limit scaled(double multiplier) const;
};

// The outcome of one check against one limit.
struct Decision {
    bool allowed = true;
    int limit = 0;
    int remaining = 0;
    std::chrono::milliseconds reset{0};  // until the oldest counted hit leaves the window
};

// A hit that may be taken back: `token` names it in its key's log.
struct Reservation {
    Decision decision;
    std::string token;  // empty when nothing was counted
};

// One limit a request is counted against, under its key.
struct KeyedLimit {
    std::string key;
    Limit limit;
};

// A sliding log per key. `hit` counts the request when it is allowed (check-and-hit in
// one atomic step); `peek` only looks; `add` counts without checking. `reserve` is `hit`
// with a token, and `cancel` removes that one hit again (a login that turned out to be
// right gives back the attempt it reserved before the password was checked).
class Store {
public:
    virtual ~Store() = default;
    virtual Decision hit(const std::string& key, const Limit& limit, std::int64_t now_ms) = 0;
    // `hit` for each limit in turn, stopping after the first that says no (the limits after
    // it are not counted): one decision per limit tried. Redis does it in one round trip.
    virtual std::vector<Decision> hit_in_turn(std::span<const KeyedLimit> limits, std::int64_t now_ms);
    // `hit_in_turn` for a coroutine on an io thread: a store across the network (Redis)
    // waits without blocking the thread; others answer at once. `limits` must outlive it.
    virtual boost::asio::awaitable<std::vector<Decision>> hit_in_turn_async(std::span<const KeyedLimit> limits,
                                                                            std::int64_t now_ms);
    virtual Decision peek(const std::string& key, const Limit& limit, std::int64_t now_ms) = 0;
    virtual void add(const std::string& key, const Limit& limit, std::int64_t now_ms) = 0;
    virtual Reservation reserve(const std::string& key, const Limit& limit, std::int64_t now_ms) = 0;
    virtual void cancel(const std::string& key, const std::string& token) = 0;

    // Redis: shared by every server process, and reachable or not. In-process memory: its
    // estimated bytes and how many keys were dropped to stay within its budget.
    struct MemoryUsage {
        std::size_t bytes = 0;
        std::uint64_t evictions = 0;
    };
    virtual bool shared() const { return false; }
    virtual bool ping() { return true; }
    virtual std::optional<MemoryUsage> memory_usage() const { return std::nullopt; }
};

// The store failed (Redis unreachable...): the limiter decides to fail open or closed.
struct StoreUnavailable : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace ratelimit
