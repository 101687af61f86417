#pragma once
// zxcvbn 4.4.2's data: ranked frequency lists and keyboard adjacency graphs, compiled in
// from the npm package at build time (cmake/zxcvbn_tables.js).
#include <cstddef>
#include <string_view>

namespace zxcvbn::tables {

struct FrequencyList {
    std::string_view name;   // passwords, english_wikipedia, female_names, surnames, us_tv_and_film, male_names
    std::string_view words;  // comma-separated, most frequent first (rank 1)
};

struct GraphKey {
    std::string_view key;  // one character (UTF-8)
    std::size_t count;
    std::string_view neighbors[9];  // per direction; "" where there is no key
};

struct Graph {
    std::string_view name;  // qwerty, dvorak, keypad, mac_keypad
    const GraphKey* keys;
    std::size_t count;
};

extern const FrequencyList kFrequencyLists[];
extern const std::size_t kFrequencyListCount;
extern const Graph kGraphs[];
extern const std::size_t kGraphCount;

}  // namespace zxcvbn::tables
