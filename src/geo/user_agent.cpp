#include "geo/user_agent.hpp"

#include "common/text.hpp"
#include "observe/log.hpp"

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <stdexcept>

namespace geo {

struct UserAgentParser::Rule {
    std::string pattern;
    bool case_insensitive = false;
    std::string literal;  // required_literal(pattern), lower-case when case_insensitive; "" = none
    // Replacements in the order of the section's fields; nullopt when absent.
    std::vector<std::optional<std::string>> replacements;

    // The compiled pattern, compiled at the first call; null when it does not compile.
    const RE2* regex() const {
        std::call_once(compiled_, [this] {
            RE2::Options o;
            o.set_log_errors(false);
            o.set_max_mem(8 << 20);
            o.set_case_sensitive(!case_insensitive);
            o.set_encoding(RE2::Options::EncodingLatin1);
            auto re = std::make_unique<RE2>(pattern, o);
            if (re->ok()) {
                regex_ = std::move(re);
            } else {
                error_ = re->error();
                observe::warn("geo.user_agent_pattern_invalid",
                              {{"pattern", pattern}, {"error", error_}, {"effect", "this regexes.yaml rule never matches"}});
            }
        });
        return regex_.get();
    }
    // Why the pattern does not compile; "" when it does (after regex()).
    const std::string& error() const { return error_; }

private:
    mutable std::once_flag compiled_;
    mutable std::unique_ptr<RE2> regex_;
    mutable std::string error_;
};

namespace {

// The index just past the character class opening at p[i] ('['), or npos (unterminated, or a
// nested [:alpha:] class, which this reader does not follow).
std::size_t class_end(std::string_view p, std::size_t i) {
    ++i;
    if (i < p.size() && p[i] == '^') ++i;
    if (i < p.size() && p[i] == ']') ++i;  // a ']' first is a member
    for (; i < p.size(); ++i) {
        if (p[i] == '\\')
            ++i;
        else if (p[i] == '[')
            return std::string_view::npos;
        else if (p[i] == ']')
            return i + 1;
    }
    return std::string_view::npos;
}

struct GroupEnd {
    std::size_t close = std::string_view::npos;  // the index of the group's ')'
    bool alternation = false;                    // a '|' of its own (not of a group inside)
};

GroupEnd group_end(std::string_view p, std::size_t i) {
    GroupEnd g;
    int depth = 0;
    for (; i < p.size(); ++i) {
        if (p[i] == '\\') {
            ++i;
        } else if (p[i] == '[') {
            auto end = class_end(p, i);
            if (end == std::string_view::npos) return {};
            i = end - 1;
        } else if (p[i] == '(') {
            ++depth;
        } else if (p[i] == ')' && --depth == 0) {
            g.close = i;
            return g;
        } else if (p[i] == '|' && depth == 1) {
            g.alternation = true;
        }
    }
    return {};
}

bool is_quantifier_digits(std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789,") == std::string_view::npos;
}

}  // namespace

// Reads the pattern's top-level sequence: runs of literal characters, groups without an
// alternation or an optional quantifier read through, everything else (classes, '.', \d,
// anchors, optional or alternative groups) ending a run. A character followed by ?, * or
// {n,m} may be absent, so it leaves its run; one followed by + is there at least once, but
// what follows is not next to it. The longest run is required. Anything this reader does
// not follow gives "".
std::string required_literal(std::string_view p) {
    std::string best, run;
    bool last_is_literal = false;  // the atom just read is run's last character
    auto end_run = [&] {
        if (run.size() > best.size()) best = run;
        run.clear();
        last_is_literal = false;
    };
    for (std::size_t i = 0; i < p.size();) {
        const auto c = static_cast<unsigned char>(p[i]);
        if (c >= 0x80 || c == '|') return {};  // Latin-1 case folding; an alternation has no single literal
        if (c == '(') {
            const bool non_capturing = i + 1 < p.size() && p[i + 1] == '?';
            if (non_capturing && !(i + 2 < p.size() && p[i + 2] == ':')) return {};  // (?i), named groups
            auto group = group_end(p, i);
            if (group.close == std::string_view::npos) return {};
            const std::size_t after = group.close + 1;
            const bool optional = after < p.size() && (p[after] == '?' || p[after] == '*' || p[after] == '{');
            if (group.alternation || optional) {
                end_run();
                i = after;  // its quantifier, if any, follows a non-literal
            } else {
                i += non_capturing ? 3 : 1;  // its contents continue the sequence
            }
        } else if (c == ')') {
            ++i;  // the end of a group read through
        } else if (c == '[') {
            end_run();
            i = class_end(p, i);
            if (i == std::string_view::npos) return {};
        } else if (c == '?' || c == '*' || c == '{' || c == '+') {
            if (c != '+' && last_is_literal) run.pop_back();
            end_run();
            if (c == '{') {
                auto close = p.find('}', i);
                if (close == std::string_view::npos || !is_quantifier_digits(p.substr(i + 1, close - i - 1))) return {};
                i = close + 1;
            } else {
                ++i;
            }
            if (i < p.size() && p[i] == '?') ++i;  // non-greedy
        } else if (c == '\\') {
            if (i + 1 >= p.size()) return {};
            const auto next = static_cast<unsigned char>(p[i + 1]);
            if (std::isalnum(next)) {
                // \d \w \s \b and their kin end a run; \x41, \pL, \Q...\E, \1 are not followed.
                if (std::string_view("dDwWsSbBAz").find(static_cast<char>(next)) == std::string_view::npos) return {};
                end_run();
            } else {
                run += static_cast<char>(next);  // escaped punctuation stands for itself
                last_is_literal = true;
            }
            i += 2;
        } else if (c == '.' || c == '^' || c == '$') {
            end_run();
            ++i;
        } else {
            run += static_cast<char>(c);
            last_is_literal = true;
            ++i;
        }
    }
    end_run();
    return best;
}

namespace {

constexpr std::size_t kMaxGroups = 10;
constexpr std::size_t kMaxUserAgent = 1024;

// Fills $1..$9 from the match; an unmatched group is empty. Trims the result.
std::string substitute(const std::string& tmpl, const std::vector<std::string_view>& groups) {
    std::string out;
    for (std::size_t i = 0; i < tmpl.size(); ++i) {
        if (tmpl[i] == '$' && i + 1 < tmpl.size() && tmpl[i + 1] >= '1' && tmpl[i + 1] <= '9') {
            std::size_t g = static_cast<std::size_t>(tmpl[i + 1] - '0');
            if (g < groups.size()) out.append(groups[g]);
            ++i;
        } else {
            out += tmpl[i];
        }
    }
    auto first = out.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    auto last = out.find_last_not_of(" \t");
    return out.substr(first, last - first + 1);
}

std::optional<std::string> non_empty(std::string s) {
    return s.empty() ? std::nullopt : std::optional<std::string>(std::move(s));
}

// A field's value: its replacement (with $n filled) if the rule has one, else capture `group`.
std::optional<std::string> field(const std::optional<std::string>& replacement, const std::vector<std::string_view>& groups,
                                 std::size_t group) {
    if (replacement) return non_empty(substitute(*replacement, groups));
    if (group < groups.size() && !groups[group].empty()) return non_empty(std::string(groups[group]));
    return std::nullopt;
}

// A rule as read from YAML, before compiling.
struct RuleText {
    std::string pattern;
    bool case_insensitive = false;
    std::vector<std::optional<std::string>> replacements;
};

std::vector<RuleText> read_section(const YAML::Node& list, std::initializer_list<const char*> fields, const char* section) {
    if (!list || !list.IsSequence()) throw std::runtime_error(std::string("regexes.yaml: missing section ") + section);
    std::vector<RuleText> out;
    for (const auto& entry : list) {
        RuleText r;
        r.pattern = entry["regex"].as<std::string>();
        r.case_insensitive = entry["regex_flag"] && entry["regex_flag"].as<std::string>() == "i";
        for (const char* f : fields)
            r.replacements.push_back(entry[f] ? std::optional<std::string>(entry[f].as<std::string>()) : std::nullopt);
        out.push_back(std::move(r));
    }
    return out;
}

std::vector<std::unique_ptr<UserAgentParser::Rule>> rules_of(std::vector<RuleText> texts) {
    std::vector<std::unique_ptr<UserAgentParser::Rule>> rules;
    rules.reserve(texts.size());
    for (auto& t : texts) {
        auto rule = std::make_unique<UserAgentParser::Rule>();
        rule->literal = required_literal(t.pattern);
        if (t.case_insensitive) rule->literal = common::ascii_lower(rule->literal);
        rule->pattern = std::move(t.pattern);
        rule->case_insensitive = t.case_insensitive;
        rule->replacements = std::move(t.replacements);
        rules.push_back(std::move(rule));
    }
    return rules;
}

// What a parse matches against: the agent, and (for the prefilter) its lower-case form.
struct Subject {
    std::string_view text;
    std::string lower;  // "" when the prefilter is off
    bool prefilter = false;

