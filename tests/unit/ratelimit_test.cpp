#include "ratelimit/limiter.hpp"
#include "ratelimit/memory_store.hpp"
#include "ratelimit/redis_address.hpp"
#include "ratelimit/redis_store.hpp"
#include "security/random.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using ratelimit::Limit;
using ratelimit::MemoryStore;

using ratelimit::RedisAddress;

TEST(RedisUrl, ReadsUserPasswordHostPortAndDatabase) {
    auto a = RedisAddress::parse("redis://cache.internal:6380/2");
    EXPECT_EQ(a.host, "cache.internal");
    EXPECT_EQ(a.port, 6380);
    EXPECT_EQ(a.db, 2);
    EXPECT_TRUE(a.auth_command().empty());
    // A Redis 6 ACL user signs in as itself, not as the default user with its password.
    a = RedisAddress::parse("redis://limiter:p%40ss%3Aw%2Frd@10.0.0.5/0");
    EXPECT_EQ(a.auth_command(), (std::vector<std::string>{"AUTH", "limiter", "p@ss:w/rd"}));
    EXPECT_EQ(a.port, 6379);
    EXPECT_EQ(RedisAddress::parse("redis://:secret@host").auth_command(), (std::vector<std::string>{"AUTH", "secret"}));
    EXPECT_EQ(RedisAddress::parse("redis://secret@host").auth_command(), (std::vector<std::string>{"AUTH", "secret"}));
    a = RedisAddress::parse("redis://[::1]:7000");
    EXPECT_EQ(a.host, "::1");
    EXPECT_EQ(a.port, 7000);
    EXPECT_EQ(RedisAddress::parse("redis://").host, "127.0.0.1");
    EXPECT_NE(a.connect_failure("refused").find("[::1]:7000"), std::string::npos) << a.connect_failure("refused");
    EXPECT_FALSE(a.tls);
    // rediss:// is the same URL, over TLS.
    a = RedisAddress::parse("rediss://default:p%40ss@cache.example.com:6380/1");
    EXPECT_TRUE(a.tls);
    EXPECT_EQ(a.host, "cache.example.com");
    EXPECT_EQ(a.port, 6380);
    EXPECT_EQ(a.db, 1);
    EXPECT_EQ(a.auth_command(), (std::vector<std::string>{"AUTH", "default", "p@ss"}));
}

TEST(RedisUrl, RefusesWhatItWouldMisreadAndNeverEchoesThePassword) {
    const std::pair<const char*, const char*> cases[] = {
        {"rediss://:hunter2@cache:63x80", "the port must be a number from 1 to 65535"},
        {"http://:hunter2@cache", "not a redis:// or rediss:// URL"},
        {"redis:/:hunter2@cache", "not a redis:// or rediss:// URL"},
        {"redis://:hunter2@cache:63x79", "the port must be a number from 1 to 65535"},
        {"redis://:hunter2@cache:0", "the port must be a number from 1 to 65535"},
        {"redis://:hunter2@cache:", "the port must be a number from 1 to 65535"},
        {"redis://:hunter2@cache/zero", "the database must be a number from 0 to 65535"},
        {"redis://:hunter2@::1:6379", "an IPv6 host must be written in [brackets]"},
        {"redis://:hunter2@[::1:6379", "misses its ']'"},
        {"redis://:hunter%2@cache", "the password has a malformed %-escape"},
        {"redis://user:@cache", "a user needs its password"},
    };
    for (const auto& [url, expected] : cases) {
        try {
            RedisAddress::parse(url);
            ADD_FAILURE() << url << " was accepted";
        } catch (const std::invalid_argument& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find(expected), std::string::npos) << url << ": " << what;
            EXPECT_EQ(what.find("hunter"), std::string::npos) << what;
        }
    }
}

