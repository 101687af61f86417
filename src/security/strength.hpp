#pragma once
// Password strength behind one interface: a zxcvbn score 0-4 and feedback, computed by our
// zxcvbn 4.4.2 implementation (src/zxcvbn, a port kept apart from our security code), so the server agrees with the strength
// meter a front end shows with zxcvbn 4.4.
#include <string>
#include <string_view>
#include <vector>

namespace security {

struct Strength {
    int score = 0;  // 0 (too guessable) .. 4 (very unguessable)
    double guesses_log10 = 0;
    std::string warning;
    std::vector<std::string> suggestions;
};

class StrengthEstimator {
public:
    // `user_inputs` (email, username...) count as known words.
    Strength estimate(std::string_view password, const std::vector<std::string>& user_inputs) const;
};

// zxcvbn's guesses -> score thresholds (1e3, 1e6, 1e8, 1e10, each + 5).
int score_from_guesses_log10(double guesses_log10);

}  // namespace security
