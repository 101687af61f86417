#include "security/strength.hpp"

#include <zxcvbn.h>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace security {

int score_from_guesses_log10(double g) {
    const double guesses = std::pow(10.0, g);
    if (guesses < 1e3 + 5) return 0;
    if (guesses < 1e6 + 5) return 1;
    if (guesses < 1e8 + 5) return 2;
    if (guesses < 1e10 + 5) return 3;
    return 4;
}

Strength StrengthEstimator::estimate(std::string_view password, const std::vector<std::string>& user_inputs) const {
    std::vector<std::string> words;
    for (const auto& in : user_inputs) {
        std::string lower;
        for (unsigned char c : in) lower += static_cast<char>(std::tolower(c));
        words.push_back(lower);
        if (auto at = lower.find('@'); at != std::string::npos && at > 0) words.push_back(lower.substr(0, at));
    }
    std::vector<const char*> dict;
    for (const auto& w : words) dict.push_back(w.c_str());
    dict.push_back(nullptr);

    const std::string pwd(password);
    ZxcMatch_t* info = nullptr;
    const double bits = ZxcvbnMatch(pwd.c_str(), dict.data(), &info);
    Strength s;
    s.guesses_log10 = bits * std::log10(2.0);
    s.score = score_from_guesses_log10(s.guesses_log10);

    // Feedback from the weakest part of the password, in zxcvbn's words.
    const ZxcMatch_t* worst = nullptr;
    for (auto* m = info; m; m = m->Next)
        if (m->Type != BRUTE_MATCH && m->Length >= 3 && (!worst || m->Length > worst->Length)) worst = m;
    if (s.score < 3 && worst) {
        switch (static_cast<int>(worst->Type) & ~MULTIPLE_MATCH) {
            case DICTIONARY_MATCH: s.warning = "This is similar to a commonly used password."; break;
            case DICT_LEET_MATCH:
                s.warning = "This is similar to a commonly used password.";
                s.suggestions.push_back("Predictable substitutions like '@' instead of 'a' don't help very much.");
                break;
            case USER_MATCH:
            case USER_LEET_MATCH: s.warning = "Avoid your name, username or email address in the password."; break;
            case REPEATS_MATCH:
                s.warning = "Repeats like \"aaa\" or \"abcabcabc\" are easy to guess.";
                s.suggestions.push_back("Avoid repeated words and characters.");
                break;
            case SEQUENCE_MATCH:
                s.warning = "Sequences like abc or 6543 are easy to guess.";
                s.suggestions.push_back("Avoid sequences.");
                break;
            case SPATIAL_MATCH:
                s.warning = "Straight rows of keys or short keyboard patterns are easy to guess.";
                s.suggestions.push_back("Use a longer keyboard pattern with more turns.");
                break;
            case DATE_MATCH:
            case YEAR_MATCH:
                s.warning = "Dates and recent years are often easy to guess.";
                s.suggestions.push_back("Avoid dates and years that are associated with you.");
                break;
            default: break;
        }
    }
    ZxcvbnFreeInfo(info);
    if (s.score < 3) s.suggestions.insert(s.suggestions.begin(), "Add another word or two. Uncommon words are better.");
    return s;
}

}  // namespace security
