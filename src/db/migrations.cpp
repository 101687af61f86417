#include "db/migrations.hpp"

#include "security/hash.hpp"

#include <soci/soci.h>

#include <chrono>
#include <map>

namespace db {
namespace {

// An arbitrary constant that names this application's migration lock.
constexpr long long kAdvisoryLockKey = 0x5354415254455231;  // "STARTER1"

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void ensure_table(soci::session& s) {
    s << "CREATE TABLE IF NOT EXISTS schema_migrations ("
         " version TEXT PRIMARY KEY,"
         " name TEXT NOT NULL,"
         " checksum TEXT NOT NULL,"
         " applied_at BIGINT NOT NULL)";
}

struct Applied {
    std::string checksum;
    std::int64_t applied_at;
};

std::map<std::string, Applied> applied(soci::session& s) {
    std::map<std::string, Applied> out;
    soci::rowset<soci::row> rows = (s.prepare << "SELECT version, checksum, applied_at FROM schema_migrations");
    for (const auto& r : rows) out[r.get<std::string>(0)] = {r.get<std::string>(1), r.get<long long>(2)};
    return out;
}

}  // namespace

const std::vector<Migration>& embedded_migrations(Dialect d) {
    return d == Dialect::sqlite ? embedded_sqlite_migrations() : embedded_postgres_migrations();
}

std::vector<std::string> split_sql(std::string_view script) {
    std::vector<std::string> out;
    std::string current;
    auto flush = [&] {
        auto first = current.find_first_not_of(" \t\r\n");
        if (first != std::string::npos) out.push_back(current.substr(first));
        current.clear();
    };
    for (std::size_t i = 0; i < script.size(); ++i) {
        char c = script[i];
        if (c == '-' && i + 1 < script.size() && script[i + 1] == '-') {
            auto nl = script.find('\n', i);
            i = nl == std::string_view::npos ? script.size() : nl;
            current += '\n';
            continue;
        }
        if (c == '\'' || c == '"') {
            auto end = script.find(c, i + 1);
            if (end == std::string_view::npos) end = script.size() - 1;
            current.append(script.substr(i, end - i + 1));
            i = end;
            continue;
        }
        if (c == '$') {
            auto close = script.find('$', i + 1);
            if (close != std::string_view::npos) {
                auto tag = script.substr(i, close - i + 1);  // "$$" or "$body$"
                bool is_tag = tag.find_first_of(" \t\r\n;'\"") == std::string_view::npos;
                auto end = is_tag ? script.find(tag, close + 1) : std::string_view::npos;
                if (end != std::string_view::npos) {
                    current.append(script.substr(i, end + tag.size() - i));
                    i = end + tag.size() - 1;
                    continue;
                }
            }
        }
        if (c == ';') {
            flush();
            continue;
        }
        current += c;
    }
    flush();
    return out;
}

std::vector<std::string> migrate_up(Pool& pool) {
    auto lease = pool.acquire();
    auto& s = *lease;
    const bool pg = pool.dialect() == Dialect::postgres;
    if (pg) s << "SELECT pg_advisory_lock(" << kAdvisoryLockKey << ")";
    struct Unlock {
        soci::session& s;
        bool pg;
        ~Unlock() {
            if (!pg) return;
            try {
                s << "SELECT pg_advisory_unlock(" << kAdvisoryLockKey << ")";
            } catch (...) {
            }
        }
    } unlock{s, pg};

    ensure_table(s);
    auto done = applied(s);
    std::vector<std::string> ran;
    for (const auto& m : embedded_migrations(pool.dialect())) {
        auto checksum = security::sha256_hex(m.sql);
        if (auto it = done.find(m.version); it != done.end()) {
            if (it->second.checksum != checksum)
                throw std::runtime_error("migration " + m.name + " was changed after it was applied (checksum mismatch)");
            continue;
        }
        Transaction tx(lease);
        // Another process may have applied it between our read and our write lock (SQLite).
        int already = 0;
        std::string v = m.version;
        s << "SELECT COUNT(*) FROM schema_migrations WHERE version = :v", soci::use(v), soci::into(already);
        if (already > 0) continue;
        for (const auto& statement : split_sql(m.sql)) s << statement;
        std::string version = m.version, name = m.name;
        long long at = now_ms();
        s << "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (:v, :n, :c, :a)",
            soci::use(version), soci::use(name), soci::use(checksum), soci::use(at);
        tx.commit();
        ran.push_back(m.name);
    }
    return ran;
}

std::vector<MigrationState> migration_status(Pool& pool) {
    auto lease = pool.acquire();
    ensure_table(*lease);
    auto done = applied(*lease);
    std::vector<MigrationState> out;
    for (const auto& m : embedded_migrations(pool.dialect())) {
        MigrationState st{m, std::nullopt, false};
        if (auto it = done.find(m.version); it != done.end()) {
            st.applied_at_ms = it->second.applied_at;
            st.checksum_mismatch = it->second.checksum != security::sha256_hex(m.sql);
        }
        out.push_back(std::move(st));
    }
    return out;
}

}  // namespace db
