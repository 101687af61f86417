// The cost of scoring a password with our zxcvbn 4.4.2: typical inputs (what users type at
// registration) and the worst cases we accept (128 code points, long and repetitive).
#include "zxcvbn/zxcvbn.hpp"

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace {

void score(benchmark::State& state, const std::string& password) {
    const std::vector<std::string> inputs{"jane.doe@example.com", "jane_doe"};
    zxcvbn::estimate("warm up", inputs);  // the tables are built once per process
    for (auto _ : state) benchmark::DoNotOptimize(zxcvbn::estimate(password, inputs));
}

std::string repeat_to(const std::string& unit, std::size_t n) {
    std::string s;
    while (s.size() < n) s += unit;
    s.resize(n);
    return s;
}

}  // namespace

BENCHMARK_CAPTURE(score, common_password, std::string("password1"));
BENCHMARK_CAPTURE(score, passphrase, std::string("correct horse battery staple"));
BENCHMARK_CAPTURE(score, word_and_suffix, std::string("stoneriver!"));
BENCHMARK_CAPTURE(score, l33t, std::string("P@ssw0rd!2024"));
BENCHMARK_CAPTURE(score, random_16, std::string("kT9#qL2!vZ8@mW4$"));
BENCHMARK_CAPTURE(score, date_and_name, std::string("JaneDoe12/25/1991"));
BENCHMARK_CAPTURE(score, max_128_same_char, std::string(128, 'a'));
BENCHMARK_CAPTURE(score, max_128_repeated_l33t, repeat_to("P@ssw0rd!1qaz", 128));
BENCHMARK_CAPTURE(score, max_128_l33t_heavy, repeat_to("4@8({[<3691!|7$5+%2", 128));
BENCHMARK_CAPTURE(score, max_128_words, repeat_to("correct horse battery staple ", 128));
BENCHMARK_CAPTURE(score, max_128_digits, repeat_to("1234567890", 128));

BENCHMARK_MAIN();
