#include "accounts/viewer_cache.hpp"

#include <algorithm>

namespace accounts {

std::shared_ptr<const ViewerCache::Entry> ViewerCache::find(const std::string& token_hash, bool counted) {
    std::shared_ptr<const Entry> out;
    const auto now = version_ ? version_() : std::nullopt;
    if (!version_ || now) {
        std::lock_guard lock(mutex_);
        auto it = by_token_.find(token_hash);
        if (it != by_token_.end()) {
            if (it->second.version != now || std::chrono::steady_clock::now() - it->second.stored_at >= ttl_)
                erase_locked(it);
            else
                out = it->second.entry;
        }
    }
    if (counted) (out ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
    return out;
}

ViewerCache::Ticket ViewerCache::ticket() const {
    Ticket t{generation_.load(std::memory_order_acquire), std::nullopt};
    if (version_) t.version = version_();
    return t;
}

void ViewerCache::store(const std::string& token_hash, Entry entry, const Ticket& ticket) {
    if (capacity_ == 0 || (version_ && !ticket.version)) return;
    if (entry.user.password_hash) entry.user.password_hash.emplace();  // keep no hash in memory longer than needed
    auto shared = std::make_shared<const Entry>(std::move(entry));
    std::lock_guard lock(mutex_);
    if (!enabled_ || generation_.load(std::memory_order_relaxed) != ticket.generation) return;
    if (auto it = by_token_.find(token_hash); it != by_token_.end()) erase_locked(it);
    if (by_token_.size() >= capacity_) erase_locked(by_token_.begin());  // any one: hashes spread evenly
    by_user_[shared->user.id].push_back(token_hash);
    by_token_.emplace(token_hash, Slot{std::move(shared), std::chrono::steady_clock::now(), ticket.version});
}

void ViewerCache::forget_user(const std::string& user_id) {
    std::lock_guard lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
    auto it = by_user_.find(user_id);
    if (it == by_user_.end()) return;
    for (const auto& hash : it->second) by_token_.erase(hash);
    by_user_.erase(it);
}

void ViewerCache::on() {
    std::lock_guard lock(mutex_);
    clear_locked();
    enabled_ = true;
}

void ViewerCache::off() {
    std::lock_guard lock(mutex_);
    clear_locked();
    enabled_ = false;
}

bool ViewerCache::enabled() const {
    std::lock_guard lock(mutex_);
    return enabled_;
}

std::size_t ViewerCache::size() const {
    std::lock_guard lock(mutex_);
    return by_token_.size();
}

void ViewerCache::erase_locked(std::unordered_map<std::string, Slot>::iterator it) {
    const std::string& user_id = it->second.entry->user.id;
    if (auto u = by_user_.find(user_id); u != by_user_.end()) {
        std::erase(u->second, it->first);
        if (u->second.empty()) by_user_.erase(u);
    }
    by_token_.erase(it);
}

void ViewerCache::clear_locked() {
    generation_.fetch_add(1, std::memory_order_release);
    by_token_.clear();
    by_user_.clear();
}

}  // namespace accounts
