// ua-parser's own conformance suites (shipped by Debian's uap-core) and real-world agents.
#include "geo/user_agent.hpp"

#include <yaml-cpp/yaml.h>
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <thread>
#include <vector>

namespace {

const geo::UserAgentParser& parser() {
    static auto p = geo::UserAgentParser::load(geo::kDefaultRegexesPath);
    return *p;
}

std::optional<std::string> opt(const YAML::Node& n) {
    if (!n || n.IsNull()) return std::nullopt;
    auto s = n.as<std::string>();
    if (s.empty()) return std::nullopt;
    return s;
}

std::string show(const std::optional<std::string>& s) { return s ? "'" + *s + "'" : "null"; }

// Runs one suite; `check` returns "" on agreement or a description of the difference.
void run_suite(const std::string& file, const std::function<std::string(const YAML::Node&)>& check) {
    auto root = YAML::LoadFile("/usr/share/uap-core/tests/" + file);
    std::size_t total = 0, failed = 0;
    std::vector<std::string> samples;
    for (const auto& tc : root["test_cases"]) {
        ++total;
        auto diff = check(tc);
        if (diff.empty()) continue;
        ++failed;
        if (samples.size() < 15) samples.push_back(tc["user_agent_string"].as<std::string>() + "\n      " + diff);
    }
    const double pass = 100.0 * static_cast<double>(total - failed) / static_cast<double>(total);
    std::cout << file << ": " << total - failed << "/" << total << " pass (" << pass << "%)\n";
    for (const auto& s : samples) std::cout << "  FAIL " << s << "\n";
    EXPECT_GE(total, 400u);
    EXPECT_GE(pass, 99.5) << file;
}

}  // namespace

TEST(UserAgentConformance, TestUaYaml) {
    run_suite("test_ua.yaml", [](const YAML::Node& tc) {
        auto p = parser().parse_uncached(tc["user_agent_string"].as<std::string>());
        std::string diff;
        if (p.ua.family != tc["family"].as<std::string>())
            diff += "family " + p.ua.family + " vs " + tc["family"].as<std::string>() + "; ";
        if (p.ua.major != opt(tc["major"])) diff += "major " + show(p.ua.major) + " vs " + show(opt(tc["major"])) + "; ";
        if (p.ua.minor != opt(tc["minor"])) diff += "minor " + show(p.ua.minor) + " vs " + show(opt(tc["minor"])) + "; ";
        if (p.ua.patch != opt(tc["patch"])) diff += "patch " + show(p.ua.patch) + " vs " + show(opt(tc["patch"])) + "; ";
        return diff;
    });
}

TEST(UserAgentConformance, TestOsYaml) {
    run_suite("test_os.yaml", [](const YAML::Node& tc) {
        auto p = parser().parse_uncached(tc["user_agent_string"].as<std::string>());
        std::string diff;
        if (p.os.family != tc["family"].as<std::string>())
            diff += "family " + p.os.family + " vs " + tc["family"].as<std::string>() + "; ";
        if (p.os.major != opt(tc["major"])) diff += "major " + show(p.os.major) + " vs " + show(opt(tc["major"])) + "; ";
        if (p.os.minor != opt(tc["minor"])) diff += "minor " + show(p.os.minor) + " vs " + show(opt(tc["minor"])) + "; ";
        if (p.os.patch != opt(tc["patch"])) diff += "patch " + show(p.os.patch) + " vs " + show(opt(tc["patch"])) + "; ";
        if (p.os.patch_minor != opt(tc["patch_minor"]))
            diff += "patch_minor " + show(p.os.patch_minor) + " vs " + show(opt(tc["patch_minor"])) + "; ";
        return diff;
    });
}

TEST(UserAgentConformance, TestDeviceYaml) {
    run_suite("test_device.yaml", [](const YAML::Node& tc) {
        auto p = parser().parse_uncached(tc["user_agent_string"].as<std::string>());
        std::string diff;
        if (p.device.family != tc["family"].as<std::string>())
            diff += "family " + p.device.family + " vs " + tc["family"].as<std::string>() + "; ";
        if (p.device.brand != opt(tc["brand"])) diff += "brand " + show(p.device.brand) + " vs " + show(opt(tc["brand"])) + "; ";
        if (p.device.model != opt(tc["model"])) diff += "model " + show(p.device.model) + " vs " + show(opt(tc["model"])) + "; ";
        return diff;
    });
}

