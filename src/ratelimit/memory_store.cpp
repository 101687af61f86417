#include "ratelimit/memory_store.hpp"

#include <algorithm>
#include <iterator>
#include <vector>

namespace ratelimit {
namespace {
constexpr std::uint64_t kSweepEvery = 256;
}  // namespace

MemoryStore::Shard& MemoryStore::shard_for(const std::string& key) {
    return shards_[std::hash<std::string>{}(key) % shards_.size()];
}

void MemoryStore::erase(Shard& s, std::unordered_map<std::string, Log>::iterator it) {
    s.bytes -= key_cost(it->first) + 8 * it->second.hits.size();
    s.logs.erase(it);
}

void MemoryStore::sweep(Shard& s, std::int64_t now_ms) {
    for (auto it = s.logs.begin(); it != s.logs.end();) {
        // Stale once its newest hit has left the key's own window: a key per failed login
        // name must not outlive its window (random names would otherwise pile up).
        const auto& log = it->second;
        auto next = std::next(it);
        if (log.hits.empty() || log.hits.back() <= now_ms - log.window_ms) erase(s, it);
        it = next;
    }
}

// Over budget: the stale keys go first, then the least recently active ones (those
// starting with shed_first_ before all others), down to 90% of the budget so that
// shedding is rare.
void MemoryStore::shed(Shard& s, std::int64_t now_ms) {
    sweep(s, now_ms);
    if (s.bytes <= shard_budget_) return;
    struct Candidate {
        bool kept_longer;
        std::int64_t newest;
        std::unordered_map<std::string, Log>::iterator it;
    };
    std::vector<Candidate> order;
    order.reserve(s.logs.size());
    for (auto it = s.logs.begin(); it != s.logs.end(); ++it)
        order.push_back({!it->first.starts_with(shed_first_), it->second.hits.empty() ? 0 : it->second.hits.back(), it});
    std::sort(order.begin(), order.end(), [](const Candidate& a, const Candidate& b) {
        return a.kept_longer != b.kept_longer ? !a.kept_longer : a.newest < b.newest;
    });
    for (auto& [kept_longer, newest, it] : order) {
        if (s.bytes <= shard_budget_ / 10 * 9) break;
        erase(s, it);
        evictions_.fetch_add(1, std::memory_order_relaxed);
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
    auto [at, inserted] = s.logs.try_emplace(key);
    if (inserted) s.bytes += key_cost(key);
    auto& entry = at->second;
    entry.window_ms = std::max<std::int64_t>(entry.window_ms, limit.window.count());
    auto& log = entry.hits;
    const std::size_t held = log.size();
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
    s.bytes = s.bytes - 8 * held + 8 * log.size();
    if (log.empty())
        erase(s, at);
    else if (s.bytes > shard_budget_)
        shed(s, now_ms);
    return d;
}

Decision MemoryStore::hit(const std::string& key, const Limit& limit, std::int64_t now_ms) {
    return apply(key, limit, now_ms, true, true);
}
Decision MemoryStore::peek(const std::string& key, const Limit& limit, std::int64_t now_ms) {
    return apply(key, limit, now_ms, false, true);
}
void MemoryStore::add(const std::string& key, const Limit& limit, std::int64_t now_ms) { apply(key, limit, now_ms, true, false); }

// A hit is its timestamp: hits with the same time are interchangeable, so cancelling any
// one of them undoes the reservation.
Reservation MemoryStore::reserve(const std::string& key, const Limit& limit, std::int64_t now_ms) {
    auto d = apply(key, limit, now_ms, true, true);
    return {d, d.allowed ? std::to_string(now_ms) : std::string()};
}

void MemoryStore::cancel(const std::string& key, const std::string& token) {
    if (token.empty()) return;
    const std::int64_t at = std::stoll(token);
    auto& s = shard_for(key);
    std::lock_guard lock(s.mutex);
    auto it = s.logs.find(key);
    if (it == s.logs.end()) return;  // shed or expired meanwhile: nothing left to take back
    auto& log = it->second.hits;
    auto hit = std::find(log.rbegin(), log.rend(), at);
    if (hit == log.rend()) return;
    log.erase(std::next(hit).base());
    s.bytes -= 8;
    if (log.empty()) erase(s, it);
}

std::size_t MemoryStore::bytes() const {
    std::size_t n = 0;
    for (auto& s : shards_) {
        std::lock_guard lock(const_cast<std::mutex&>(s.mutex));
        n += s.bytes;
    }
    return n;
}

std::size_t MemoryStore::keys() const {
    std::size_t n = 0;
    for (auto& s : shards_) {
        std::lock_guard lock(const_cast<std::mutex&>(s.mutex));
        n += s.logs.size();
    }
    return n;
}

}  // namespace ratelimit
