#include "db/sqlite_changes.hpp"

#include <sqlite3.h>

#include <atomic>
#include <cstring>
#include <stdexcept>

namespace db {
namespace {

constexpr std::size_t kHeaderWords = 12;  // one copy of the WAL-index header: 48 bytes
constexpr int kWalIndexRegion = 32768;    // the size of each region of the WAL index
constexpr std::uint32_t kWalIndexVersion = 3007000;

}  // namespace

SqliteChanges::SqliteChanges(const std::string& path) {
    auto fail = [&](const std::string& why) {
        if (holder_) sqlite3_close_v2(holder_);
        holder_ = nullptr;
        throw std::runtime_error(path + ": " + why);
    };
    if (sqlite3_open_v2(path.c_str(), &holder_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
        fail(holder_ ? sqlite3_errmsg(holder_) : "cannot open");
    sqlite3_busy_timeout(holder_, 10'000);
    // A read opens the WAL index; journal_mode says whether there is one.
    sqlite3_stmt* stmt = nullptr;
    std::string mode;
    if (sqlite3_prepare_v2(holder_, "PRAGMA journal_mode", -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
        mode = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    if (mode != "wal") fail("not in WAL mode (" + mode + ")");
    if (sqlite3_exec(holder_, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr) != SQLITE_OK)
        fail(sqlite3_errmsg(holder_));

    // SQLite's own mapping of the WAL index, through its VFS: opening the -shm file here
    // and closing it again would drop every POSIX lock this process holds on it (they
    // belong to the process, not to a descriptor), SQLite's included, and another process
    // would then take the index for unused and rebuild it under every mapping of it.
    sqlite3_file* file = nullptr;
    if (sqlite3_file_control(holder_, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK || !file || !file->pMethods ||
        file->pMethods->iVersion < 2 || !file->pMethods->xShmMap)
        fail("its file has no shared-memory methods");
    volatile void* region = nullptr;
    if (file->pMethods->xShmMap(file, 0, kWalIndexRegion, 0, &region) != SQLITE_OK || !region)
        fail("its WAL index is not mapped");
    header_ = static_cast<const volatile std::uint32_t*>(region);
    if (header_[0] != kWalIndexVersion) {
        header_ = nullptr;
        fail("an unknown WAL-index version");
    }
}

SqliteChanges::~SqliteChanges() {
    if (holder_) sqlite3_close_v2(holder_);  // unmaps the WAL index with it
}

std::optional<DataVersion> SqliteChanges::read() const {
    // As SQLite's own readers do: the first copy, a barrier, the second copy (a writer
    // writes them in the other order); a difference means a commit is rewriting them.
    std::uint32_t first[kHeaderWords], second[kHeaderWords];
    for (std::size_t i = 0; i < kHeaderWords; ++i) first[i] = header_[i];
    std::atomic_thread_fence(std::memory_order_acquire);
    for (std::size_t i = 0; i < kHeaderWords; ++i) second[i] = header_[kHeaderWords + i];
    if (std::memcmp(first, second, sizeof first) != 0) return std::nullopt;
    // Words: 0 iVersion, 2 iChange, 3 isInit (its low byte), 4 mxFrame, 10-11 aCksum.
    if ((first[3] & 0xff) != 1) return std::nullopt;
    return DataVersion{first[2] | (std::uint64_t{first[4]} << 32), first[10] | (std::uint64_t{first[11]} << 32)};
}

}  // namespace db
