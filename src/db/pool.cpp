#include "db/pool.hpp"

#include "db/libpq.hpp"

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <filesystem>
#include <thread>

namespace db {
namespace {

Dialect dialect_of(const std::string& url) {
    if (url.starts_with("sqlite://")) return Dialect::sqlite;
    if (url.starts_with("postgresql://") || url.starts_with("postgres://")) return Dialect::postgres;
    throw std::invalid_argument("unsupported database URL scheme");
}

// Before SQLite's first use: a pooled connection is only ever used by the thread holding
// its lease, so SQLite's per-connection mutexes (serialized mode) are not needed, and its
// allocation statistics (a global mutex taken on every malloc) are never read.
void configure_sqlite_once() {
    static const bool done = [] {
        // SOCI's header declares the SQLite API inside namespace sqlite_api.
        sqlite_api::sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
        sqlite_api::sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        return true;
    }();
    (void)done;
}

}  // namespace

std::string postgres_keyword_string(const std::string& url) {
    char* err = nullptr;
    const auto& pq = libpq();
    PQconninfoOption* opts = pq.conninfo_parse(url.c_str(), &err);
    if (!opts) {
        std::string why = err ? err : "invalid connection URL";
        if (err) pq.freemem(err);
        throw std::invalid_argument("DATABASE_URL: " + why);
    }
    std::string out;
    for (auto* o = opts; o->keyword; ++o) {
        if (!o->val) continue;
        std::string v;
        for (const char* c = o->val; *c; ++c) {
            if (*c == '\\' || *c == '\'') v += '\\';
            v += *c;
        }
        if (!out.empty()) out += ' ';
        out.append(o->keyword).append("='").append(v).append("'");
    }
    pq.conninfo_free(opts);
    return out;
}

namespace detail {
std::size_t next_prepared_id() {
    static std::atomic<std::size_t> next{0};
    return next++;
}
}  // namespace detail

Dialect Lease::dialect() const { return pool_->dialect(); }

Lease::~Lease() {
    if (pool_) pool_->release(slot_, std::uncaught_exceptions() > exceptions_);
}

std::unique_ptr<Prepared>& Lease::prepared_slot(std::size_t id) {
    auto& all = pool_->slots_[slot_]->prepared;
    if (all.size() <= id) all.resize(id + 1);
    return all[id];
}

Transaction::Transaction(Lease& lease) : lease_(lease) {
    if (lease.dialect() == Dialect::sqlite)
        *lease << "BEGIN IMMEDIATE";
    else
        *lease << "BEGIN";
}

Transaction::~Transaction() {
    if (!open_) return;
    try {
        *lease_ << "ROLLBACK";
    } catch (...) {
        // The connection is probably gone; the next acquire reconnects it.
    }
}

void Transaction::rollback() {
    if (!open_) return;
    open_ = false;
    *lease_ << "ROLLBACK";
}

void Transaction::commit() {
    *lease_ << "COMMIT";
    open_ = false;
    for (auto& then : std::exchange(after_commit_, {})) then();
}

Pool::Pool(std::string url, std::size_t size, std::chrono::milliseconds acquire_timeout)
    : url_(std::move(url)), dialect_(dialect_of(url_)), acquire_timeout_(acquire_timeout) {
    if (size == 0) size = 1;
    if (dialect_ == Dialect::sqlite) {
        configure_sqlite_once();
        auto path = std::filesystem::path(url_.substr(std::string_view("sqlite://").size()));
        if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
    }
    for (std::size_t i = 0; i < size; ++i) {
        slots_.push_back(std::make_unique<Slot>());
        free_.push_back(size - 1 - i);
    }
}

Pool::~Pool() = default;

void Pool::connect(soci::session& s) {
    try {
        if (dialect_ == Dialect::sqlite) {
            auto path = url_.substr(std::string_view("sqlite://").size());
            s.open(*soci::factory_sqlite3(), "db=" + path + " timeout=10 shared_cache=false");
            s << "PRAGMA busy_timeout=10000";
            // Switching a new file to WAL needs an exclusive lock and ignores the busy
            // timeout, so processes opening the same new file at once retry here.
            for (int attempt = 0;; ++attempt) {
                try {
                    s << "PRAGMA journal_mode=WAL";
                    break;
                } catch (const soci::soci_error&) {
                    if (attempt >= 200) throw;
                    std::this_thread::sleep_for(std::chrono::milliseconds(25));
                }
            }
            s << "PRAGMA synchronous=NORMAL";
            s << "PRAGMA foreign_keys=ON";
        } else {
            // SOCI re-parses its connect string as keyword=value pairs, so hand it that form.
            s.open(*libpq().soci_backend, postgres_keyword_string(url_));
        }
    } catch (const std::exception& e) {
        try {
            s.close();
        } catch (...) {
        }
        throw Unavailable("database connection failed: " + describe_error(e));
    }
}

Lease Pool::acquire() {
    std::size_t index;
    {
        std::unique_lock lock(mutex_);
        if (!freed_.wait_for(lock, acquire_timeout_, [this] { return !free_.empty(); }))
            throw Unavailable("no database connection came free in time");
        index = free_.back();
        free_.pop_back();
    }
    auto& slot = *slots_[index];
    try {
        reopen_if_dropped(slot);
    } catch (...) {
        release(index, true);
        throw;
    }
    return Lease(*this, index, *slot.session);
}

// Connections in steady use skip the check (SOCI's is_connected() is a round trip on
// PostgreSQL); an idle one, or one whose last lease failed, is checked and re-opened when
// the database dropped it (a server restart), and then every other connection is checked
// before its next use too, so a restart costs at most the requests that were in flight.
void Pool::reopen_if_dropped(Slot& slot) {
    const auto now = std::chrono::steady_clock::now();
    const bool suspect = slot.suspect.exchange(false);
    if (!suspect && now - slot.last_used < std::chrono::seconds(1)) return;
    auto& s = *slot.session;
    if (s.is_connected()) return;
    slot.prepared.clear();  // a statement must die before its connection
    s.close();
    if (slot.opened_before)
        for (auto& other : slots_)
            if (other.get() != &slot) other->suspect = true;
    connect(s);
    slot.opened_before = true;
}

void Pool::release(std::size_t index, bool failed) {
    auto& slot = *slots_[index];
    if (failed) {
        // The error may have left a statement mid-way or the connection gone: prepare
        // afresh and check the connection before its next use.
        slot.prepared.clear();
        slot.suspect = true;
    } else {
        slot.last_used = std::chrono::steady_clock::now();
    }
    {
        std::lock_guard lock(mutex_);
        free_.push_back(index);
    }
    freed_.notify_one();
}

std::size_t Pool::in_use() const {
    std::lock_guard lock(mutex_);
    return slots_.size() - free_.size();
}

bool Pool::ping() {
    try {
        auto lease = acquire();
        int one = 0;
        *lease << "SELECT 1", soci::into(one);
        return one == 1;
    } catch (const std::exception&) {
        return false;
    }
}

void finish(soci::statement& st) {
    while (st.fetch()) {
    }
}

std::string describe_error(const std::exception& e) {
    std::string msg = e.what();
    // SOCI appends `while executing "..." with :name=value`: keep the query, drop the values.
    if (auto with = msg.find("\" with "); with != std::string::npos) msg.erase(with + 1);
    // One line: logs and CLI errors stay single-line.
    std::string out;
    for (char c : msg) {
        if (c == '\n' || c == '\t' || c == '\r') {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else {
            out += c;
        }
    }
    while (!out.empty() && (out.back() == ' ' || out.back() == '.')) out.pop_back();
    return out;
}

bool is_connection_error(const std::exception& e) {
    if (dynamic_cast<const Unavailable*>(&e)) return true;
    if (auto se = dynamic_cast<const soci::soci_error*>(&e))
        return se->get_error_category() == soci::soci_error::connection_error;
    return false;
}

}  // namespace db
