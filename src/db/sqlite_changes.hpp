#pragma once
// Has anything been committed to this SQLite database since then, by any connection of any
// process? Every commit in WAL mode rewrites the header of the database's WAL index
// (<file>-shm, shared memory in a format SQLite documents: two 48-byte copies of a header
// whose iChange counts commits); reading it is two loads from memory, without a lock or a
// system call, where a query would lock and unlock the file (fcntl) and run a statement.
// What the @me cache checks its SQLite entries against (accounts::ViewerCache::follow).
#include <cstdint>
#include <optional>
#include <string>

struct sqlite3;

namespace db {

struct DataVersion {
    std::uint64_t change_and_frame = 0;  // iChange and mxFrame
    std::uint64_t checksum = 0;          // the header's own checksum
    bool operator==(const DataVersion&) const = default;
};

class SqliteChanges {
public:
    // Throws std::runtime_error when the file has no WAL index to read (not in WAL mode).
    explicit SqliteChanges(const std::string& path);
    ~SqliteChanges();
    SqliteChanges(const SqliteChanges&) = delete;
    SqliteChanges& operator=(const SqliteChanges&) = delete;

    // The version now, or none while a commit is rewriting the header.
    std::optional<DataVersion> read() const;

private:
    // A connection of our own, whose mapping of the WAL index header_ points into: while it
    // is open the index stays mapped and in use (SQLite rebuilds one only for its first user).
    sqlite3* holder_ = nullptr;
    const volatile std::uint32_t* header_ = nullptr;  // the first 96 bytes of the WAL index
};

}  // namespace db
