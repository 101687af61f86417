#include "zxcvbn/zxcvbn.hpp"

#include "zxcvbn/tables.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <ctime>
#include <cwctype>
#include <limits>
#include <locale.h>
#include <map>
#include <optional>
#include <unordered_map>

namespace zxcvbn {
namespace {

// --- text ------------------------------------------------------------------------------

std::u32string decode(std::string_view s) {
    std::u32string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        char32_t cp = 0xFFFD;
        std::size_t len = 1;
        if (c < 0x80)
            cp = c;
        else if ((c >> 5) == 0x6)
            len = 2, cp = c & 0x1F;
        else if ((c >> 4) == 0xE)
            len = 3, cp = c & 0x0F;
        else if ((c >> 3) == 0x1E)
            len = 4, cp = c & 0x07;
        else
            len = 0;
        if (len == 0 || i + len > s.size()) {
            out.push_back(0xFFFD);
            ++i;
            continue;
        }
        bool ok = true;
        for (std::size_t k = 1; k < len; ++k) {
            unsigned char cc = static_cast<unsigned char>(s[i + k]);
            if ((cc >> 6) != 0x2) ok = false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        out.push_back(ok ? cp : 0xFFFD);
        i += ok ? len : 1;
    }
    return out;
}

std::string encode(std::u32string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char32_t cp : s) {
        if (cp < 0x80)
            out += static_cast<char>(cp);
        else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }
    return out;
}

char32_t lower_char(char32_t c) {
    if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    static locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
    if (!utf8) return c;
    return static_cast<char32_t>(towlower_l(static_cast<wint_t>(c), utf8));
}

std::u32string lower(std::u32string_view s) {
    std::u32string out(s);
    for (auto& c : out) c = lower_char(c);
    return out;
}

bool is_digit(char32_t c) { return c >= '0' && c <= '9'; }
bool is_upper(char32_t c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char32_t c) { return c >= 'a' && c <= 'z'; }

std::u32string sub(const std::u32string& s, int i, int j) {
    return s.substr(static_cast<std::size_t>(i), static_cast<std::size_t>(j) - static_cast<std::size_t>(i) + 1);
}

// --- data --------------------------------------------------------------------------------

struct DictEntry {
    std::string_view word;
    std::uint8_t dict;
    std::uint32_t rank;
};

struct KeyboardGraph {
    std::string name;
    std::unordered_map<char32_t, std::vector<std::u32string>> adjacency;
    double average_degree = 0;
    double starting_positions = 0;
};

struct Data {
    std::vector<std::string> names;
    std::vector<DictEntry> entries;  // sorted by (word, dict)
    std::vector<KeyboardGraph> graphs;

    Data() {
        for (std::size_t d = 0; d < tables::kFrequencyListCount; ++d) {
            const auto& list = tables::kFrequencyLists[d];
            names.emplace_back(list.name);
            std::uint32_t rank = 1;
            std::string_view rest = list.words;
            while (!rest.empty()) {
                auto comma = rest.find(',');
                auto word = rest.substr(0, comma);
                entries.push_back({word, static_cast<std::uint8_t>(d), rank++});
                rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
            }
        }
        names.emplace_back("user_inputs");
        // A word listed twice in one list keeps its last rank, as zxcvbn's dict building does.
        std::stable_sort(entries.begin(), entries.end(), [](const DictEntry& a, const DictEntry& b) {
            return a.word != b.word ? a.word < b.word : a.dict < b.dict;
        });
        std::vector<DictEntry> unique;
        for (const auto& e : entries) {
            if (!unique.empty() && unique.back().word == e.word && unique.back().dict == e.dict)
                unique.back().rank = e.rank;
            else
                unique.push_back(e);
        }
        entries = std::move(unique);

        for (std::size_t g = 0; g < tables::kGraphCount; ++g) {
            const auto& src = tables::kGraphs[g];
            KeyboardGraph graph;
            graph.name = std::string(src.name);
            double degree_sum = 0;
            for (std::size_t k = 0; k < src.count; ++k) {
                const auto& key = src.keys[k];
                auto cps = decode(key.key);
                if (cps.size() != 1) continue;
                std::vector<std::u32string> neighbors;
                for (std::size_t n = 0; n < key.count; ++n) {
                    neighbors.push_back(decode(key.neighbors[n]));
                    if (!key.neighbors[n].empty()) degree_sum += 1;
                }
                graph.adjacency[cps[0]] = std::move(neighbors);
            }
            graph.starting_positions = static_cast<double>(graph.adjacency.size());
            graph.average_degree = degree_sum / graph.starting_positions;
            graphs.push_back(std::move(graph));
        }
    }

