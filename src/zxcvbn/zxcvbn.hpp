#pragma once
// A C++ implementation of the zxcvbn 4.4.2 password strength algorithm (Dropbox; the one
// browsers run as zxcvbn / zxcvbn-ts 4.x): pattern matchers (dictionaries with reversed
// and l33t variants, user inputs, keyboard walks, repeats, sequences, recent years,
// dates), the minimum-guesses search over match sequences, the score and the feedback.
// Strings are handled as Unicode code points, as zxcvbn's Python port does.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zxcvbn {

enum class Pattern { dictionary, spatial, repeat, sequence, regex, date, bruteforce };

struct Match {
    Pattern pattern = Pattern::bruteforce;
    int i = 0, j = 0;  // code point offsets, inclusive
    std::u32string token;
    // dictionary
    std::u32string matched_word;
    long long rank = 0;
    int dictionary = 0;  // index into dictionary_names()
    bool reversed = false;
    bool l33t = false;
    std::vector<std::pair<char32_t, char32_t>> sub;  // l33t char -> letter
    // spatial
    int graph = 0;
    int turns = 0;
    int shifted_count = 0;
    // repeat
    std::u32string base_token;
    double base_guesses = 0;
    double repeat_count = 0;
    // sequence
    int sequence_space = 0;
    bool ascending = false;
    // regex (recent_year) and date
    int year = 0, month = 0, day = 0;
    bool has_separator = false;
    // scoring cache
    double guesses = 0;
    double guesses_log10 = 0;
};

struct Result {
    double guesses = 1;
    double guesses_log10 = 0;
    int score = 0;
    std::vector<Match> sequence;
    std::string warning;
    std::vector<std::string> suggestions;
};

struct Options {
    // Dates and recent years are scored by their distance from this year. The browser's
    // zxcvbn uses the current year; zxcvbn's Python port pins 2017. 0 = the current year.
    int reference_year = 0;
};

// Scores `password` (UTF-8) with `user_inputs` (email, username...) as an extra ranked
// dictionary.
Result estimate(std::string_view password, const std::vector<std::string>& user_inputs, Options options = {});

// For tests and tools.
const std::vector<std::string>& dictionary_names();  // ..., "user_inputs" last
std::vector<Match> omnimatch(const std::u32string& password, const std::vector<std::u32string>& user_inputs, int reference_year);
int score_from_guesses(double guesses);

}  // namespace zxcvbn
