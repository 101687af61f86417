// Cost of describing a login's device and location (issue 9 target: cached UA parse +
// GeoIP lookup < 5 us). Run: build/bench/bench_geo [--benchmark_min_time=1]
#include "geo/geoip.hpp"
#include "geo/user_agent.hpp"

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace {

const std::vector<std::string> kAgents = {
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 "
    "Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.43 Mobile Safari/537.36",
};

const geo::UserAgentParser& parser() {
    static auto p = geo::UserAgentParser::load(geo::kDefaultRegexesPath);
    return *p;
}

const geo::GeoIp& geoip() {
    static geo::GeoIp g(std::string(STARTER_SOURCE_DIR) + "/data/GeoLite2-City.mmdb");
    return g;
}

const geo::UserAgentParser& every_pattern_parser() {
    static auto p = geo::UserAgentParser::load(geo::kDefaultRegexesPath, 0, geo::UserAgentParser::Prefilter::off);
    return *p;
}

// An agent not in the cache: only the patterns whose required text it contains are tried.
void UaParseCold(benchmark::State& state) {
    std::size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(parser().parse_uncached(kAgents[i++ % kAgents.size()]));
}
BENCHMARK(UaParseCold);

// The same without the prefilter: every pattern in order until one matches (before 2026-12-02).
void UaParseColdEveryPattern(benchmark::State& state) {
    std::size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(every_pattern_parser().parse_uncached(kAgents[i++ % kAgents.size()]));
}
BENCHMARK(UaParseColdEveryPattern);

// What the server's start pays: reading regexes.yaml (patterns compile at first use) ...
void UaLoad(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(geo::UserAgentParser::load(geo::kDefaultRegexesPath));
}
BENCHMARK(UaLoad)->Unit(benchmark::kMillisecond);

// ... and what it paid before, compiling all 1,162 patterns.
void UaLoadAndCompileAll(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(geo::UserAgentParser::load(geo::kDefaultRegexesPath)->compile_all());
}
BENCHMARK(UaLoadAndCompileAll)->Unit(benchmark::kMillisecond);

void UaParseCached(benchmark::State& state) {
    for (const auto& a : kAgents) parser().parse(a);
    std::size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(parser().parse(kAgents[i++ % kAgents.size()]));
}
BENCHMARK(UaParseCached);

void GeoIpLookup(benchmark::State& state) {
    if (!geoip().is_open()) {
        state.SkipWithError("GeoLite2-City.mmdb missing: run scripts/fetch-geoip");
        return;
    }
    const std::vector<boost::asio::ip::address> ips = {boost::asio::ip::make_address("8.8.8.8"),
                                                       boost::asio::ip::make_address("80.156.55.1"),
                                                       boost::asio::ip::make_address("2a00:1450:4001:80b::200e")};
    std::size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(geoip().lookup(ips[i++ % ips.size()]));
}
BENCHMARK(GeoIpLookup);

void CachedUaPlusLookup(benchmark::State& state) {
    for (const auto& a : kAgents) parser().parse(a);
    auto ip = boost::asio::ip::make_address("80.156.55.1");
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(parser().parse(kAgents[i++ % kAgents.size()]).readable());
        benchmark::DoNotOptimize(geoip().lookup(ip));
    }
}
BENCHMARK(CachedUaPlusLookup);

}  // namespace

BENCHMARK_MAIN();
