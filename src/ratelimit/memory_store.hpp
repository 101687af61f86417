#pragma once
// The in-process store: sharded maps of timestamp logs. A log never holds more than its
// limit's count, keys whose hits all left the longest window are swept out, and the whole
// store keeps within a memory budget: past it, the logs of the least recently active keys
// are dropped first (their counts restart), so a flood spread over many addresses cannot
// grow the process without bound while the clients hitting hardest keep their counts.
#include "ratelimit/limit.hpp"

#include <array>
#include <atomic>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace ratelimit {

class MemoryStore : public Store {
public:
    // `budget_bytes`: the estimated memory of keys and logs the store may hold (each key
    // ~700 bytes plus 8 per hit it remembers). Split evenly over the shards. Keys starting
    // with `shed_first` (the per-address ones) are dropped before any other (per-account
    // failed-login counters, which a flood of fresh addresses must not be able to reset).
    static constexpr std::size_t kDefaultBudget = 64u << 20;
    explicit MemoryStore(std::size_t budget_bytes = kDefaultBudget, std::string shed_first = {})
        : shard_budget_(budget_bytes / kShards), shed_first_(std::move(shed_first)) {}

    Decision hit(const std::string& key, const Limit& limit, std::int64_t now_ms) override;
    Decision peek(const std::string& key, const Limit& limit, std::int64_t now_ms) override;
    void add(const std::string& key, const Limit& limit, std::int64_t now_ms) override;
    Reservation reserve(const std::string& key, const Limit& limit, std::int64_t now_ms) override;
    void cancel(const std::string& key, const std::string& token) override;
    std::size_t keys() const;
    // The estimated bytes held, and how many keys were dropped to stay within the budget.
    std::size_t bytes() const;
    std::uint64_t evictions() const { return evictions_.load(std::memory_order_relaxed); }
    std::optional<MemoryUsage> memory_usage() const override { return MemoryUsage{bytes(), evictions()}; }

private:
    // A key's hits inside its window; the window tells the sweep when the key is stale.
    struct Log {
        std::deque<std::int64_t> hits;
        std::int64_t window_ms = 0;
    };
    struct Shard {
        std::mutex mutex;
        std::unordered_map<std::string, Log> logs;
        std::size_t bytes = 0;  // estimate: key_cost() per key + 8 per remembered hit
    };
    static constexpr std::size_t kShards = 32;
    static std::size_t key_cost(const std::string& key) { return 700 + key.size(); }
    Shard& shard_for(const std::string& key);
    Decision apply(const std::string& key, const Limit& limit, std::int64_t now_ms, bool count, bool check);
    static void erase(Shard& s, std::unordered_map<std::string, Log>::iterator it);
    static void sweep(Shard& s, std::int64_t now_ms);
    void shed(Shard& s, std::int64_t now_ms);

    const std::size_t shard_budget_;
    const std::string shed_first_;
    std::array<Shard, kShards> shards_;
    std::atomic<std::uint64_t> evictions_{0};
    // Every kSweepEvery operations one shard (round robin) drops its stale logs, so even
    // shards that see no traffic are cleaned.
    std::atomic<std::uint64_t> ops_{0};
    std::atomic<std::size_t> next_sweep_{0};
};

}  // namespace ratelimit