    // False when the rule's required text is missing, so it cannot match.
    bool may_match(const UserAgentParser::Rule& rule) const {
        if (!prefilter || rule.literal.empty()) return true;
        return (rule.case_insensitive ? std::string_view(lower) : text).find(rule.literal) != std::string_view::npos;
    }
};

// The first rule that matches, with its capture groups (index 0 = whole match).
const UserAgentParser::Rule* first_match(const std::vector<std::unique_ptr<UserAgentParser::Rule>>& rules, const Subject& ua,
                                         std::vector<std::string_view>& groups) {
    re2::StringPiece input(ua.text.data(), ua.text.size());
    for (const auto& rule : rules) {
        if (!ua.may_match(*rule)) continue;
        const RE2* regex = rule->regex();
        if (!regex) continue;
        const int n = std::min<int>(regex->NumberOfCapturingGroups() + 1, static_cast<int>(kMaxGroups));
        re2::StringPiece captured[kMaxGroups];
        if (!regex->Match(input, 0, input.size(), RE2::UNANCHORED, captured, n)) continue;
        groups.assign(kMaxGroups, std::string_view{});
        for (int i = 0; i < n; ++i)
            if (captured[i].data())
                groups[static_cast<std::size_t>(i)] = std::string_view(captured[i].data(), captured[i].size());
        return rule.get();
    }
    return nullptr;
}

}  // namespace

void UserAgentParser::read(const std::string& path) {
    // Read everything out of the (large, short-lived) YAML tree and drop it, so the
    // long-lived rules are not scattered among freed YAML nodes (idle RSS).
    std::vector<RuleText> ua, os, device;
    try {
        YAML::Node root = YAML::LoadFile(path);
        ua = read_section(root["user_agent_parsers"],
                          {"family_replacement", "v1_replacement", "v2_replacement", "v3_replacement"}, "user_agent_parsers");
        os = read_section(root["os_parsers"],
                          {"os_replacement", "os_v1_replacement", "os_v2_replacement", "os_v3_replacement", "os_v4_replacement"},
                          "os_parsers");
        device = read_section(root["device_parsers"], {"device_replacement", "brand_replacement", "model_replacement"},
                              "device_parsers");
    } catch (const YAML::Exception& e) {
        throw std::runtime_error("cannot read " + path + ": " + e.what());
    }
    ua_rules_ = rules_of(std::move(ua));
    os_rules_ = rules_of(std::move(os));
    device_rules_ = rules_of(std::move(device));
}

std::unique_ptr<UserAgentParser> UserAgentParser::load(const std::string& path, std::size_t cache_size, Prefilter prefilter) {
    std::unique_ptr<UserAgentParser> p(new UserAgentParser());
    p->read(path);
    p->cache_size_ = cache_size;
    p->prefilter_ = prefilter == Prefilter::on;
    return p;
}

std::unique_ptr<UserAgentParser> UserAgentParser::load_in_background(std::string path, std::size_t cache_size) {
    std::unique_ptr<UserAgentParser> p(new UserAgentParser());
    p->cache_size_ = cache_size;
    p->read_ = std::async(std::launch::async, [parser = p.get(), path = std::move(path)] {
                   try {
                       parser->read(path);
                   } catch (const std::exception& e) {
                       observe::warn("geo.user_agents_unavailable",
                                     {{"error", e.what()}, {"effect", "devices show as 'Unknown device'"}});
                   }
               }).share();
    return p;
}

std::string UserAgentParser::compile_all() const {
    wait_until_read();
    std::string errors;
    auto check = [&](const std::vector<std::unique_ptr<Rule>>& rules, const char* section) {
        for (const auto& rule : rules)
            if (!rule->regex()) errors += std::string(section) + ": " + rule->pattern + ": " + rule->error() + "\n";
    };
    check(ua_rules_, "user_agent_parsers");
    check(os_rules_, "os_parsers");
    check(device_rules_, "device_parsers");
    return errors;
}

UserAgentParser::~UserAgentParser() { wait_until_read(); }

ParsedUserAgent UserAgentParser::parse_uncached(std::string_view ua) const {
    if (ua.size() > kMaxUserAgent) ua = ua.substr(0, kMaxUserAgent);
    wait_until_read();
    ParsedUserAgent out;
    Subject subject{ua, prefilter_ ? common::ascii_lower(ua) : std::string(), prefilter_};
    std::vector<std::string_view> g;
    if (auto* r = first_match(ua_rules_, subject, g)) {
        out.ua.family = field(r->replacements[0], g, 1).value_or("Other");
        out.ua.major = field(r->replacements[1], g, 2);
        out.ua.minor = field(r->replacements[2], g, 3);
        out.ua.patch = field(r->replacements[3], g, 4);
    }
    if (auto* r = first_match(os_rules_, subject, g)) {
        out.os.family = field(r->replacements[0], g, 1).value_or("Other");
        out.os.major = field(r->replacements[1], g, 2);
        out.os.minor = field(r->replacements[2], g, 3);
        out.os.patch = field(r->replacements[3], g, 4);
        out.os.patch_minor = field(r->replacements[4], g, 5);
    }
    if (auto* r = first_match(device_rules_, subject, g)) {
        out.device.family = field(r->replacements[0], g, 1).value_or("Other");
        out.device.brand = r->replacements[1] ? non_empty(substitute(*r->replacements[1], g)) : std::nullopt;
        out.device.model = field(r->replacements[2], g, 1);
    }
    return out;
}

ParsedUserAgent UserAgentParser::parse(std::string_view raw) const {
    std::string_view ua = raw.size() > kMaxUserAgent ? raw.substr(0, kMaxUserAgent) : raw;
    {
        std::lock_guard lock(cache_mutex_);
        if (auto it = index_.find(ua); it != index_.end()) {
            lru_.splice(lru_.begin(), lru_, it->second);
            return it->second->second;
        }
    }
    auto parsed = parse_uncached(ua);
    std::lock_guard lock(cache_mutex_);
    if (index_.find(ua) == index_.end() && cache_size_ > 0) {
        lru_.emplace_front(std::string(ua), parsed);
        index_.emplace(lru_.front().first, lru_.begin());
        if (lru_.size() > cache_size_) {
            index_.erase(lru_.back().first);
            lru_.pop_back();
        }
    }
    return parsed;
}

std::string ParsedUserAgent::readable() const {
    if (ua.family == "Other" && os.family == "Other" && device.family == "Other") return "Unknown device";
    std::string out = ua.family == "Other" ? "Unknown browser" : ua.family;
    if (ua.family != "Other" && ua.major) out += " " + *ua.major;
    if (os.family != "Other") {
        out += " on " + os.family;
        if (os.major) {
            out += " " + *os.major;
            if (os.minor) out += "." + *os.minor;
        }
    }
    // Desktops say enough through their OS; phones, tablets and bots name the device.
    if (device.family != "Other" && device.family != "Mac" && device.family != os.family) out += " (" + device.family + ")";
    return out;
}

std::string ParsedUserAgent::device_key() const { return ua.family + "|" + os.family + "|" + device.family; }

}  // namespace geo
