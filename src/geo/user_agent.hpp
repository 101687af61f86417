#pragma once
// User-Agent parsing with the ua-parser regex collection (Debian's uap-core regexes.yaml),
// matched with RE2 (linear time: a hostile header cannot make matching explode), with an
// LRU cache because the same few user agents repeat.
//
// The collection has 1,162 patterns; compiling them all took most of the server's start and
// ~6.5 MiB. So each pattern is compiled the first time an agent needs it, and an agent is
// only tried against patterns whose required text it contains (required_literal): a desktop
// Chrome is tried against ~200 patterns instead of walking ~1,100, and a server that sees
// the usual browsers compiles a few hundred.
#include <future>
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
        bool operator==(const Agent&) const = default;
    } ua;
    struct Os {
        std::string family = "Other";
        std::optional<std::string> major, minor, patch, patch_minor;
        bool operator==(const Os&) const = default;
    } os;
    struct Device {
        std::string family = "Other";
        std::optional<std::string> brand, model;
        bool operator==(const Device&) const = default;
    } device;

    // "Chrome 120 on Mac OS X 10.15", "Mobile Safari 17 on iOS 17.1 (iPhone)", "Unknown device".
    std::string readable() const;
    // What makes a device "the same" for new-device alerts: browser, OS and device families.
    std::string device_key() const;

    bool operator==(const ParsedUserAgent&) const = default;
};

// The longest text every match of an RE2 `pattern` contains, or "" when that cannot be told
// simply (an alternation at the top, inline flags, escapes such as \x41). Never wrong: a
// pattern that matches a text finds its required literal in that text (fuzzed against RE2).
std::string required_literal(std::string_view pattern);

class UserAgentParser {
public:
    // off: try every pattern in order, as ua-parser describes it (the reference the tests
    // and the fuzz target compare the filtered parse with).
    enum class Prefilter { on, off };

    // Reads regexes.yaml (patterns compile at first use); throws std::runtime_error naming
    // the problem.
    static std::unique_ptr<UserAgentParser> load(const std::string& regexes_yaml_path, std::size_t cache_size = 10'000,
                                                 Prefilter prefilter = Prefilter::on);
    ~UserAgentParser();

    // Reads the file on a thread of its own and returns at once, so a server's start does not
    // wait for yaml-cpp (~35 ms). A parse before the read has ended waits for it; a file that
    // cannot be read is logged (geo.user_agents_unavailable) and every agent parses as "Other".
    static std::unique_ptr<UserAgentParser> load_in_background(std::string regexes_yaml_path, std::size_t cache_size = 10'000);

    // Compiles every pattern now; the errors of those that do not compile ("" when all do).
    // A pattern that does not compile never matches, and is logged when first needed.
    std::string compile_all() const;

    // Uncached parse (conformance tests, benchmarks).
    ParsedUserAgent parse_uncached(std::string_view ua) const;
    // Cached parse; safe from many threads.
    ParsedUserAgent parse(std::string_view ua) const;

    struct Rule;

private:
    UserAgentParser() = default;
    void read(const std::string& path);
    void wait_until_read() const {
        if (read_.valid()) read_.wait();
    }

    std::vector<std::unique_ptr<Rule>> ua_rules_, os_rules_, device_rules_;
    bool prefilter_ = true;
    std::shared_future<void> read_;  // valid while or after a background read
    std::size_t cache_size_ = 0;
    mutable std::mutex cache_mutex_;
    mutable std::list<std::pair<std::string, ParsedUserAgent>> lru_;
    mutable std::unordered_map<std::string_view, std::list<std::pair<std::string, ParsedUserAgent>>::iterator> index_;
};

inline constexpr const char* kDefaultRegexesPath = "/usr/share/uap-core/regexes.yaml";

}  // namespace geo
