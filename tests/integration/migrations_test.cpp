#include "db/migrations.hpp"

#include "support/test_server.hpp"

#include <soci/soci.h>

#include <gtest/gtest.h>

#include <thread>

using testing_support::TestDatabase;

TEST(SplitSql, SplitsAtTopLevelSemicolonsOnly) {
    auto parts = db::split_sql(
        "-- comment; not a split\n"
        "CREATE TABLE a (x TEXT DEFAULT 'a;b');\n"
        "INSERT INTO a VALUES (\"q;\");\n"
        "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\n"
        "  ;  \n");
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(parts[0], "CREATE TABLE a (x TEXT DEFAULT 'a;b')");
    EXPECT_EQ(parts[1], "INSERT INTO a VALUES (\"q;\")");
    EXPECT_EQ(parts[2], "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql");
}

TEST(EmbeddedMigrations, ASharedFileServesBothDatabasesAndADialectFileOnlyItsOwn) {
    const auto& lite = db::embedded_sqlite_migrations();
    const auto& pg = db::embedded_postgres_migrations();
    auto find = [](const std::vector<db::Migration>& all, const std::string& name) {
        for (const auto& m : all)
            if (m.name == name) return m.sql;
        return std::string("missing");
    };
    EXPECT_EQ(find(lite, "0001_jobs"), find(pg, "0001_jobs")) << "src/db/migrations/0001_jobs.sql serves both";
    EXPECT_NE(find(pg, "0005_auth_change_feed").find("pg_notify"), std::string::npos);
    EXPECT_EQ(find(lite, "0005_auth_change_feed").find("pg_notify"), std::string::npos) << "SQLite has its own 0005";
}

TEST(EmbeddedMigrations, BothDialectsHaveTheSameVersions) {
    const auto& lite = db::embedded_sqlite_migrations();
    const auto& pg = db::embedded_postgres_migrations();
    ASSERT_FALSE(lite.empty());
    ASSERT_EQ(lite.size(), pg.size());
    for (std::size_t i = 0; i < lite.size(); ++i) {
        EXPECT_EQ(lite[i].name, pg[i].name);
        if (i > 0) {
            EXPECT_LT(lite[i - 1].version, lite[i].version);
        }
    }
}

class Migrations : public ::testing::Test {
protected:
    void SetUp() override { STARTER_REQUIRE_DATABASE(); }
};

TEST_F(Migrations, ApplyOnceThenNothingPending) {
    TestDatabase database(testing_support::requested_db());
    db::Pool pool(database.url(), 2, std::chrono::seconds(5));
    auto first = db::migrate_up(pool);
    EXPECT_EQ(first.size(), db::embedded_migrations(pool.dialect()).size());
    EXPECT_TRUE(db::migrate_up(pool).empty());
    for (const auto& st : db::migration_status(pool)) {
        EXPECT_TRUE(st.applied_at_ms.has_value()) << st.migration.name;
        EXPECT_FALSE(st.checksum_mismatch);
    }
    auto lease = pool.acquire();
    int jobs = -1;
    *lease << "SELECT COUNT(*) FROM jobs", soci::into(jobs);
    EXPECT_EQ(jobs, 0);
}

TEST_F(Migrations, StatusShowsPendingBeforeUp) {
    TestDatabase database(testing_support::requested_db());
    db::Pool pool(database.url(), 1, std::chrono::seconds(5));
    auto status = db::migration_status(pool);
    ASSERT_FALSE(status.empty());
    EXPECT_FALSE(status[0].applied_at_ms.has_value());
}

TEST_F(Migrations, RefusesToRunWhenAnAppliedMigrationChanged) {
    TestDatabase database(testing_support::requested_db());
    db::Pool pool(database.url(), 1, std::chrono::seconds(5));
    db::migrate_up(pool);
    {
        auto lease = pool.acquire();
        *lease << "UPDATE schema_migrations SET checksum = 'tampered' WHERE version = '0001'";
    }
    EXPECT_THROW(db::migrate_up(pool), std::runtime_error);
    EXPECT_TRUE(db::migration_status(pool)[0].checksum_mismatch);
}

TEST_F(Migrations, ConcurrentStartersApplyEachMigrationOnce) {
    TestDatabase database(testing_support::requested_db());
    std::vector<std::vector<std::string>> results(4);
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&, i] {
            try {
                db::Pool pool(database.url(), 1, std::chrono::seconds(20));
                results[static_cast<std::size_t>(i)] = db::migrate_up(pool);
            } catch (const std::exception& e) {
                ADD_FAILURE() << e.what();
                ++failures;
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
    std::size_t total = 0;
    for (const auto& r : results) total += r.size();
    db::Pool pool(database.url(), 1, std::chrono::seconds(5));
    EXPECT_EQ(total, db::embedded_migrations(pool.dialect()).size());
}