    int graph_index(std::string_view name) const {
        for (std::size_t g = 0; g < graphs.size(); ++g)
            if (graphs[g].name == name) return static_cast<int>(g);
        return -1;
    }
};

const Data& data() {
    static const Data d;
    return d;
}

constexpr double kBruteforceCardinality = 10;
constexpr double kMinGuessesBeforeGrowingSequence = 10000;
constexpr double kMinSubmatchGuessesSingleChar = 10;
constexpr double kMinSubmatchGuessesMultiChar = 50;
constexpr double kMinYearSpace = 20;
constexpr int kMaxDelta = 5;
constexpr int kDateMinYear = 1000;
constexpr int kDateMaxYear = 2050;

// The per-call context: user inputs as a ranked dictionary and the reference year.
struct Context {
    std::vector<std::pair<std::u32string, long long>> user_inputs;  // lower-cased, sorted; rank of the last occurrence
    int reference_year = 2017;
    int user_dict_index = 0;
};

double estimate_guesses(Match& m, std::size_t password_length, const Context& ctx);
struct SearchResult {
    double guesses = 1;
    std::vector<Match> sequence;
};
SearchResult most_guessable_match_sequence(const std::u32string& password, std::vector<Match> matches, const Context& ctx,
                                           bool exclude_additive = false);
std::vector<Match> omnimatch_with(const std::u32string& password, const Context& ctx);

void sort_matches(std::vector<Match>& matches) {
    std::stable_sort(matches.begin(), matches.end(),
                     [](const Match& a, const Match& b) { return a.i != b.i ? a.i < b.i : a.j < b.j; });
}

// --- dictionary ------------------------------------------------------------------------

std::vector<Match> dictionary_match(const std::u32string& password, const Context& ctx) {
    const auto& d = data();
    std::vector<Match> matches;
    const int n = static_cast<int>(password.size());
    const auto password_lower = lower(password);
    auto add = [&](int i, int j, long long rank, int dictionary) {
        Match m;
        m.pattern = Pattern::dictionary;
        m.i = i;
        m.j = j;
        m.token = sub(password, i, j);
        m.matched_word = sub(password_lower, i, j);
        m.rank = rank;
        m.dictionary = dictionary;
        matches.push_back(std::move(m));
    };
    for (int i = 0; i < n; ++i) {
        // Extend the substring one character at a time, narrowing the range of words that
        // start with it; once no word does, longer substrings cannot match either.
        auto lo = d.entries.begin(), hi = d.entries.end();
        auto ulo = ctx.user_inputs.begin(), uhi = ctx.user_inputs.end();
        std::string prefix;
        for (int j = i; j < n; ++j) {
            prefix += encode(std::u32string_view(&password_lower[static_cast<std::size_t>(j)], 1));
            if (lo != hi) {
                const std::size_t len = prefix.size();
                lo = std::partition_point(lo, hi, [&](const DictEntry& e) { return e.word.substr(0, len) < prefix; });
                hi = std::partition_point(lo, hi, [&](const DictEntry& e) { return e.word.substr(0, len) == prefix; });
                // Words equal to the prefix sort before longer ones, in dictionary order.
                for (auto it = lo; it != hi && it->word.size() == len; ++it) add(i, j, it->rank, it->dict);
            }
            if (ulo != uhi) {
                const std::u32string_view uprefix(&password_lower[static_cast<std::size_t>(i)],
                                                  static_cast<std::size_t>(j - i + 1));
                const std::size_t len = uprefix.size();
                ulo = std::partition_point(ulo, uhi,
                                           [&](const auto& e) { return std::u32string_view(e.first).substr(0, len) < uprefix; });
                uhi = std::partition_point(ulo, uhi,
                                           [&](const auto& e) { return std::u32string_view(e.first).substr(0, len) == uprefix; });
                if (ulo != uhi && ulo->first.size() == len) add(i, j, ulo->second, ctx.user_dict_index);
            }
            if (lo == hi && ulo == uhi) break;
        }
    }
    // zxcvbn loops dictionary-major; after its (i, j) sort that is (i, j, dictionary), the
    // order produced here.
    return matches;
}

std::vector<Match> reverse_dictionary_match(const std::u32string& password, const Context& ctx) {
    std::u32string reversed(password.rbegin(), password.rend());
    auto matches = dictionary_match(reversed, ctx);
    sort_matches(matches);
    const int n = static_cast<int>(password.size());
    for (auto& m : matches) {
        std::reverse(m.token.begin(), m.token.end());
        m.reversed = true;
        int i = n - 1 - m.j, j = n - 1 - m.i;
        m.i = i;
        m.j = j;
    }
    sort_matches(matches);
    return matches;
}

// l33t: letter -> substitutes, in zxcvbn's table order.
const std::vector<std::pair<char32_t, std::u32string>>& l33t_table() {
    static const std::vector<std::pair<char32_t, std::u32string>> table = {
        {U'a', U"4@"},  {U'b', U"8"}, {U'c', U"({[<"}, {U'e', U"3"},  {U'g', U"69"}, {U'i', U"1!|"},
        {U'l', U"1|7"}, {U'o', U"0"}, {U's', U"$5"},   {U't', U"+7"}, {U'x', U"%"},  {U'z', U"2"}};
    return table;
}

using L33tSub = std::vector<std::pair<char32_t, char32_t>>;  // [l33t char, letter], in insertion order

std::vector<L33tSub> enumerate_l33t_subs(const std::vector<std::pair<char32_t, std::u32string>>& table) {
    std::vector<L33tSub> subs{{}};
    for (const auto& [letter, l33t_chars] : table) {
        std::vector<L33tSub> next;
        for (char32_t l33t_chr : l33t_chars) {
            for (const auto& s : subs) {
                int dup = -1;
                for (std::size_t k = 0; k < s.size(); ++k)
                    if (s[k].first == l33t_chr) {
                        dup = static_cast<int>(k);
                        break;
                    }
                if (dup == -1) {
                    auto extended = s;
                    extended.emplace_back(l33t_chr, letter);
                    next.push_back(std::move(extended));
                } else {
                    auto alternative = s;
                    alternative.erase(alternative.begin() + dup);
                    alternative.emplace_back(l33t_chr, letter);
                    next.push_back(s);
                    next.push_back(std::move(alternative));
                }
            }
        }
        // Deduplicate on the set of (letter, l33t char) pairs, keeping the first.
        std::vector<L33tSub> deduped;
        std::vector<std::vector<std::pair<char32_t, char32_t>>> labels;
        for (auto& s : next) {
            std::vector<std::pair<char32_t, char32_t>> label;
            label.reserve(s.size());
            for (const auto& [l33t_chr, chr] : s) label.emplace_back(chr, l33t_chr);
            std::sort(label.begin(), label.end());
            if (std::find(labels.begin(), labels.end(), label) != labels.end()) continue;
            labels.push_back(std::move(label));
            deduped.push_back(std::move(s));
        }
        subs = std::move(deduped);
    }
    return subs;
}

std::vector<Match> l33t_match(const std::u32string& password, const Context& ctx) {
    std::vector<std::pair<char32_t, std::u32string>> relevant;
    for (const auto& [letter, chars] : l33t_table()) {
        std::u32string present;
        for (char32_t c : chars)
            if (password.find(c) != std::u32string::npos) present += c;
        if (!present.empty()) relevant.emplace_back(letter, present);
    }
    std::vector<Match> matches;
    for (const auto& s : enumerate_l33t_subs(relevant)) {
        if (s.empty()) break;
        std::u32string subbed = password;
        for (auto& c : subbed)
            for (const auto& [l33t_chr, chr] : s)
                if (c == l33t_chr) {
                    c = chr;
                    break;
                }
        for (auto& m : dictionary_match(subbed, ctx)) {
            auto token = sub(password, m.i, m.j);
            if (lower(token) == m.matched_word) continue;  // only matches with a real substitution
            L33tSub used;
            for (const auto& [l33t_chr, chr] : s)
                if (token.find(l33t_chr) != std::u32string::npos) used.emplace_back(l33t_chr, chr);
            m.l33t = true;
            m.token = std::move(token);
            m.sub = std::move(used);
            if (m.token.size() > 1) matches.push_back(std::move(m));
        }
    }
    sort_matches(matches);
    return matches;
}

// --- spatial -----------------------------------------------------------------------------

bool is_shifted(char32_t c) {
    static const std::u32string shifted = U"~!@#$%^&*()_+QWERTYUIOP{}|ASDFGHJKL:\"ZXCVBNM<>?";
    return shifted.find(c) != std::u32string::npos;
}

std::vector<Match> spatial_match(const std::u32string& password) {
    std::vector<Match> matches;
    const auto& d = data();
    const int n = static_cast<int>(password.size());
    for (std::size_t g = 0; g < d.graphs.size(); ++g) {
        const auto& graph = d.graphs[g];
        const bool keyboard = graph.name == "qwerty" || graph.name == "dvorak";
        int i = 0;
        while (i < n - 1) {
            int j = i + 1;
            int last_direction = -2;  // none yet
            int turns = 0;
            int shifted_count = keyboard && is_shifted(password[i]) ? 1 : 0;
            for (;;) {
                const char32_t prev = password[j - 1];
                bool found = false;
                int found_direction = -1, cur_direction = -1;
                auto adj = graph.adjacency.find(prev);
                if (j < n && adj != graph.adjacency.end()) {
                    const char32_t cur = password[j];
                    for (const auto& neighbor : adj->second) {
                        ++cur_direction;
                        auto at = neighbor.find(cur);
                        if (!neighbor.empty() && at != std::u32string::npos) {
                            found = true;
                            found_direction = cur_direction;
                            if (at == 1) ++shifted_count;  // index 1: the shifted character of that key
                            if (last_direction != found_direction) {
                                ++turns;
                                last_direction = found_direction;
                            }
                            break;
                        }
                    }
                }
                if (found) {
                    ++j;
                } else {
                    if (j - i > 2) {
                        Match m;
                        m.pattern = Pattern::spatial;
                        m.i = i;
                        m.j = j - 1;
                        m.token = sub(password, i, j - 1);
                        m.graph = static_cast<int>(g);
                        m.turns = turns;
                        m.shifted_count = shifted_count;
                        matches.push_back(std::move(m));
                    }
                    i = j;
                    break;
                }
            }
        }
    }
    sort_matches(matches);
    return matches;
}

// --- repeats -----------------------------------------------------------------------------

// Where `(.+)\1+` (greedy) or `(.+?)\1+` (lazy) first matches at or after `from`, as a
// backtracking regex engine finds it: {start, base length, total length}. `.` excludes '\n'.
struct RepeatHit {
    int start = -1, base = 0, length = 0;
};

bool same(const std::u32string& s, int a, int b, int len) {
    return std::equal(s.begin() + a, s.begin() + a + len, s.begin() + b);
}

RepeatHit find_repeat(const std::u32string& s, int from, bool greedy) {
    const int n = static_cast<int>(s.size());
    for (int start = from; start < n; ++start) {
        int max_base = 0;  // `.` stops at a newline
        while (start + max_base < n && s[start + max_base] != U'\n') ++max_base;
        max_base = std::min(max_base, (n - start) / 2);
        for (int step = 0; step < max_base; ++step) {
            const int base = greedy ? max_base - step : step + 1;
            if (!same(s, start, start + base, base)) continue;
            int reps = 2;
            while (start + (reps + 1) * base <= n && same(s, start, start + reps * base, base)) ++reps;
            return {start, base, reps * base};
        }
    }
    return {};
}

// The shortest base that `^(.+?)\1+$` finds in `s`.
int anchored_base(const std::u32string& s) {
    const int n = static_cast<int>(s.size());
    for (int base = 1; base <= n / 2; ++base) {
        if (n % base) continue;
        bool ok = true;
        for (int k = base; k < n && ok; k += base) ok = same(s, 0, k, base);
        if (ok) return base;
    }
    return n;
}

std::vector<Match> repeat_match(const std::u32string& password, const Context& ctx) {
    std::vector<Match> matches;
    int last_index = 0;
    const int n = static_cast<int>(password.size());
    while (last_index < n) {
        auto g = find_repeat(password, last_index, true);
        if (g.start < 0) break;
        auto l = find_repeat(password, last_index, false);
        RepeatHit hit;
        std::u32string base_token;
        if (g.length > l.length) {
            hit = g;
            auto whole = password.substr(static_cast<std::size_t>(g.start), static_cast<std::size_t>(g.length));
            base_token = whole.substr(0, static_cast<std::size_t>(anchored_base(whole)));
        } else {
            hit = l;
            base_token = password.substr(static_cast<std::size_t>(l.start), static_cast<std::size_t>(l.base));
        }
        Match m;
        m.pattern = Pattern::repeat;
        m.i = hit.start;
        m.j = hit.start + hit.length - 1;
        m.token = sub(password, m.i, m.j);
        auto base = most_guessable_match_sequence(base_token, omnimatch_with(base_token, ctx), ctx);
        m.base_guesses = base.guesses;
        m.repeat_count = static_cast<double>(m.token.size()) / static_cast<double>(base_token.size());
        m.base_token = std::move(base_token);
        last_index = m.j + 1;
        matches.push_back(std::move(m));
    }
    return matches;
}

// --- sequences ---------------------------------------------------------------------------

std::vector<Match> sequence_match(const std::u32string& password) {
    std::vector<Match> result;
    const int n = static_cast<int>(password.size());
    if (n <= 1) return result;
    auto update = [&](int i, int j, long long delta) {
        if (!(j - i > 1 || std::llabs(delta) == 1)) return;
        if (!(std::llabs(delta) > 0 && std::llabs(delta) <= kMaxDelta)) return;
        auto token = sub(password, i, j);
        int space = 26;
        if (std::all_of(token.begin(), token.end(), is_digit)) space = 10;
        Match m;
        m.pattern = Pattern::sequence;
        m.i = i;
        m.j = j;
        m.token = std::move(token);
        m.sequence_space = space;
        m.ascending = delta > 0;
        result.push_back(std::move(m));
    };
    int i = 0;
    std::optional<long long> last_delta;
    for (int k = 1; k < n; ++k) {
        long long delta = static_cast<long long>(password[k]) - static_cast<long long>(password[k - 1]);
        if (!last_delta) last_delta = delta;
        if (delta == *last_delta) continue;
        int j = k - 1;
        update(i, j, *last_delta);
        i = j;
        last_delta = delta;
    }
    update(i, n - 1, *last_delta);
    return result;
}

// --- recent years ------------------------------------------------------------------------

std::vector<Match> regex_match(const std::u32string& password) {
    // /19\d\d|200\d|201\d/g
    std::vector<Match> matches;
    const int n = static_cast<int>(password.size());
    for (int p = 0; p + 4 <= n;) {
        const auto* s = password.data() + p;
        bool hit = (s[0] == '1' && s[1] == '9' && is_digit(s[2]) && is_digit(s[3])) ||
                   (s[0] == '2' && s[1] == '0' && (s[2] == '0' || s[2] == '1') && is_digit(s[3]));
        if (!hit) {
            ++p;
            continue;
        }
        Match m;
        m.pattern = Pattern::regex;
        m.i = p;
        m.j = p + 3;
        m.token = sub(password, p, p + 3);
        m.year = static_cast<int>((s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0'));
        matches.push_back(std::move(m));
        p += 4;
    }
    return matches;
}

// --- dates -------------------------------------------------------------------------------

struct Dmy {
    int year, month, day;
};

std::optional<std::pair<int, int>> map_ints_to_dm(int a, int b) {
    for (auto [d, m] : {std::pair{a, b}, std::pair{b, a}})
        if (d >= 1 && d <= 31 && m >= 1 && m <= 12) return std::pair{d, m};
    return std::nullopt;
}

int two_to_four_digit_year(int year) {
    if (year > 99) return year;
    if (year > 50) return year + 1900;
    return year + 2000;
}

std::optional<Dmy> map_ints_to_dmy(const int ints[3]) {
    if (ints[1] > 31 || ints[1] <= 0) return std::nullopt;
    int over_12 = 0, over_31 = 0, under_1 = 0;
    for (int k = 0; k < 3; ++k) {
        int v = ints[k];
        if ((v > 99 && v < kDateMinYear) || v > kDateMaxYear) return std::nullopt;
        if (v > 31) ++over_31;
        if (v > 12) ++over_12;
        if (v <= 0) ++under_1;
    }
    if (over_31 >= 2 || over_12 == 3 || under_1 >= 2) return std::nullopt;
    const std::pair<int, std::pair<int, int>> splits[] = {{ints[2], {ints[0], ints[1]}}, {ints[0], {ints[1], ints[2]}}};
    for (const auto& [y, rest] : splits) {
        if (y >= kDateMinYear && y <= kDateMaxYear) {
            auto dm = map_ints_to_dm(rest.first, rest.second);
            if (!dm) return std::nullopt;  // a four-digit year with no valid day-month: not a date
            return Dmy{y, dm->second, dm->first};
        }
    }
    for (const auto& [y, rest] : splits) {
        if (auto dm = map_ints_to_dm(rest.first, rest.second)) return Dmy{two_to_four_digit_year(y), dm->second, dm->first};
    }
    return std::nullopt;
}

int to_int(const std::u32string& s, std::size_t from, std::size_t to) {
    int v = 0;
    for (std::size_t k = from; k < to; ++k) v = v * 10 + static_cast<int>(s[k] - '0');
    return v;
}

bool is_date_separator(char32_t c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == '/' || c == '\\' || c == '_' ||
           c == '.' || c == '-';
}

std::vector<Match> date_match(const std::u32string& password, const Context& ctx) {
    static const std::map<int, std::vector<std::pair<int, int>>> splits = {{4, {{1, 2}, {2, 3}}},
                                                                           {5, {{1, 3}, {2, 3}}},
                                                                           {6, {{1, 2}, {2, 4}, {4, 5}}},
                                                                           {7, {{1, 3}, {2, 3}, {4, 5}, {4, 6}}},
                                                                           {8, {{2, 4}, {4, 6}}}};
    std::vector<Match> matches;
    const int n = static_cast<int>(password.size());
    auto make = [&](int i, int j, const Dmy& dmy, bool separator) {
        Match m;
        m.pattern = Pattern::date;
        m.i = i;
        m.j = j;
        m.token = sub(password, i, j);
        m.year = dmy.year;
        m.month = dmy.month;
        m.day = dmy.day;
        m.has_separator = separator;
        matches.push_back(std::move(m));
    };
    // without separators: 4 to 8 digits
    for (int i = 0; i + 3 < n; ++i) {
        for (int j = i + 3; j <= i + 7 && j < n; ++j) {
            auto token = sub(password, i, j);
            if (!std::all_of(token.begin(), token.end(), is_digit)) continue;
            std::optional<Dmy> best;
            int best_distance = 0;
            for (auto [k, l] : splits.at(static_cast<int>(token.size()))) {
                int ints[3] = {to_int(token, 0, static_cast<std::size_t>(k)),
                               to_int(token, static_cast<std::size_t>(k), static_cast<std::size_t>(l)),
                               to_int(token, static_cast<std::size_t>(l), token.size())};
                auto dmy = map_ints_to_dmy(ints);
                if (!dmy) continue;
                int distance = std::abs(dmy->year - ctx.reference_year);
                if (!best || distance < best_distance) {
                    best = dmy;
                    best_distance = distance;
                }
            }
            if (best) make(i, j, *best, false);
        }
    }
    // with separators: d{1,4} sep d{1,2} sep d{1,4}, 6 to 10 characters
    for (int i = 0; i + 5 < n; ++i) {
        for (int j = i + 5; j <= i + 9 && j < n; ++j) {
            auto token = sub(password, i, j);
            std::size_t a = 0;
            while (a < token.size() && is_digit(token[a])) ++a;
            if (a < 1 || a > 4 || a >= token.size() || !is_date_separator(token[a])) continue;
            const char32_t separator = token[a];
            std::size_t b = a + 1;
            while (b < token.size() && is_digit(token[b])) ++b;
            if (b - a - 1 < 1 || b - a - 1 > 2 || b >= token.size() || token[b] != separator) continue;
            std::size_t c = b + 1;
            while (c < token.size() && is_digit(token[c])) ++c;
            if (c != token.size() || c - b - 1 < 1 || c - b - 1 > 4) continue;
            int ints[3] = {to_int(token, 0, a), to_int(token, a + 1, b), to_int(token, b + 1, c)};
            if (auto dmy = map_ints_to_dmy(ints)) make(i, j, *dmy, true);
        }
    }
    // Drop dates inside other dates.
    std::vector<Match> kept;
    for (std::size_t x = 0; x < matches.size(); ++x) {
        bool inner = false;
        for (std::size_t y = 0; y < matches.size() && !inner; ++y)
            if (x != y && matches[y].i <= matches[x].i && matches[y].j >= matches[x].j) inner = true;
        if (!inner) kept.push_back(matches[x]);
    }
    sort_matches(kept);
    return kept;
}

std::vector<Match> omnimatch_with(const std::u32string& password, const Context& ctx) {
    std::vector<Match> matches;
    auto add = [&](std::vector<Match>&& more) {
        for (auto& m : more) matches.push_back(std::move(m));
    };
    auto dict = dictionary_match(password, ctx);
    sort_matches(dict);
    add(std::move(dict));
    add(reverse_dictionary_match(password, ctx));
    add(l33t_match(password, ctx));
    add(spatial_match(password));
    add(repeat_match(password, ctx));
    add(sequence_match(password));
    add(regex_match(password));
    add(date_match(password, ctx));
    sort_matches(matches);
    return matches;
}

// --- guesses -----------------------------------------------------------------------------

double nCk(double n, double k) {
    if (k > n) return 0;
    if (k == 0) return 1;
    double r = 1;
    for (double d = 1; d <= k; ++d) {
        r *= n;
        r /= d;
        n -= 1;
    }
    return r;
}

double factorial(int n) {
    double f = 1;
    for (int i = 2; i <= n; ++i) f *= i;
    return f;
}

double uppercase_variations(const std::u32string& word) {
    auto not_upper = [](char32_t c) { return !is_upper(c); };
    auto not_lower = [](char32_t c) { return !is_lower(c); };
    if ((!word.empty() && std::all_of(word.begin(), word.end(), not_upper)) || lower(word) == word) return 1;
    const std::size_t n = word.size();
    const bool start_upper = n >= 2 && is_upper(word[0]) && std::all_of(word.begin() + 1, word.end(), not_upper);
    const bool end_upper = n >= 2 && is_upper(word[n - 1]) && std::all_of(word.begin(), word.end() - 1, not_upper);
    const bool all_upper = std::all_of(word.begin(), word.end(), not_lower);
    if (start_upper || end_upper || all_upper) return 2;
    double U = 0, L = 0;
    for (char32_t c : word) {
        if (is_upper(c))
            ++U;
        else if (is_lower(c))
            ++L;
    }
    double variations = 0;
    for (double i = 1; i <= std::min(U, L); ++i) variations += nCk(U + L, i);
    return variations;
}

double l33t_variations(const Match& m) {
    if (!m.l33t) return 1;
    double variations = 1;
    const auto chars = lower(m.token);
    for (const auto& [subbed, unsubbed] : m.sub) {
        double S = static_cast<double>(std::count(chars.begin(), chars.end(), subbed));
        double U = static_cast<double>(std::count(chars.begin(), chars.end(), unsubbed));
        if (S == 0 || U == 0) {
            variations *= 2;
        } else {
            double p = std::min(U, S), possibilities = 0;
            for (double i = 1; i <= p; ++i) possibilities += nCk(U + S, i);
            variations *= possibilities;
        }
    }
    return variations;
}

double spatial_guesses(const Match& m) {
    const auto& d = data();
    const auto& graph = d.graphs[static_cast<std::size_t>(m.graph)];
    const bool keyboard = graph.name == "qwerty" || graph.name == "dvorak";
    const auto& stats = d.graphs[static_cast<std::size_t>(d.graph_index(keyboard ? "qwerty" : "keypad"))];
    const double s = stats.starting_positions, deg = stats.average_degree;
    double guesses = 0;
    const int L = static_cast<int>(m.token.size());
    for (int i = 2; i <= L; ++i) {
        int possible_turns = std::min(m.turns, i - 1);
        for (int j = 1; j <= possible_turns; ++j) guesses += nCk(i - 1, j - 1) * s * std::pow(deg, j);
    }
    if (m.shifted_count) {
        double S = m.shifted_count, U = static_cast<double>(m.token.size()) - m.shifted_count;
        if (S == 0 || U == 0) {
            guesses *= 2;
        } else {
            double variations = 0;
            for (double i = 1; i <= std::min(S, U); ++i) variations += nCk(S + U, i);
            guesses *= variations;
        }
    }
    return guesses;
}

double estimate_guesses(Match& m, std::size_t password_length, const Context& ctx) {
    if (m.guesses > 0) return m.guesses;  // a match's estimate never changes
    double min_guesses = 1;
    if (m.token.size() < password_length)
        min_guesses = m.token.size() == 1 ? kMinSubmatchGuessesSingleChar : kMinSubmatchGuessesMultiChar;
    double guesses = 0;
    switch (m.pattern) {
        case Pattern::bruteforce: {
            guesses = std::pow(kBruteforceCardinality, static_cast<double>(m.token.size()));
            if (std::isinf(guesses)) guesses = std::numeric_limits<double>::max();
            guesses =
                std::max(guesses, m.token.size() == 1 ? kMinSubmatchGuessesSingleChar + 1 : kMinSubmatchGuessesMultiChar + 1);
            break;
        }
        case Pattern::dictionary:
            guesses = static_cast<double>(m.rank) * uppercase_variations(m.token) * l33t_variations(m) * (m.reversed ? 2 : 1);
            break;
        case Pattern::spatial:
            guesses = spatial_guesses(m);
            break;
        case Pattern::repeat:
            guesses = m.base_guesses * m.repeat_count;
            break;
        case Pattern::sequence: {
            const char32_t first = m.token.empty() ? 0 : m.token[0];
            double base = 26;
            if (std::u32string_view(U"aAzZ019").find(first) != std::u32string_view::npos)
                base = 4;
            else if (is_digit(first))
                base = 10;
            if (!m.ascending) base *= 2;
            guesses = base * static_cast<double>(m.token.size());
            break;
        }
        case Pattern::regex:
            guesses = std::max(static_cast<double>(std::abs(m.year - ctx.reference_year)), kMinYearSpace);
            break;
        case Pattern::date: {
            double year_space = std::max(static_cast<double>(std::abs(m.year - ctx.reference_year)), kMinYearSpace);
            guesses = year_space * 365 * (m.has_separator ? 4 : 1);
            break;
        }
    }
    m.guesses = std::max(guesses, min_guesses);
    m.guesses_log10 = std::log10(m.guesses);
    return m.guesses;
}

// --- search: the most guessable match sequence ----------------------------------------------

SearchResult most_guessable_match_sequence(const std::u32string& password, std::vector<Match> input, const Context& ctx,
                                           bool exclude_additive) {
    const int n = static_cast<int>(password.size());
    SearchResult result;
    if (n == 0) return result;
    std::deque<Match> store(std::make_move_iterator(input.begin()), std::make_move_iterator(input.end()));
    std::vector<std::vector<Match*>> by_j(static_cast<std::size_t>(n));
    for (auto& m : store) by_j[static_cast<std::size_t>(m.j)].push_back(&m);
    for (auto& list : by_j)
        std::stable_sort(list.begin(), list.end(), [](const Match* a, const Match* b) { return a->i < b->i; });

    struct Best {
        int l;
        Match* m;
        double pi;
        double g;
    };
    // Per end index k: the best sequence of each length, in insertion order (as zxcvbn's dicts).
    std::vector<std::vector<Best>> optimal(static_cast<std::size_t>(n));

    auto update = [&](Match* m, int l) {
        const auto k = static_cast<std::size_t>(m->j);
        double pi = estimate_guesses(*m, password.size(), ctx);
        if (l > 1) {
            for (const auto& b : optimal[static_cast<std::size_t>(m->i - 1)])
                if (b.l == l - 1) {
                    pi *= b.pi;
                    break;
                }
        }
        double g = factorial(l) * pi;
        if (!exclude_additive) g += std::pow(kMinGuessesBeforeGrowingSequence, l - 1);
        for (const auto& c : optimal[k])
            if (c.l <= l && c.g <= g) return;
        for (auto& c : optimal[k])
            if (c.l == l) {
                c = {l, m, pi, g};
                return;
            }
        optimal[k].push_back({l, m, pi, g});
    };

    auto bruteforce = [&](int i, int j) {
        Match m;
        m.pattern = Pattern::bruteforce;
        m.i = i;
        m.j = j;
        m.token = sub(password, i, j);
        store.push_back(std::move(m));
        return &store.back();
    };

    for (int k = 0; k < n; ++k) {
        for (Match* m : by_j[static_cast<std::size_t>(k)]) {
            if (m->i > 0) {
                std::vector<int> lengths;
                for (const auto& b : optimal[static_cast<std::size_t>(m->i - 1)]) lengths.push_back(b.l);
                for (int l : lengths) update(m, l + 1);
            } else {
                update(m, 1);
            }
        }
        update(bruteforce(0, k), 1);
        for (int i = 1; i <= k; ++i) {
            Match* m = bruteforce(i, k);
            std::vector<int> lengths;
            for (const auto& b : optimal[static_cast<std::size_t>(i - 1)])
                if (b.m->pattern != Pattern::bruteforce) lengths.push_back(b.l);
            for (int l : lengths) update(m, l + 1);
        }
    }

    // Unwind from the end: the length with the fewest guesses, then back through m.i - 1.
    const auto& last = optimal[static_cast<std::size_t>(n - 1)];
    int l = 0;
    double g = std::numeric_limits<double>::infinity();
    for (const auto& c : last)
        if (c.g < g) {
            l = c.l;
            g = c.g;
        }
    result.guesses = g;
    std::vector<Match> sequence;
    for (int k = n - 1; k >= 0 && l > 0;) {
        const Match* m = nullptr;
        for (const auto& c : optimal[static_cast<std::size_t>(k)])
            if (c.l == l) m = c.m;
        if (!m) break;
        sequence.push_back(*m);
        k = m->i - 1;
        --l;
    }
    std::reverse(sequence.begin(), sequence.end());
    result.sequence = std::move(sequence);
    return result;
}

// --- feedback ----------------------------------------------------------------------------

struct Feedback {
    std::optional<std::string> warning;
    std::vector<std::string> suggestions;
};

std::optional<Feedback> dictionary_feedback(const Match& m, bool sole) {
    const auto& name = data().names[static_cast<std::size_t>(m.dictionary)];
    Feedback f;
    if (name == "passwords") {
        if (sole && !m.l33t && !m.reversed) {
            if (m.rank <= 10)
                f.warning = "This is a top-10 common password";
            else if (m.rank <= 100)
                f.warning = "This is a top-100 common password";
            else
                f.warning = "This is a very common password";
        } else if (m.guesses_log10 <= 4) {
            f.warning = "This is similar to a commonly used password";
        }
    } else if (name == "english_wikipedia") {
        if (sole) f.warning = "A word by itself is easy to guess";
    } else if (name == "surnames" || name == "male_names" || name == "female_names") {
        f.warning = sole ? "Names and surnames by themselves are easy to guess" : "Common names and surnames are easy to guess";
    } else {
        f.warning = "";
    }
    const auto& w = m.token;
    auto not_upper = [](char32_t c) { return !is_upper(c); };
    auto not_lower = [](char32_t c) { return !is_lower(c); };
    const bool start_upper = w.size() >= 2 && is_upper(w[0]) && std::all_of(w.begin() + 1, w.end(), not_upper);
    const bool all_upper = !w.empty() && std::all_of(w.begin(), w.end(), not_lower);
    if (start_upper)
        f.suggestions.emplace_back("Capitalization doesn't help very much");
    else if (all_upper && lower(w) != w)
        f.suggestions.emplace_back("All-uppercase is almost as easy to guess as all-lowercase");
    if (m.reversed && m.token.size() >= 4) f.suggestions.emplace_back("Reversed words aren't much harder to guess");
    if (m.l33t) f.suggestions.emplace_back("Predictable substitutions like '@' instead of 'a' don't help very much");
    return f;
}

std::optional<Feedback> match_feedback(const Match& m, bool sole) {
    switch (m.pattern) {
        case Pattern::dictionary:
            return dictionary_feedback(m, sole);
        case Pattern::spatial:
            return Feedback{
                m.turns == 1 ? "Straight rows of keys are easy to guess" : "Short keyboard patterns are easy to guess",
                {"Use a longer keyboard pattern with more turns"}};
        case Pattern::repeat:
            return Feedback{m.base_token.size() == 1
                                ? "Repeats like \"aaa\" are easy to guess"
                                : "Repeats like \"abcabcabc\" are only slightly harder to guess than \"abc\"",
                            {"Avoid repeated words and characters"}};
        case Pattern::sequence:
            return Feedback{"Sequences like abc or 6543 are easy to guess", {"Avoid sequences"}};
        case Pattern::regex:
            return Feedback{"Recent years are easy to guess", {"Avoid recent years", "Avoid years that are associated with you"}};
        case Pattern::date:
            return Feedback{"Dates are often easy to guess", {"Avoid dates and years that are associated with you"}};
        case Pattern::bruteforce:
            return std::nullopt;
    }
    return std::nullopt;
}

void fill_feedback(Result& r) {
    if (r.sequence.empty()) {
        r.warning = "";
        r.suggestions = {"Use a few words, avoid common phrases", "No need for symbols, digits, or uppercase letters"};
        return;
    }
    if (r.score > 2) return;
    const Match* longest = &r.sequence[0];
    for (const auto& m : r.sequence)
        if (m.token.size() > longest->token.size()) longest = &m;
    auto f = match_feedback(*longest, r.sequence.size() == 1);
    const std::string extra = "Add another word or two. Uncommon words are better.";
    if (f) {
        r.warning = f->warning.value_or("");
        r.suggestions = std::move(f->suggestions);
        r.suggestions.insert(r.suggestions.begin(), extra);
    } else {
        r.suggestions = {extra};
    }
}

int current_year() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    return tm.tm_year + 1900;
}

Context make_context(const std::vector<std::u32string>& user_inputs, int reference_year) {
    Context ctx;
    ctx.reference_year = reference_year > 0 ? reference_year : current_year();
    ctx.user_dict_index = static_cast<int>(data().names.size() - 1);
    std::map<std::u32string, long long> ranked;
    long long rank = 1;
    for (const auto& input : user_inputs) ranked[lower(input)] = rank++;  // a repeated input keeps its last rank
    ctx.user_inputs.assign(ranked.begin(), ranked.end());
    return ctx;
}

}  // namespace

const std::vector<std::string>& dictionary_names() { return data().names; }

int score_from_guesses(double guesses) {
    constexpr double delta = 5;
    if (guesses < 1e3 + delta) return 0;
    if (guesses < 1e6 + delta) return 1;
    if (guesses < 1e8 + delta) return 2;
    if (guesses < 1e10 + delta) return 3;
    return 4;
}

std::vector<Match> omnimatch(const std::u32string& password, const std::vector<std::u32string>& user_inputs, int reference_year) {
    return omnimatch_with(password, make_context(user_inputs, reference_year));
}

Result estimate(std::string_view password_utf8, const std::vector<std::string>& user_inputs, Options options) {
    const auto password = decode(password_utf8);
    std::vector<std::u32string> inputs;
    inputs.reserve(user_inputs.size());
    for (const auto& s : user_inputs) inputs.push_back(decode(s));
    const auto ctx = make_context(inputs, options.reference_year);
    auto search = most_guessable_match_sequence(password, omnimatch_with(password, ctx), ctx);
    Result r;
    r.guesses = search.guesses;
    r.guesses_log10 = std::log10(search.guesses);
    r.score = score_from_guesses(search.guesses);
    r.sequence = std::move(search.sequence);
    fill_feedback(r);
    return r;
}

}  // namespace zxcvbn
