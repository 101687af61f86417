#include "ratelimit/memory_store.hpp"

#include <algorithm>

namespace ratelimit {
namespace {
constexpr std::uint64_t kSweepEvery = 256;
}  // namespace

MemoryStore::Shard& MemoryStore::shard_for(const std::string& key) {
    return shards_[std::hash<std::string>{}(key) % shards_.size()];
}

void MemoryStore::sweep(Shard& s, std::int64_t now_ms) {
    for (auto it = s.logs.begin(); it != s.logs.end();) {
        // Stale once its newest hit has left the key's own window: a key per failed login
        // name must not outlive its window (random names would otherwise pile up).
        const auto& log = it->second;
        if (log.hits.empty() || log.hits.back() <= now_ms - log.window_ms) it = s.logs.erase(it);
        else ++it;
    }
}

Decision MemoryStore::apply(const std::string& key, const Limit& limit, std::int64_t now_ms, bool count, bool check) {
    if (ops_.fetch_add(1, std::memory_order_relaxed) % kSweepEvery == kSweepEvery - 1) {
        auto& victim = shards_[next_sweep_.fetch_add(1, std::memory_order_relaxed) % shards_.size()];
        std::lock_guard lock(victim.mutex);  // taken and released before the key's own shard
        sweep(victim, now_ms);
    }
    auto& s = shard_for(key);
    std::lock_guard lock(s.mutex);
    auto& entry = s.logs[key];
    entry.window_ms = std::max<std::int64_t>(entry.window_ms, limit.window.count());
    auto& log = entry.hits;
    const std::int64_t start = now_ms - limit.window.count();
    while (!log.empty() && log.front() <= start) log.pop_front();
    Decision d;
    d.limit = limit.count;
    const bool allowed = !check || static_cast<int>(log.size()) < limit.count;
    if (allowed && count) {
        log.push_back(now_ms);
        while (static_cast<int>(log.size()) > limit.count) log.pop_front();  // bounded by the limit
    }
    d.allowed = allowed;
    d.remaining = std::max(0, limit.count - static_cast<int>(log.size()));
    d.reset = log.empty() ? std::chrono::milliseconds(0) : std::chrono::milliseconds(log.front() + limit.window.count() - now_ms);
    if (log.empty()) s.logs.erase(key);
    return d;
}

Decision MemoryStore::hit(const std::string& key, const Limit& limit, std::int64_t now_ms) {
    return apply(key, limit, now_ms, true, true);
}
Decision MemoryStore::peek(const std::string& key, const Limit& limit, std::int64_t now_ms) {
    return apply(key, limit, now_ms, false, true);
}
void MemoryStore::add(const std::string& key, const Limit& limit, std::int64_t now_ms) { apply(key, limit, now_ms, true, false); }

std::size_t MemoryStore::keys() const {
    std::size_t n = 0;
    for (auto& s : shards_) {
        std::lock_guard lock(const_cast<std::mutex&>(s.mutex));
        n += s.logs.size();
    }
    return n;
}

}  // namespace ratelimit