TEST(LimitSyntax, ParsesCountsUnitsAndMultiples) {
    auto l = Limit::parse("15/hour");
    ASSERT_TRUE(l);
    EXPECT_EQ(l->count, 15);
    EXPECT_EQ(l->window, std::chrono::hours(1));
    EXPECT_EQ(Limit::parse("10/15minute")->window, std::chrono::minutes(15));
    EXPECT_EQ(Limit::parse("5/second")->window, std::chrono::seconds(1));
    EXPECT_EQ(Limit::parse("2/days")->window, std::chrono::hours(24));
    EXPECT_EQ(Limit::parse("2/2day")->window, std::chrono::hours(48));
    // The short units of settings' durations work too; windows shorter than a second do not.
    EXPECT_EQ(Limit::parse("10/15m")->window, std::chrono::minutes(15));
    EXPECT_EQ(Limit::parse("5/s")->window, std::chrono::seconds(1));
    for (auto bad : {"", "15", "/hour", "0/hour", "-1/hour", "15/fortnight", "x/hour", "15/0minute", "5/ms", "5/500ms"})
        EXPECT_FALSE(Limit::parse(bad)) << bad;
    EXPECT_EQ(Limit::parse("15/hour")->scaled(1000).count, 15000);
    EXPECT_EQ(Limit::parse("15/hour")->scaled(0.001).count, 1);
    // A huge multiplier (benchmarks use 1,000,000) saturates instead of overflowing into 1.
    EXPECT_EQ(Limit::parse("2500/hour")->scaled(1'000'000).count, std::numeric_limits<int>::max());
    EXPECT_EQ(Limit::parse("1000/hour")->scaled(1'000'000).count, 1'000'000'000);
}

TEST(MemoryStore, MovingWindowAtItsBoundaries) {
    MemoryStore store;
    auto limit = *Limit::parse("3/second");
    EXPECT_TRUE(store.hit("k", limit, 0).allowed);
    EXPECT_TRUE(store.hit("k", limit, 100).allowed);
    auto third = store.hit("k", limit, 200);
    EXPECT_TRUE(third.allowed);
    EXPECT_EQ(third.remaining, 0);
    auto denied = store.hit("k", limit, 999);
    EXPECT_FALSE(denied.allowed);
    EXPECT_EQ(denied.reset, std::chrono::milliseconds(1));  // the hit at 0 leaves at 1000
    // At 1000 the first hit is exactly one window old and no longer counts.
    auto later = store.hit("k", limit, 1000);
    EXPECT_TRUE(later.allowed);
    EXPECT_EQ(later.remaining, 0);
    EXPECT_FALSE(store.hit("k", limit, 1099).allowed);
    EXPECT_TRUE(store.hit("k", limit, 1100).allowed);
    // A denied request is not counted: the window slides, it does not stick.
    EXPECT_TRUE(store.hit("other", limit, 5000).allowed);
}

TEST(MemoryStore, PeekDoesNotCountAndAddAlwaysCounts) {
    MemoryStore store;
    auto limit = *Limit::parse("2/minute");
    EXPECT_TRUE(store.peek("k", limit, 0).allowed);
    store.add("k", limit, 0);
    store.add("k", limit, 1);
    EXPECT_FALSE(store.peek("k", limit, 2).allowed);
    EXPECT_TRUE(store.peek("k", limit, 60'001).allowed);
}

TEST(MemoryStore, IdleKeysAreEvictedOnceTheirWindowHasPassed) {
    MemoryStore store;
    auto minute = *Limit::parse("5/minute");
    auto hour = *Limit::parse("5/hour");
    // E.g. failed logins under random names: one key each.
    for (int i = 0; i < 20'000; ++i) store.hit("client-" + std::to_string(i), minute, 0);
    for (int i = 0; i < 100; ++i) store.hit("hourly-" + std::to_string(i), hour, 0);
    EXPECT_GT(store.keys(), 10'000u);
    // Two minutes later ordinary traffic has swept the minute keys out, not the hour keys.
    for (int i = 0; i < 20'000; ++i) store.hit("new-" + std::to_string(i % 100), minute, 120'000 + i);
    EXPECT_LT(store.keys(), 1000u);
    EXPECT_TRUE(store.peek("hourly-7", hour, 120'000).remaining == 4) << "a key inside its window keeps its hits";
}

TEST(MemoryStore, AFloodFromManyAddressesStaysWithinTheBudgetAndTheBusiestKeepTheirCounts) {
    MemoryStore store(2u << 20);  // 2 MiB: 64 KiB per shard
    auto hour = *Limit::parse("5000/hour");
    // A client hammering its limit, then a flood of one-off addresses, all inside the hour.
    for (int i = 0; i < 4000; ++i) store.hit("busy", hour, 1000 + i);
    for (int i = 0; i < 200'000; ++i) {
        store.hit("flood-" + std::to_string(i), hour, 10'000 + i);
        if (i % 500 == 0) store.hit("busy", hour, 10'000 + i);  // still active
    }
    EXPECT_LE(store.bytes(), 2u << 20) << "the estimate stays within the budget";
    EXPECT_LT(store.keys(), 4000u);
    EXPECT_GT(store.evictions(), 190'000u);
    // The busy client was active throughout: its 4,400 hits are still counted.
    EXPECT_EQ(store.peek("busy", hour, 300'000).remaining, 5000 - 4400);
    // The oldest one-off addresses went first; the newest are still there.
    EXPECT_EQ(store.peek("flood-0", hour, 300'000).remaining, 5000);
    EXPECT_EQ(store.peek("flood-199999", hour, 300'000).remaining, 4999);
}

TEST(MemoryStore, PerAccountCountersOutlastAFloodOfAddresses) {
    MemoryStore store(1u << 20, "rl:");
    auto failures = *Limit::parse("10/15minute");
    auto hour = *Limit::parse("5000/hour");
    for (int i = 0; i < 10; ++i) store.add("login-failures:alice", failures, i);  // the oldest key of all
    for (int i = 0; i < 100'000; ++i) store.hit("rl:p:2001:db8::" + std::to_string(i), hour, 1000 + i);
    EXPECT_GT(store.evictions(), 90'000u);
    EXPECT_FALSE(store.peek("login-failures:alice", failures, 200'000).allowed)
        << "a flood of fresh addresses must not reset an account's failed-login count";
}

TEST(MemoryStore, ByteEstimateFollowsKeysAndHits) {
    MemoryStore store;
    auto minute = *Limit::parse("100/minute");
    EXPECT_EQ(store.bytes(), 0u);
    for (int i = 0; i < 10; ++i) store.hit("a", minute, i);
    const auto one_key = store.bytes();
    EXPECT_EQ(one_key, 700 + 1 + 10 * 8u);
    for (int i = 0; i < 10; ++i) store.hit("b", minute, i);
    EXPECT_EQ(store.bytes(), 2 * one_key);
    store.peek("a", minute, 120'000);  // a's hits have left the window: the key goes
    EXPECT_EQ(store.bytes(), one_key);
}

TEST(MemoryStore, AReservationCountsUntilCancelledAndCancelsOnlyItself) {
    MemoryStore store;
    auto limit = *Limit::parse("2/minute");
    auto a = store.reserve("k", limit, 10);
    auto b = store.reserve("k", limit, 10);  // same millisecond: still two hits
    EXPECT_TRUE(a.decision.allowed);
    EXPECT_TRUE(b.decision.allowed);
    auto c = store.reserve("k", limit, 11);
    EXPECT_FALSE(c.decision.allowed);
    EXPECT_TRUE(c.token.empty()) << "a refused reservation holds nothing";
    store.cancel("k", a.token);
    EXPECT_EQ(store.peek("k", limit, 12).remaining, 1);
    store.cancel("k", c.token);  // nothing to give back
    EXPECT_EQ(store.peek("k", limit, 12).remaining, 1);
    store.cancel("k", b.token);
    EXPECT_EQ(store.keys(), 0u) << "an emptied log leaves the store";
    store.cancel("gone", "5");  // unknown key: no effect
}

TEST(RateLimiter, ConcurrentReservationsNeverExceedTheLimit) {
    ratelimit::RateLimiter limiter(std::make_unique<MemoryStore>(), {true, 1.0, false, *Limit::parse("1000/minute"), ""});
    auto limit = *Limit::parse("10/minute");
    std::atomic<int> taken{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 50; ++i)
                if (limiter.reserve("login-failures:x", limit).allowed) ++taken;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(taken.load(), 10);
}

namespace {
struct BrokenStore : ratelimit::Store {
    ratelimit::Decision hit(const std::string&, const Limit&, std::int64_t) override {
        throw ratelimit::StoreUnavailable("down");
    }
    ratelimit::Decision peek(const std::string&, const Limit&, std::int64_t) override {
        throw ratelimit::StoreUnavailable("down");
    }
    void add(const std::string&, const Limit&, std::int64_t) override { throw ratelimit::StoreUnavailable("down"); }
    ratelimit::Reservation reserve(const std::string&, const Limit&, std::int64_t) override {
        throw ratelimit::StoreUnavailable("down");
    }
    void cancel(const std::string&, const std::string&) override { throw ratelimit::StoreUnavailable("down"); }
};
}  // namespace

// The limiter's rules hold on both stores: in memory, and in Redis (one script per request)
// when STARTER_TEST_REDIS_URL is set (scripts/test sets it). Redis keys get a fresh prefix.
class EitherStore : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        if (GetParam() == "redis" && !std::getenv("STARTER_TEST_REDIS_URL")) GTEST_SKIP() << "STARTER_TEST_REDIS_URL is not set";
    }
    std::unique_ptr<ratelimit::Store> make_store() const {
        if (GetParam() == "memory") return std::make_unique<MemoryStore>();
        ratelimit::RedisOptions redis;
        redis.url = std::getenv("STARTER_TEST_REDIS_URL");
        return std::make_unique<ratelimit::RedisStore>(redis);
    }
    const std::string prefix_ = "test-" + security::random_hex(6) + ":";
};
INSTANTIATE_TEST_SUITE_P(Stores, EitherStore, ::testing::Values("memory", "redis"), [](const auto& info) { return info.param; });

TEST_P(EitherStore, LimitsAreHitInTurnUntilTheFirstThatSaysNo) {
    auto store = make_store();
    const auto one = *Limit::parse("1/minute"), three = *Limit::parse("3/minute");
    const ratelimit::KeyedLimit tight{prefix_ + "tight", one}, loose{prefix_ + "loose", three};
    const std::vector<ratelimit::KeyedLimit> tight_first{tight, loose}, loose_first{loose, tight};
    auto both = store->hit_in_turn(tight_first, 1000);
    ASSERT_EQ(both.size(), 2u);
    EXPECT_TRUE(both[0].allowed && both[1].allowed);
    EXPECT_EQ(both[0].remaining, 0);
    EXPECT_EQ(both[1].remaining, 2);
    // The tight limit says no: the loose one is neither tried nor counted.
    auto refused = store->hit_in_turn(tight_first, 1001);
    ASSERT_EQ(refused.size(), 1u);
    EXPECT_FALSE(refused[0].allowed);
    EXPECT_EQ(refused[0].reset.count(), 60'000 - 1);
    EXPECT_EQ(store->peek(loose.key, three, 1002).remaining, 2);
    // The other way round, the loose one counts before the tight one says no.
    auto second = store->hit_in_turn(loose_first, 1003);
    ASSERT_EQ(second.size(), 2u);
    EXPECT_TRUE(second[0].allowed);
    EXPECT_FALSE(second[1].allowed);
    EXPECT_EQ(store->peek(loose.key, three, 1004).remaining, 1);
}

TEST_P(EitherStore, PrimaryThenRouteLimitAndTheTightestIsReported) {
    std::int64_t now = 0;
    ratelimit::RateLimiter limiter(make_store(), {true, 1.0, false, *Limit::parse("5/minute"), prefix_}, [&] { return now; });
    auto route = Limit::parse("2/minute");
    auto a = limiter.check("1.2.3.4", true, "POST /x", route);
    EXPECT_TRUE(a.allowed);
    EXPECT_EQ(a.tightest->limit, 2);
    EXPECT_EQ(a.tightest->remaining, 1);
    EXPECT_TRUE(limiter.check("1.2.3.4", true, "POST /x", route).allowed);
    auto denied = limiter.check("1.2.3.4", true, "POST /x", route);
    EXPECT_FALSE(denied.allowed);
    EXPECT_FALSE(denied.is_primary);
    // Other routes still work until the primary limit (5) is used up.
    EXPECT_TRUE(limiter.check("1.2.3.4", true, "GET /y", std::nullopt).allowed);
    EXPECT_TRUE(limiter.check("1.2.3.4", true, "GET /y", std::nullopt).allowed);
    auto primary = limiter.check("1.2.3.4", true, "GET /y", std::nullopt);
    EXPECT_FALSE(primary.allowed);
    EXPECT_TRUE(primary.is_primary);
    EXPECT_TRUE(limiter.check("5.6.7.8", true, "GET /y", std::nullopt).allowed) << "limits are per client";
    now += 60'001;
    EXPECT_TRUE(limiter.check("1.2.3.4", true, "POST /x", route).allowed);
    EXPECT_EQ(limiter.rejections(), 2u);
}

TEST(RateLimiter, FailsOpenByDefaultAndClosedWhenAsked) {
    ratelimit::RateLimiter open(std::make_unique<BrokenStore>(), {true, 1.0, false, *Limit::parse("5/minute"), ""});
    auto v = open.check("1.2.3.4", true, "GET /y", std::nullopt);
    EXPECT_TRUE(v.allowed);
    EXPECT_TRUE(v.store_failed);
    EXPECT_EQ(open.store_errors(), 1u);
    EXPECT_TRUE(open.reserve("k", *Limit::parse("1/minute")).allowed);
    ratelimit::RateLimiter closed(std::make_unique<BrokenStore>(), {true, 1.0, true, *Limit::parse("5/minute"), ""});
    EXPECT_FALSE(closed.check("1.2.3.4", true, "GET /y", std::nullopt).allowed);
    EXPECT_FALSE(closed.reserve("k", *Limit::parse("1/minute")).allowed);
}

TEST(RateLimiter, DisabledMeansNoChecks) {
    ratelimit::RateLimiter off(std::make_unique<BrokenStore>(), {false, 1.0, true, *Limit::parse("1/minute"), ""});
    EXPECT_TRUE(off.check("1.2.3.4", true, "GET /y", std::nullopt).allowed);
    EXPECT_EQ(off.store_errors(), 0u);
}
