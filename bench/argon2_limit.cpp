// The Argon2 ceiling for login throughput on this machine: single-hash time with the
// server's default parameters, and verifications per second with N threads at once.
//   bench_argon2_limit [THREADS] [SECONDS]
#include "security/password_hasher.hpp"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::atoi(argv[1]) : static_cast<int>(std::thread::hardware_concurrency());
    const double seconds = argc > 2 ? std::atof(argv[2]) : 5.0;
    security::Argon2Params params;  // t=3, m=64 MiB, p=4: the defaults
    params.max_concurrent = threads;
    security::PasswordHasher hasher(params);
    const auto hash = hasher.hash("correct horse battery staple");

    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 5; ++i) hasher.verify(hash, "correct horse battery staple");
    const double single_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / 5;
    // What an unknown account's login costs: a verification against the unmatchable hash.
    t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 5; ++i) hasher.verify_dummy("correct horse battery staple");
    const double dummy_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / 5;

    std::atomic<long> done{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> pool;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < threads; ++i)
        pool.emplace_back([&] {
            while (!stop) {
                hasher.verify(hash, "correct horse battery staple");
                ++done;
            }
        });
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& t : pool) t.join();
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "single_hash_ms " << single_ms << "\n";
    std::cout << "unknown_account_verification_ms " << dummy_ms << "\n";
    std::cout << "concurrent_threads " << threads << "\n";
    std::cout << "verifications_per_s " << static_cast<double>(done) / elapsed << "\n";
    std::cout << "cores_over_single_hash_per_s " << std::thread::hardware_concurrency() * 1000.0 / single_ms << "\n";
}
