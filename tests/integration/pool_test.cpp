// Statements prepared once per pooled connection (the reads behind every authenticated
// request) against a second process-like writer: they must see its commits at once and
// must never stop the same connection from writing afterwards.
#include "accounts/users.hpp"
#include "common/time.hpp"
#include "db/migrations.hpp"
#include "security/hash.hpp"
#include "sessions/session_store.hpp"
#include "support/test_server.hpp"

#include <soci/soci.h>

#include <gtest/gtest.h>

using testing_support::TestDatabase;

namespace {

class PreparedReads : public ::testing::Test {
protected:
    void SetUp() override {
        STARTER_REQUIRE_DATABASE();
        database_ = std::make_unique<TestDatabase>(testing_support::requested_db());
        // One connection each: `reader` is the server's pool, `writer` another process.
        reader_ = std::make_unique<db::Pool>(database_->url(), 1, std::chrono::seconds(5));
        writer_ = std::make_unique<db::Pool>(database_->url(), 1, std::chrono::seconds(5));
        db::migrate_up(*reader_);
        sessions_ = std::make_unique<sessions::SessionStore>(*reader_, sessions::SessionPolicy{});

        user_.id = "00000000-0000-4000-8000-000000000001";
        user_.username = "reader";
        user_.email = "reader@example.com";
        user_.created_at = user_.updated_at = common::now_ms();
        auto lease = reader_->acquire();
        db::Transaction tx(lease);
        users_.insert(tx.session(), user_);
        token_ = sessions_->create(tx.session(), user_.id, sessions::RequestMeta{}, common::now_ms()).second;
        tx.commit();
    }

    void rename_elsewhere(const std::string& username) {
        auto lease = writer_->acquire();
        db::Transaction tx(lease);
        users_.set_username(tx, user_.id, username, common::now_ms());
        tx.commit();
    }

    // What every write path does first: BEGIN IMMEDIATE on SQLite, BEGIN on PostgreSQL.
    void write_on_reader_connection(const std::string& username) {
        auto lease = reader_->acquire();
        db::Transaction tx(lease);
        users_.set_username(tx, user_.id, username, common::now_ms());
        tx.commit();
    }

    std::unique_ptr<TestDatabase> database_;
    std::unique_ptr<db::Pool> reader_, writer_;
    std::unique_ptr<sessions::SessionStore> sessions_;
    accounts::UserRepository users_;
    accounts::User user_;
    std::string token_;
};

TEST_F(PreparedReads, SeeOtherConnectionsCommitsAtOnce) {
    {
        auto lease = reader_->acquire();
        ASSERT_EQ(users_.by_id(lease, user_.id)->username, "reader");
    }
    rename_elsewhere("renamed");
    {
        auto lease = reader_->acquire();
        EXPECT_EQ(users_.by_id(lease, user_.id)->username, "renamed");
        auto row = users_.by_session_token_hash(lease, security::sha256_hex(token_));
        ASSERT_TRUE(row);
        EXPECT_EQ(row->user.username, "renamed");
    }
    rename_elsewhere("renamed_again");
    auto lease = reader_->acquire();
    EXPECT_EQ(users_.by_session_token_hash(lease, security::sha256_hex(token_))->user.username, "renamed_again");
}

TEST_F(PreparedReads, LeaveTheirConnectionFreeToWriteAfterAnotherWriter) {
    // Each cached read, then a commit elsewhere, then a write on the reading connection:
    // a read left open would keep an old snapshot there and SQLite refuses to let such a
    // connection write ("database is locked" at once, whatever the busy timeout).
    ASSERT_TRUE(sessions_->authenticate(token_));
    rename_elsewhere("after_session_read");
    EXPECT_NO_THROW(write_on_reader_connection("write_1"));

    {
        auto lease = reader_->acquire();
        ASSERT_TRUE(users_.by_id(lease, user_.id));
    }
    rename_elsewhere("after_user_read");
    EXPECT_NO_THROW(write_on_reader_connection("write_2"));

    {
        auto lease = reader_->acquire();
        ASSERT_TRUE(users_.by_session_token_hash(lease, security::sha256_hex(token_)));
    }
    rename_elsewhere("after_joined_read");
    EXPECT_NO_THROW(write_on_reader_connection("write_3"));

    auto lease = reader_->acquire();
    EXPECT_EQ(users_.by_id(lease, user_.id)->username, "write_3");
}

TEST_F(PreparedReads, AnUnknownTokenFindsNothingAfterAKnownOne) {
    ASSERT_TRUE(sessions_->authenticate(token_));
    // The statement's variables still hold the last row: a miss must not return it.
    EXPECT_FALSE(sessions_->authenticate(std::string(64, 'a')));
    auto lease = reader_->acquire();
    EXPECT_FALSE(users_.by_session_token_hash(lease, security::sha256_hex(std::string(64, 'b'))));
    EXPECT_FALSE(users_.by_id(lease, "00000000-0000-4000-8000-00000000ffff"));
}

// Cache invalidation hangs on commits: a write tells its listeners once its transaction
// committed, and never when it rolled back (the cached copy is still the truth then).
TEST_F(PreparedReads, WritesTellTheirListenersOnlyOnceCommitted) {
    std::vector<std::string> told;
    users_.on_change([&](const std::string& id) { told.push_back("user " + id); });
    sessions_->on_change([&](const std::string& id) { told.push_back("sessions " + id); });
    {
        auto lease = reader_->acquire();
        db::Transaction tx(lease);
        users_.set_username(tx, user_.id, "rolled_back", common::now_ms());
        sessions_->revoke_all(tx, user_.id, "", common::now_ms());
        EXPECT_TRUE(told.empty()) << "told before the commit";
        tx.rollback();
    }
    EXPECT_TRUE(told.empty()) << "told of a rolled-back write";
    {
        auto lease = reader_->acquire();
        db::Transaction tx(lease);
        users_.set_email(tx, user_.id, "renamed@example.com", common::now_ms());
        sessions_->revoke_all(tx, user_.id, "", common::now_ms());
        EXPECT_TRUE(told.empty());
        tx.commit();
    }
    EXPECT_EQ(told, (std::vector<std::string>{"user " + user_.id, "sessions " + user_.id}));
    EXPECT_FALSE(sessions_->authenticate(token_));
}

}  // namespace
