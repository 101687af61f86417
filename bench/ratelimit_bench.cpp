// Per-request cost of the rate limiter (issue 5 target: memory store < 2 us per check;
// Redis: one round trip per check). The Redis benchmarks need BENCH_REDIS_URL.
#include "ratelimit/limiter.hpp"
#include "ratelimit/memory_store.hpp"
#include "ratelimit/redis_store.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>

namespace {

ratelimit::LimiterOptions options() { return {true, 1000.0, false, *ratelimit::Limit::parse("5000/hour"), "bench:"}; }

void MemoryCheckPrimaryAndRoute(benchmark::State& state) {
    ratelimit::RateLimiter limiter(std::make_unique<ratelimit::MemoryStore>(), options());
    auto route = ratelimit::Limit::parse("1000/hour");
    std::size_t i = 0;
    for (auto _ : state)
        benchmark::DoNotOptimize(limiter.check("10.0." + std::to_string(i++ % 256) + ".1", true, "GET /api/users/@me", route));
}
BENCHMARK(MemoryCheckPrimaryAndRoute)->Threads(1)->Threads(2);

void RedisCheckPrimaryAndRoute(benchmark::State& state) {
    const char* url = std::getenv("BENCH_REDIS_URL");
    if (!url) {
        state.SkipWithError("set BENCH_REDIS_URL=redis://127.0.0.1:PORT/0");
        return;
    }
    ratelimit::RedisOptions redis;
    redis.url = url;
    ratelimit::RateLimiter limiter(std::make_unique<ratelimit::RedisStore>(redis), options());
    auto route = ratelimit::Limit::parse("1000/hour");
    std::size_t i = 0;
    for (auto _ : state)
        benchmark::DoNotOptimize(limiter.check("10.0." + std::to_string(i++ % 256) + ".1", true, "GET /api/users/@me", route));
}
BENCHMARK(RedisCheckPrimaryAndRoute)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
