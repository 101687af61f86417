#pragma once
// Who a bearer token belongs to, kept in memory so the hottest authenticated read
// (GET /api/users/@me) need not ask PostgreSQL every time.
//
// It is only as good as its feed of changes: the service forgets a user after each of its
// own commits that touch the user or their sessions, and PostgreSQL triggers NOTIFY every
// other change, wherever it was made (another server, a worker, psql), which a db::Listener
// hands to forget_user(). While that feed is down the cache is off: every read goes to the
// database. An entry never outlives its time to live either.
//
// On SQLite there is no such feed; instead the cache follow()s the database's version
// (db::SqliteChanges), which any commit of any process moves: an entry is used only while
// the version is the one taken before the read that made it. Coarser (every commit forgets
// every entry) and as exact.
//
// The race between a read and a change is closed by tickets: take a ticket() before the
// database read, and store() keeps the result only when nothing was forgotten since — a
// read that may predate a change never enters the cache.
#include "accounts/users.hpp"
#include "db/sqlite_changes.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace accounts {

class ViewerCache {
public:
    struct Entry {
        std::string session_id;
        std::int64_t session_created_at = 0;
        std::int64_t session_last_active_at = 0;
        User user;  // without the password hash (has_password() still answers)
    };

    ViewerCache(std::size_t capacity, std::chrono::milliseconds ttl) : capacity_(capacity), ttl_(ttl) {}

    // What the database's data was when a read began; none: it cannot be told.
    using VersionSource = std::function<std::optional<db::DataVersion>()>;
    struct Ticket {
        std::uint64_t generation = 0;
        std::optional<db::DataVersion> version;
    };

    // Entries are good only while `source` answers the version they were read at. Call
    // before on().
    void follow(VersionSource source) { version_ = std::move(source); }

    // The entry of a token hash, or null (unknown, expired, stale, or the cache is off).
    std::shared_ptr<const Entry> find(const std::string& token_hash, bool counted = true);
    // A find(…, false) whose entry was used after all counts as the hit it was.
    void count_hit() { hits_.fetch_add(1, std::memory_order_relaxed); }
    Ticket ticket() const;
    // Keeps `entry` unless something was forgotten since `ticket` or the cache is off.
    void store(const std::string& token_hash, Entry entry, const Ticket& ticket);
    // Drops every entry of the user (their row or one of their sessions changed).
    void forget_user(const std::string& user_id);
    // The change feed is whole again / broken: on() and off() both empty the cache.
    void on();
    void off();

    bool enabled() const;
    std::size_t size() const;
    std::uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
    std::uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

private:
    struct Slot {
        std::shared_ptr<const Entry> entry;
        std::chrono::steady_clock::time_point stored_at;
        std::optional<db::DataVersion> version;
    };
    void erase_locked(std::unordered_map<std::string, Slot>::iterator it);
    void clear_locked();

    const std::size_t capacity_;
    const std::chrono::milliseconds ttl_;
    VersionSource version_;  // none: PostgreSQL's feed keeps entries current
    mutable std::mutex mutex_;
    bool enabled_ = false;                                               // off until the feed is listening
    std::unordered_map<std::string, Slot> by_token_;                     // token hash -> entry
    std::unordered_map<std::string, std::vector<std::string>> by_user_;  // user id -> token hashes
    std::atomic<std::uint64_t> generation_{0};                           // bumped (under mutex_) by every forget/on/off
    std::atomic<std::uint64_t> hits_{0}, misses_{0};
};

}  // namespace accounts
