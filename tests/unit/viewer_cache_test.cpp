// accounts::ViewerCache on its own: what it keeps, what it forgets, and the ticket rule
// that keeps a read older than a change out of it.
#include "accounts/viewer_cache.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <thread>

namespace {

using accounts::ViewerCache;

ViewerCache::Entry entry(const std::string& user_id, const std::string& session_id = "s1") {
    ViewerCache::Entry e;
    e.session_id = session_id;
    e.user.id = user_id;
    e.user.username = "name-" + user_id;
    e.user.password_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA";
    return e;
}

TEST(ViewerCache, KeepsNothingUntilItsChangeFeedIsOn) {
    ViewerCache cache(100, std::chrono::minutes(1));
    cache.store("h1", entry("u1"), cache.ticket());
    EXPECT_EQ(cache.find("h1"), nullptr);
    cache.on();
    cache.store("h1", entry("u1"), cache.ticket());
    auto hit = cache.find("h1");
    ASSERT_NE(hit, nullptr);
    EXPECT_EQ(hit->user.username, "name-u1");
    EXPECT_TRUE(hit->user.has_password());
    EXPECT_EQ(*hit->user.password_hash, "") << "the hash itself must not be kept";
    EXPECT_EQ(cache.hits(), 1u);
    EXPECT_EQ(cache.misses(), 1u);
}

TEST(ViewerCache, ForgettingAUserDropsEveryTokenOfTheirsAndNoOneElses) {
    ViewerCache cache(100, std::chrono::minutes(1));
    cache.on();
    cache.store("a1", entry("alice", "s1"), cache.ticket());
    cache.store("a2", entry("alice", "s2"), cache.ticket());
    cache.store("b1", entry("bob"), cache.ticket());
    cache.forget_user("alice");
    EXPECT_EQ(cache.find("a1"), nullptr);
    EXPECT_EQ(cache.find("a2"), nullptr);
    EXPECT_NE(cache.find("b1"), nullptr);
    EXPECT_EQ(cache.size(), 1u);
}

TEST(ViewerCache, AReadThatMayPredateAChangeIsNotKept) {
    ViewerCache cache(100, std::chrono::minutes(1));
    cache.on();
    const auto ticket = cache.ticket();  // taken before the (simulated) database read
    cache.forget_user("someone");        // a change committed while the read ran
    cache.store("h1", entry("u1"), ticket);
    EXPECT_EQ(cache.find("h1"), nullptr);
    cache.store("h1", entry("u1"), cache.ticket());
    EXPECT_NE(cache.find("h1"), nullptr);
}

TEST(ViewerCache, TurningOffEmptiesItAndRefusesReadsStartedBefore) {
    ViewerCache cache(100, std::chrono::minutes(1));
    cache.on();
    cache.store("h1", entry("u1"), cache.ticket());
    const auto ticket = cache.ticket();
    cache.off();
    EXPECT_EQ(cache.find("h1"), nullptr);
    cache.on();  // the feed is back, but a read begun while it was down may be stale
    cache.store("h2", entry("u2"), ticket);
    EXPECT_EQ(cache.find("h2"), nullptr);
    EXPECT_TRUE(cache.enabled());
}

// Following a database's version (SQLite): an entry is good only while the version is the
// one taken before its read; while the version cannot be told, nothing is kept or used.
TEST(ViewerCache, AFollowedVersionThatMovesOrCannotBeReadKeepsEntriesOut) {
    ViewerCache cache(100, std::chrono::minutes(1));
    std::optional<db::DataVersion> now = db::DataVersion{1, 10};
    cache.follow([&now] { return now; });
    cache.on();
    cache.store("h1", entry("u1"), cache.ticket());
    EXPECT_NE(cache.find("h1"), nullptr);

    const auto before = cache.ticket();
    now = db::DataVersion{2, 20};  // a commit somewhere, after the read began
    cache.store("h2", entry("u2"), before);
    EXPECT_EQ(cache.find("h2"), nullptr) << "a read older than the commit was used";
    EXPECT_EQ(cache.find("h1"), nullptr) << "an entry older than the commit was used";
    EXPECT_EQ(cache.size(), 0u);

    now.reset();  // a commit is rewriting the header
    cache.store("h3", entry("u3"), cache.ticket());
    EXPECT_EQ(cache.size(), 0u);
    now = db::DataVersion{2, 20};
    EXPECT_EQ(cache.find("h3"), nullptr);
    cache.store("h3", entry("u3"), cache.ticket());
    EXPECT_NE(cache.find("h3"), nullptr);
}

TEST(ViewerCache, EntriesExpireAndTheSizeIsBounded) {
    ViewerCache short_lived(100, std::chrono::milliseconds(20));
    short_lived.on();
    short_lived.store("h1", entry("u1"), short_lived.ticket());
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    EXPECT_EQ(short_lived.find("h1"), nullptr);
    EXPECT_EQ(short_lived.size(), 0u);

    ViewerCache small(3, std::chrono::minutes(1));
    small.on();
    for (int i = 0; i < 10; ++i) small.store("h" + std::to_string(i), entry("u" + std::to_string(i)), small.ticket());
    EXPECT_EQ(small.size(), 3u);
    EXPECT_NE(small.find("h9"), nullptr) << "the newest entry is kept";
    // Forgetting an evicted user must not trip over its missing entries.
    for (int i = 0; i < 10; ++i) small.forget_user("u" + std::to_string(i));
    EXPECT_EQ(small.size(), 0u);

    ViewerCache off(0, std::chrono::minutes(1));
    off.on();
    off.store("h1", entry("u1"), off.ticket());
    EXPECT_EQ(off.find("h1"), nullptr);
}

TEST(ViewerCache, ConcurrentReadersWritersAndForgetsStayConsistent) {
    ViewerCache cache(64, std::chrono::minutes(1));
    cache.on();
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; !stop; ++i) {
                const std::string user = "u" + std::to_string(i % 16);
                const std::string hash = "h" + std::to_string(t) + "-" + std::to_string(i % 100);
                auto ticket = cache.ticket();
                if (auto hit = cache.find(hash)) {
                    EXPECT_EQ(hit->user.id.substr(0, 1), "u");
                }
                cache.store(hash, entry(user), ticket);
            }
        });
    threads.emplace_back([&] {
        for (int i = 0; !stop; ++i) {
            cache.forget_user("u" + std::to_string(i % 16));
            if (i % 1000 == 0) {
                cache.off();
                cache.on();
            }
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop = true;
    for (auto& th : threads) th.join();
    EXPECT_LE(cache.size(), 64u);
}

}  // namespace
