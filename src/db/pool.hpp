#pragma once
// A fixed-size pool of SOCI sessions over SQLite or PostgreSQL, and transactions on them.
#include <soci/session.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace db {

enum class Dialect { sqlite, postgres };

// The database cannot be reached or no connection came free in time. Maps to 503.
struct Unavailable : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Pool;

// A connection borrowed from the pool; returned when the lease dies.
class Lease {
public:
    Lease(Pool& pool, std::size_t slot, soci::session& s) : pool_(&pool), slot_(slot), session_(&s) {}
    Lease(Lease&& o) noexcept : pool_(o.pool_), slot_(o.slot_), session_(o.session_) { o.pool_ = nullptr; }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    soci::session& operator*() const { return *session_; }
    soci::session* operator->() const { return session_; }
    Dialect dialect() const;

private:
    Pool* pool_;
    std::size_t slot_;
    soci::session* session_;
};

// A transaction on a lease: rolled back unless committed. On SQLite it takes the write
// lock up front (BEGIN IMMEDIATE) so concurrent writers wait instead of failing.
class Transaction {
public:
    explicit Transaction(Lease& lease);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();
    // Ends the transaction now (otherwise the destructor does).
    void rollback();
    soci::session& session() const { return *lease_; }

private:
    Lease& lease_;
    bool open_ = true;
};

class Pool {
public:
    // `url` is sqlite://PATH or postgresql://...; connections open lazily on first use.
    Pool(std::string url, std::size_t size, std::chrono::milliseconds acquire_timeout);
    ~Pool();

    // Waits up to the acquire timeout for a free connection; throws Unavailable.
    Lease acquire();
    Dialect dialect() const { return dialect_; }
    std::size_t size() const { return slots_.size(); }
    std::size_t in_use() const;
    // Runs a trivial query; false when the database does not answer.
    bool ping();

private:
    friend class Lease;
    void release(std::size_t slot);
    void connect(soci::session& s);

    std::string url_;
    Dialect dialect_;
    std::chrono::milliseconds acquire_timeout_;
    std::vector<std::unique_ptr<soci::session>> slots_;
    std::vector<std::size_t> free_;
    mutable std::mutex mutex_;
    std::condition_variable freed_;
};

// A postgresql:// URL as libpq keyword='value' pairs (what SOCI's backend expects).
std::string postgres_keyword_string(const std::string& url);

// A SOCI error message with the bound values it quotes removed, so logs never carry them.
std::string describe_error(const std::exception& e);
// True for errors that mean "the database went away" rather than "the query was wrong".
bool is_connection_error(const std::exception& e);

}  // namespace db
