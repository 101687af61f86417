#include "notify/locale.hpp"

#include "common/time.hpp"

#include <algorithm>
#include <cctype>

namespace notify {

bool supported_locale(std::string_view locale) { return std::find(kLocales.begin(), kLocales.end(), locale) != kLocales.end(); }

std::string best_locale(std::string_view header) {
    std::string best(kDefaultLocale);
    double best_q = 0;
    header = header.substr(0, 256);
    while (!header.empty()) {
        const auto comma = header.find(',');
        std::string_view item = header.substr(0, comma);
        header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
        double q = 1;
        if (const auto semi = item.find(';'); semi != std::string_view::npos) {
            auto param = item.substr(semi + 1);
            item = item.substr(0, semi);
            while (!param.empty() && param.front() == ' ') param.remove_prefix(1);
            if (param.starts_with("q=")) {
                // q is 0 to 1 with at most three decimals.
                param.remove_prefix(2);
                q = param.starts_with('0') ? 0.0 : 1.0;  // an unreadable q counts as no q
                if (param.starts_with("0.")) {
                    double scale = 0.1;
                    for (char c : param.substr(2, 3)) {
                        if (!std::isdigit(static_cast<unsigned char>(c))) break;
                        q += (c - '0') * scale;
                        scale /= 10;
                    }
                }
            }
        }
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        std::string language(item.substr(0, item.find('-')));
        std::transform(language.begin(), language.end(), language.begin(), [](unsigned char c) { return std::tolower(c); });
        if (q > best_q && supported_locale(language)) {
            best = language;
            best_q = q;
        }
    }
    return best;
}

std::string email_time(std::int64_t epoch_ms, std::string_view locale) {
    return common::format_utc(epoch_ms, locale == "de" ? "%d.%m.%Y, %H:%M UTC" : "%Y-%m-%d %H:%M UTC");
}

}  // namespace notify
