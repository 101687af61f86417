// The cost of the breached-password check per password, without the network: the offline
// dataset (a sorted file of "SHA1:COUNT" lines, memory-mapped and binary-searched) at one
// million hashes, and the local part of an API check (SHA-1, then a padded range answer
// of ~800 lines scanned for the suffix). The API's round trip comes on top of the latter.
#include "security/breached.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

constexpr int kHashes = 1'000'000;

// A dataset of the SHA-1s of "pw<i>" with varying counts, built once.
const std::string& dataset_path() {
    static const std::string path = [] {
        auto p = (std::filesystem::temp_directory_path() / "starter-bench-pwned.txt").string();
        std::vector<std::string> lines;
        lines.reserve(kHashes);
        for (int i = 0; i < kHashes; ++i)
            lines.push_back(security::sha1_upper_hex("pw" + std::to_string(i)) + ":" + std::to_string(1 + i % 9973));
        std::sort(lines.begin(), lines.end());
        std::ofstream out(p, std::ios::trunc);
        for (const auto& l : lines) out << l << "\r\n";
        return p;
    }();
    return path;
}

void offline_check(benchmark::State& state, bool listed) {
    security::BreachCheckOptions options;
    options.dataset_path = dataset_path();
    security::BreachedPasswords check(options);
    int i = 0;
    for (auto _ : state) {
        auto password = (listed ? "pw" : "not-listed-") + std::to_string(i++ % kHashes);
        auto verdict = check.check(password);
        if (verdict.breached() != listed) state.SkipWithError("wrong verdict");
        benchmark::DoNotOptimize(verdict);
    }
}

void range_scan(benchmark::State& state) {
    // The local work of an API check: hash the password, scan a padded answer.
    std::string body;
    for (int i = 0; i < 800; ++i) body += security::sha1_upper_hex(std::to_string(i)).substr(5) + ":0\r\n";
    for (auto _ : state) {
        auto hash = security::sha1_upper_hex("correct horse battery staple");
        benchmark::DoNotOptimize(security::count_in_range(body, std::string_view(hash).substr(5)));
    }
}

}  // namespace

BENCHMARK_CAPTURE(offline_check, listed_1M, true);
BENCHMARK_CAPTURE(offline_check, not_listed_1M, false);
BENCHMARK(range_scan);

BENCHMARK_MAIN();
