#pragma once
// A fixed-size pool of SOCI sessions over SQLite or PostgreSQL, and transactions on them.
#include <soci/session.h>
#include <soci/statement.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <condition_variable>
#include <exception>
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

// A statement prepared once per connection and executed by every request that needs it
// (token -> session, id -> user run on each authenticated request): the database parses
// and plans it once instead of per request. A subclass holds the soci::statement and the
// variables it binds, and prepares it in its constructor from a soci::session&.
struct Prepared {
    virtual ~Prepared() = default;
};

namespace detail {
std::size_t next_prepared_id();
}

// A connection borrowed from the pool; returned when the lease dies. A lease that dies
// while an exception is in flight marks its connection for a check before its next use.
class Lease {
public:
    Lease(Pool& pool, std::size_t slot, soci::session& s)
        : pool_(&pool), slot_(slot), session_(&s), exceptions_(std::uncaught_exceptions()) {}
    Lease(Lease&& o) noexcept : pool_(o.pool_), slot_(o.slot_), session_(o.session_), exceptions_(o.exceptions_) {
        o.pool_ = nullptr;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    soci::session& operator*() const { return *session_; }
    soci::session* operator->() const { return session_; }
    Dialect dialect() const;

    // This connection's instance of T (a Prepared), prepared on first use.
    template <class T>
    T& prepared() {
        static const std::size_t id = detail::next_prepared_id();
        auto& slot = prepared_slot(id);
        if (!slot) slot = std::make_unique<T>(*session_);
        return static_cast<T&>(*slot);
    }

private:
    std::unique_ptr<Prepared>& prepared_slot(std::size_t id);

    Pool* pool_;
    std::size_t slot_;
    soci::session* session_;
    int exceptions_;  // std::uncaught_exceptions() when the lease was taken
};

// A transaction on a lease: rolled back unless committed. On SQLite it takes the write
// lock up front (BEGIN IMMEDIATE) so concurrent writers wait instead of failing.
class Transaction {
public:
    explicit Transaction(Lease& lease);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    // Commits, then runs what after_commit() was given, in order.
    void commit();
    // Ends the transaction now (otherwise the destructor does).
    void rollback();
    soci::session& session() const { return *lease_; }
    // `then` runs once the transaction has committed, never after a rollback: what must
    // follow a change only once others can see it (forgetting a cached copy of a row).
    void after_commit(std::function<void()> then) { after_commit_.push_back(std::move(then)); }

private:
    Lease& lease_;
    bool open_ = true;
    std::vector<std::function<void()>> after_commit_;
};

class Pool {
public:
    // `url` is sqlite://PATH or postgresql://...; connections open lazily on first use.
    Pool(std::string url, std::size_t size, std::chrono::milliseconds acquire_timeout);
    ~Pool();

    // Waits up to the acquire timeout for a free connection; throws Unavailable. A
    // connection idle for more than a second, or whose last lease ended in an exception, is
    // checked (one round trip) and re-opened when the database dropped it.
    Lease acquire();
    Dialect dialect() const { return dialect_; }
    std::size_t size() const { return slots_.size(); }
    std::size_t in_use() const;
    // Runs a trivial query; false when the database does not answer.
    bool ping();

private:
    friend class Lease;
    struct Slot {
        std::unique_ptr<soci::session> session = std::make_unique<soci::session>();
        std::vector<std::unique_ptr<Prepared>> prepared;  // by detail::next_prepared_id()
        std::chrono::steady_clock::time_point last_used;  // end of the last lease that went well
        std::atomic<bool> suspect{true};                  // check before the next use
        bool opened_before = false;
    };
    void release(std::size_t slot, bool failed);
    void connect(soci::session& s);
    void reopen_if_dropped(Slot& slot);

    std::string url_;
    Dialect dialect_;
    std::chrono::milliseconds acquire_timeout_;
    std::vector<std::unique_ptr<Slot>> slots_;
    std::vector<std::size_t> free_;
    mutable std::mutex mutex_;
    std::condition_variable freed_;
};

// Runs a prepared statement that was executed with execute(true) to its end. SQLite keeps
// a statement's read transaction (and its snapshot) open until the statement has run to
// the end, so a cached statement left after its first row would make a later BEGIN
// IMMEDIATE on that connection fail at once with "database is locked" (a stale snapshot
// cannot become a writer) and would hold back WAL checkpoints. Call it after copying the
// row out: it may overwrite the bound variables.
void finish(soci::statement& st);

// A postgresql:// URL as libpq keyword='value' pairs (what SOCI's backend expects).
std::string postgres_keyword_string(const std::string& url);

// A SOCI error message with the bound values it quotes removed, so logs never carry them.
std::string describe_error(const std::exception& e);
// True for errors that mean "the database went away" rather than "the query was wrong".
bool is_connection_error(const std::exception& e);

}  // namespace db
