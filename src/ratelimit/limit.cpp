#include "ratelimit/limit.hpp"

#include "common/time.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace ratelimit {

std::optional<Limit> Limit::parse(std::string_view text) {
    auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    int count = 0;
    auto c = text.substr(0, slash);
    auto [p, ec] = std::from_chars(c.data(), c.data() + c.size(), count);
    if (ec != std::errc{} || p != c.data() + c.size() || count <= 0) return std::nullopt;
    auto rest = text.substr(slash + 1);
    long long multiple = 1;
    if (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front()))) {
        auto [q, ec2] = std::from_chars(rest.data(), rest.data() + rest.size(), multiple);
        if (ec2 != std::errc{} || multiple <= 0) return std::nullopt;
        rest.remove_prefix(static_cast<std::size_t>(q - rest.data()));
    }
    if (rest.ends_with("s") && rest.size() > 3) rest.remove_suffix(1);  // "minutes", "days"
    const auto unit = common::unit_ms(rest);
    if (!unit || *unit < 1000) return std::nullopt;  // windows of whole seconds at least
    return Limit{count, std::chrono::milliseconds(*unit * multiple), std::string(text)};
}

Limit Limit::scaled(double multiplier) const {
    Limit l = *this;
    // Clamped before narrowing: 2500/hour x 1,000,000 overflowed int and became a limit of 1.
    const double scaled = std::round(static_cast<double>(count) * multiplier);
    l.count = scaled >= static_cast<double>(std::numeric_limits<int>::max()) ? std::numeric_limits<int>::max()
                                                                             : std::max(1, static_cast<int>(scaled));
    return l;
}

std::vector<Decision> Store::hit_in_turn(std::span<const KeyedLimit> limits, std::int64_t now_ms) {
    std::vector<Decision> decisions;
    decisions.reserve(limits.size());
    for (const auto& l : limits) {
        decisions.push_back(hit(l.key, l.limit, now_ms));
        if (!decisions.back().allowed) break;
    }
    return decisions;
}

boost::asio::awaitable<std::vector<Decision>> Store::hit_in_turn_async(std::span<const KeyedLimit> limits, std::int64_t now_ms) {
    co_return hit_in_turn(limits, now_ms);
}

}  // namespace ratelimit
