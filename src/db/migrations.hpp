#pragma once
// Schema migrations: src/db/migrations/NNNN_name.sql where the SQL is the same on SQLite
// and PostgreSQL, sqlite/ or postgres/NNNN_name.sql only where it differs; compiled into
// the binary (cmake/embed_files.cmake), applied in order and recorded with a checksum in
// `schema_migrations`.
#include "db/pool.hpp"

#include <optional>
#include <string>
#include <vector>

namespace db {

struct Migration {
    std::string version;  // "0001"
    std::string name;     // "0001_jobs"
    std::string sql;
};

struct MigrationState {
    Migration migration;
    std::optional<std::int64_t> applied_at_ms;
    bool checksum_mismatch = false;  // the file changed after it was applied
};

const std::vector<Migration>& embedded_sqlite_migrations();
const std::vector<Migration>& embedded_postgres_migrations();
const std::vector<Migration>& embedded_migrations(Dialect d);

// Applies pending migrations, each in its own transaction. On PostgreSQL an advisory lock
// makes concurrent starters wait for each other. Returns the names applied.
// Throws std::runtime_error when an applied migration's checksum no longer matches.
std::vector<std::string> migrate_up(Pool& pool);
std::vector<MigrationState> migration_status(Pool& pool);

// Splits a script into statements at top-level semicolons (quotes, comments and
// dollar-quoted bodies respected).
std::vector<std::string> split_sql(std::string_view script);

}  // namespace db
