#pragma once
// The in-process store: sharded maps of timestamp logs. A log never holds more than its
// limit's count, and keys whose hits all left the longest window are swept out, so memory
// stays bounded by the number of active clients.
#include "ratelimit/limit.hpp"

#include <array>
#include <atomic>
#include <deque>
#include <mutex>
#include <unordered_map>

namespace ratelimit {

class MemoryStore : public Store {
public:
    Decision hit(const std::string& key, const Limit& limit, std::int64_t now_ms) override;
    Decision peek(const std::string& key, const Limit& limit, std::int64_t now_ms) override;
    void add(const std::string& key, const Limit& limit, std::int64_t now_ms) override;
    std::size_t keys() const;

private:
    // A key's hits inside its window; the window tells the sweep when the key is stale.
    struct Log {
        std::deque<std::int64_t> hits;
        std::int64_t window_ms = 0;
    };
    struct Shard {
        std::mutex mutex;
        std::unordered_map<std::string, Log> logs;
    };
    Shard& shard_for(const std::string& key);
    Decision apply(const std::string& key, const Limit& limit, std::int64_t now_ms, bool count, bool check);
    static void sweep(Shard& s, std::int64_t now_ms);

    std::array<Shard, 32> shards_;
    // Every kSweepEvery operations one shard (round robin) drops its stale logs, so even
    // shards that see no traffic are cleaned.
    std::atomic<std::uint64_t> ops_{0};
    std::atomic<std::size_t> next_sweep_{0};
};

}  // namespace ratelimit
