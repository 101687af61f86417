#include "security/strength.hpp"

#include "zxcvbn/zxcvbn.hpp"

#include <cmath>

namespace security {

int score_from_guesses_log10(double g) { return zxcvbn::score_from_guesses(std::pow(10.0, g)); }

Strength StrengthEstimator::estimate(std::string_view password, const std::vector<std::string>& user_inputs) const {
    // The same call a front end makes: zxcvbn(password, [email, username]).
    auto r = zxcvbn::estimate(password, user_inputs);
    Strength s;
    s.score = r.score;
    s.guesses_log10 = r.guesses_log10;
    s.warning = std::move(r.warning);
    s.suggestions = std::move(r.suggestions);
    return s;
}

}  // namespace security
