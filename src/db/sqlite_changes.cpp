#include "db/sqlite_changes.hpp"

#include <sqlite3.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>

namespace db {
namespace {

constexpr std::size_t kHeaderWords = 12;  // one copy of the WAL-index header: 48 bytes
constexpr std::size_t kMapped = 2 * kHeaderWords * sizeof(std::uint32_t);
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
    // A read opens the WAL index; journal_mode says whether there is one.
    sqlite3_stmt* stmt = nullptr;
    std::string mode;
    if (sqlite3_prepare_v2(holder_, "PRAGMA journal_mode", -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
        mode = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    if (mode != "wal") fail("not in WAL mode (" + mode + ")");

    const std::string shm = path + "-shm";
    const int fd = ::open(shm.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("cannot open " + shm + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || static_cast<std::size_t>(st.st_size) < kMapped) {
        ::close(fd);
        fail(shm + " is too short to hold a WAL index");
    }
    void* map = ::mmap(nullptr, kMapped, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) fail(std::string("cannot map the WAL index: ") + std::strerror(errno));
    header_ = static_cast<const volatile std::uint32_t*>(map);
    if (header_[0] != kWalIndexVersion) {
        ::munmap(const_cast<std::uint32_t*>(header_), kMapped);
        header_ = nullptr;
        fail("an unknown WAL-index version");
    }
}

SqliteChanges::~SqliteChanges() {
    if (header_) ::munmap(const_cast<std::uint32_t*>(header_), kMapped);
    if (holder_) sqlite3_close_v2(holder_);
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
