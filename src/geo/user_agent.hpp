#pragma once
// User-Agent parsing with the ua-parser regex collection (Debian's uap-core regexes.yaml),
// matched with RE2 (linear time: a hostile header cannot make matching explode), with an
// LRU cache because the same few user agents repeat.
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace geo {

struct ParsedUserAgent {
    struct Agent {
        std::string family = "Other";
        std::optional<std::string> major, minor, patch;
    } ua;
    struct Os {
        std::string family = "Other";
        std::optional<std::string> major, minor, patch, patch_minor;
    } os;
    struct Device {
        std::string family = "Other";
        std::optional<std::string> brand, model;
    } device;

    // "Chrome 120 on Mac OS X 10.15", "Mobile Safari 17 on iOS 17.1 (iPhone)", "Unknown device".
    std::string readable() const;
    // What makes a device "the same" for new-device alerts: browser, OS and device families.
    std::string device_key() const;
};

class UserAgentParser {
public:
    // Loads and compiles regexes.yaml; throws std::runtime_error naming the problem.
    static std::unique_ptr<UserAgentParser> load(const std::string& regexes_yaml_path, std::size_t cache_size = 10'000);
    ~UserAgentParser();

    // Uncached parse (conformance tests, benchmarks).
    ParsedUserAgent parse_uncached(std::string_view ua) const;
    // Cached parse; safe from many threads.
    ParsedUserAgent parse(std::string_view ua) const;

    struct Rule;

private:
    UserAgentParser() = default;
    std::vector<std::unique_ptr<Rule>> ua_rules_, os_rules_, device_rules_;
    std::size_t cache_size_ = 0;
    mutable std::mutex cache_mutex_;
    mutable std::list<std::pair<std::string, ParsedUserAgent>> lru_;
    mutable std::unordered_map<std::string_view, std::list<std::pair<std::string, ParsedUserAgent>>::iterator> index_;
};

inline constexpr const char* kDefaultRegexesPath = "/usr/share/uap-core/regexes.yaml";

}  // namespace geo