TEST(UserAgent, ReadableStringsForRealWorldAgents) {
    struct Case {
        const char* ua;
        const char* readable;
    };
    const Case cases[] = {
        {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
         "Chrome 120 on Mac OS X 10.15"},
        {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 "
         "Mobile/15E148 Safari/604.1",
         "Mobile Safari 17 on iOS 17.1 (iPhone)"},
        {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 "
         "Edg/119.0.0.0",
         "Edge 119 on Windows 10"},
        {"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox 121 on Windows 10"},
        {"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0", "Firefox 120 on Ubuntu"},
        {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
         "Chrome 120 on Linux"},
        {"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.43 Mobile "
         "Safari/537.36",
         "Chrome Mobile 120 on Android 14 (Pixel 8)"},
        {"Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 "
         "Mobile Safari/537.36",
         "Samsung Internet 23 on Android 13 (Samsung SM-S918B)"},
        {"Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 "
         "Safari/604.1",
         "Mobile Safari 16 on iOS 16.6 (iPad)"},
        {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
         "Safari 17 on Mac OS X 10.15"},
        {"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Googlebot 2 (Spider)"},
        {"curl/7.88.1", "curl 7"},
        {"python-requests/2.31.0", "Python Requests 2"},
        {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:120.0) Gecko/20100101 Firefox/120.0", "Firefox 120 on Mac OS X 10.15"},
        {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 "
         "OPR/105.0.0.0",
         "Opera 105 on Windows 10"},
        {"Mozilla/5.0 (Windows NT 6.1; Win64; x64; Trident/7.0; rv:11.0) like Gecko", "IE 11 on Windows 7"},
        {"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
         "Chrome Mobile 120 on Android 10 (K)"},
        {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 "
         "Mobile/15E148 Safari/604.1",
         "Chrome Mobile iOS 120 on iOS 17.1 (iPhone)"},
        {"Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/120.0 "
         "Mobile/15E148 Safari/605.1.15",
         "Firefox iOS 120 on iOS 16.6 (iPhone)"},
        {"Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
         "Chrome 120 on Android 13 (SM-X700)"},
        {"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
         "Chrome 120 on Chrome OS 14541.0"},
        {"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "bingbot 2 (Spider)"},
        {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 "
         "Edg/120.0.0.0",
         "Edge 120 on Windows 10"},
        {"Mozilla/5.0 (Linux; Android 14; SM-G991B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
         "Chrome Mobile 120 on Android 14 (Samsung SM-G991B)"},
        {"Wget/1.21.3", "Wget 1"},
        {"PostmanRuntime/7.36.0", "PostmanRuntime 7"},
        {"okhttp/4.12.0", "okhttp 4"},
        {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Safari/605.1.15",
         "Safari 16 on Mac OS X 10.15"},
        {"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "FacebookBot 1 (Spider)"},
        {"", "Unknown device"},
        {"garbage \x01\x02 not a browser", "Unknown device"},
    };
    for (const auto& c : cases) EXPECT_EQ(parser().parse(c.ua).readable(), c.readable) << c.ua;
}

TEST(UserAgent, DeviceKeyIgnoresVersions) {
    auto a = parser().parse("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0");
    auto b = parser().parse("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:122.0) Gecko/20100101 Firefox/122.0");
    auto c = parser().parse("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0");
    EXPECT_EQ(a.device_key(), b.device_key());
    EXPECT_NE(a.device_key(), c.device_key());
}

TEST(UserAgent, CacheReturnsTheSameAnswerAndHugeHeadersAreBounded) {
    std::string ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
    EXPECT_EQ(parser().parse(ua).readable(), parser().parse_uncached(ua).readable());
    EXPECT_EQ(parser().parse(ua).readable(), parser().parse(ua).readable());
    std::string huge(100'000, 'A');
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(parser().parse(huge).readable(), "Unknown device");
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(UserAgent, EveryPatternOfDebiansFileCompiles) {
    auto fresh = geo::UserAgentParser::load(geo::kDefaultRegexesPath);
    EXPECT_EQ(fresh->compile_all(), "");
}

// Built with AddressSanitizer or ThreadSanitizer (GCC says so with a macro, clang with
// __has_feature).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
constexpr bool kSanitized = __has_feature(address_sanitizer) || __has_feature(thread_sanitizer);
#else
constexpr bool kSanitized = false;
#endif

// Every how many of uap-core's agents the filtered parse is compared on: a sixth in the Release
// suite (all of them take ~34 s), a twenty-fourth under the sanitizers, whose suite is short
// of CPU and which check memory, not agreement (their fuzz target user_agent compares the two
// on any agent).
constexpr std::size_t kAgentStride = kSanitized ? 24 : 6;

// The prefilter only skips patterns that cannot match: on a sample of the three suites'
// agents (kAgentStride), and the upper- and lower-case forms of a tenth of those (for the
// case-insensitive patterns), the filtered parse equals trying every pattern in order.
TEST(UserAgent, TheFilteredParseAgreesWithTryingEveryPattern) {
    auto every = geo::UserAgentParser::load(geo::kDefaultRegexesPath, 0, geo::UserAgentParser::Prefilter::off);
    std::size_t agents = 0, differing = 0, n = 0;
    for (const char* file : {"test_ua.yaml", "test_os.yaml", "test_device.yaml"}) {
        for (const auto& tc : YAML::LoadFile(std::string("/usr/share/uap-core/tests/") + file)["test_cases"]) {
            if (n++ % kAgentStride != 0) continue;
            const auto ua = tc["user_agent_string"].as<std::string>();
            std::vector<std::string> forms{ua};
            if (n % (10 * kAgentStride) == 1) {
                forms.push_back(ua);
                forms.push_back(ua);
                for (auto& c : forms[1]) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                for (auto& c : forms[2]) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
            for (const auto& agent : forms) {
                ++agents;
                auto filtered = parser().parse_uncached(agent);
                auto reference = every->parse_uncached(agent);
                if (filtered == reference) continue;
                if (++differing <= 5)
                    ADD_FAILURE() << agent << "\n  filtered:  " << filtered.readable()
                                  << "\n  reference: " << reference.readable();
            }
        }
    }
    EXPECT_GT(agents, 18'000u / kAgentStride);
    EXPECT_EQ(differing, 0u);
}

TEST(RequiredLiteral, TheLongestTextEveryMatchContains) {
    EXPECT_EQ(geo::required_literal(R"((Pingdom\.com_bot_version_)(\d+)\.(\d+))"), "Pingdom.com_bot_version_");
    EXPECT_EQ(geo::required_literal(R"(Version/(\d+)\.(\d+) Safari)"), "Version/");
    EXPECT_EQ(geo::required_literal(R"((Black[bB]erry|BB10).{1,200}Version/(\d+))"), "Version/");  // the group's | is its own
    EXPECT_EQ(geo::required_literal(R"(x(ab)+yz)"), "xab");   // "ab" is there once at least, right after x
    EXPECT_EQ(geo::required_literal(R"(abc?defg)"), "defg");  // c may be absent
    EXPECT_EQ(geo::required_literal(R"(abc{0,2}de)"), "ab");
    EXPECT_EQ(geo::required_literal(R"(ab(cd)?ef)"), "ab");  // an optional group
    EXPECT_EQ(geo::required_literal(R"(abc*?d)"), "ab");
    EXPECT_EQ(geo::required_literal(R"([ab]cdef)"), "cdef");
    EXPECT_EQ(geo::required_literal(R"(a\.b\/c)"), "a.b/c");
    EXPECT_EQ(geo::required_literal(R"(^Mozilla\d+$)"), "Mozilla");
}

TEST(RequiredLiteral, WhatItDoesNotFollowGivesNothing) {
    for (const char* pattern : {"Chrome|Firefox", "(?i)chrome", "(?P<name>abc)", R"(\x41BCD)", R"(\QChrome\E)", "[[:alpha:]]xyz",
                                "(unbalanced", "[unterminated", "ab{x}", "caf\xc3\xa9", R"(\pLabc)"})
        EXPECT_EQ(geo::required_literal(pattern), "") << pattern;
}

// What the server uses: a parse right after the start waits for the read and answers as the
// synchronous parser does; a file that cannot be read leaves every agent "Other" (logged).
TEST(UserAgent, ABackgroundReadAnswersFromTheFirstParse) {
    const std::string chrome =
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
    auto background = geo::UserAgentParser::load_in_background(geo::kDefaultRegexesPath);
    EXPECT_EQ(background->parse(chrome), parser().parse_uncached(chrome));
    EXPECT_EQ(background->parse(chrome).readable(), "Chrome 120 on Linux");

    auto missing = geo::UserAgentParser::load_in_background("/nonexistent/regexes.yaml");
    EXPECT_EQ(missing->parse(chrome).readable(), "Unknown device");
    EXPECT_EQ(missing->compile_all(), "");
    // Destroyed while still reading: waits for the read rather than freeing under it.
    geo::UserAgentParser::load_in_background(geo::kDefaultRegexesPath).reset();
}

// Threads parsing at once, before the read has ended and while patterns compile at first
// use, get the answers one thread gets (run under ThreadSanitizer by scripts/test --sanitize).
TEST(UserAgent, ThreadsParsingAtOnceWhilePatternsCompileAgree) {
    const std::vector<std::string> agents = {
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 "
        "Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.43 Mobile "
        "Safari/537.36"};
    auto shared = geo::UserAgentParser::load_in_background(geo::kDefaultRegexesPath, 0);
    std::vector<std::vector<geo::ParsedUserAgent>> seen(4);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < seen.size(); ++t)
        threads.emplace_back([&, t] {
            for (std::size_t i = 0; i < agents.size(); ++i) seen[t].push_back(shared->parse(agents[(i + t) % agents.size()]));
        });
    for (auto& thread : threads) thread.join();
    for (std::size_t t = 0; t < seen.size(); ++t)
        for (std::size_t i = 0; i < agents.size(); ++i)
            EXPECT_EQ(seen[t][i], parser().parse_uncached(agents[(i + t) % agents.size()])) << agents[(i + t) % agents.size()];
}

TEST(UserAgent, MissingRegexFileIsAClearError) {
    EXPECT_THROW(geo::UserAgentParser::load("/nonexistent/regexes.yaml"), std::runtime_error);
}
