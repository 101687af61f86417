#include "geo/user_agent.hpp"

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <stdexcept>

namespace geo {

struct UserAgentParser::Rule {
    std::unique_ptr<RE2> regex;
    // Replacements in the order of the section's fields; nullopt when absent.
    std::vector<std::optional<std::string>> replacements;
};

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

std::vector<std::unique_ptr<UserAgentParser::Rule>> compile(std::vector<RuleText> texts, const char* section) {
    std::vector<std::unique_ptr<UserAgentParser::Rule>> rules;
    rules.reserve(texts.size());
    for (auto& t : texts) {
        auto rule = std::make_unique<UserAgentParser::Rule>();
        RE2::Options o;
        o.set_log_errors(false);
        o.set_max_mem(8 << 20);
        o.set_case_sensitive(!t.case_insensitive);
        o.set_encoding(RE2::Options::EncodingLatin1);
        rule->regex = std::make_unique<RE2>(t.pattern, o);
        if (!rule->regex->ok())
            throw std::runtime_error(std::string("regexes.yaml: ") + section +
                                     " pattern does not compile: " + rule->regex->error());
        rule->replacements = std::move(t.replacements);
        rules.push_back(std::move(rule));
    }
    return rules;
}

// The first rule that matches, with its capture groups (index 0 = whole match).
const UserAgentParser::Rule* first_match(const std::vector<std::unique_ptr<UserAgentParser::Rule>>& rules, std::string_view ua,
                                         std::vector<std::string_view>& groups) {
    re2::StringPiece input(ua.data(), ua.size());
    for (const auto& rule : rules) {
        const int n = std::min<int>(rule->regex->NumberOfCapturingGroups() + 1, static_cast<int>(kMaxGroups));
        re2::StringPiece captured[kMaxGroups];
        if (!rule->regex->Match(input, 0, input.size(), RE2::UNANCHORED, captured, n)) continue;
        groups.assign(kMaxGroups, std::string_view{});
        for (int i = 0; i < n; ++i)
            if (captured[i].data())
                groups[static_cast<std::size_t>(i)] = std::string_view(captured[i].data(), captured[i].size());
        return rule.get();
    }
    return nullptr;
}

}  // namespace

std::unique_ptr<UserAgentParser> UserAgentParser::load(const std::string& path, std::size_t cache_size) {
    // Read everything out of the (large, short-lived) YAML tree and drop it before compiling,
    // so the long-lived regexes are not scattered among freed YAML nodes (idle RSS).
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
    std::unique_ptr<UserAgentParser> p(new UserAgentParser());
    p->ua_rules_ = compile(std::move(ua), "user_agent_parsers");
    p->os_rules_ = compile(std::move(os), "os_parsers");
    p->device_rules_ = compile(std::move(device), "device_parsers");
    p->cache_size_ = cache_size;
    return p;
}

UserAgentParser::~UserAgentParser() = default;

ParsedUserAgent UserAgentParser::parse_uncached(std::string_view ua) const {
    if (ua.size() > kMaxUserAgent) ua = ua.substr(0, kMaxUserAgent);
    ParsedUserAgent out;
    std::vector<std::string_view> g;
    if (auto* r = first_match(ua_rules_, ua, g)) {
        out.ua.family = field(r->replacements[0], g, 1).value_or("Other");
        out.ua.major = field(r->replacements[1], g, 2);
        out.ua.minor = field(r->replacements[2], g, 3);
        out.ua.patch = field(r->replacements[3], g, 4);
    }
    if (auto* r = first_match(os_rules_, ua, g)) {
        out.os.family = field(r->replacements[0], g, 1).value_or("Other");
        out.os.major = field(r->replacements[1], g, 2);
        out.os.minor = field(r->replacements[2], g, 3);
        out.os.patch = field(r->replacements[3], g, 4);
        out.os.patch_minor = field(r->replacements[4], g, 5);
    }
    if (auto* r = first_match(device_rules_, ua, g)) {
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
