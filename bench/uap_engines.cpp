// Which regex engine for uap-core: do both compile every pattern, and how fast does each
// try all of them on the real agents of test_ua.yaml (the cost of parsing an unseen agent)?
#include <yaml-cpp/yaml.h>
#include <re2/re2.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <chrono>
#include <iostream>
int main() {
    auto root = YAML::LoadFile("/usr/share/uap-core/regexes.yaml");
    std::vector<std::unique_ptr<RE2>> re2s;
    std::vector<pcre2_code*> pcres;
    for (auto sec : {"user_agent_parsers", "os_parsers", "device_parsers"})
        for (auto e : root[sec]) {
            auto rx = e["regex"].as<std::string>();
            bool ci = (bool)e["regex_flag"];
            RE2::Options o;
            o.set_case_sensitive(!ci);
            o.set_log_errors(false);
            re2s.push_back(std::make_unique<RE2>(rx, o));
            int err;
            PCRE2_SIZE off;
            auto* c = pcre2_compile((PCRE2_SPTR)rx.c_str(), rx.size(), ci ? PCRE2_CASELESS : 0, &err, &off, nullptr);
            pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
            pcres.push_back(c);
        }
    std::vector<std::string> uas;
    for (auto tc : YAML::LoadFile("/usr/share/uap-core/tests/test_ua.yaml")["test_cases"])
        uas.push_back(tc["user_agent_string"].as<std::string>());
    // Worst case per UA: try every pattern (what a parse of an unknown agent costs).
    auto t0 = std::chrono::steady_clock::now();
    long hits = 0;
    for (auto& ua : uas)
        for (auto& r : re2s) hits += RE2::PartialMatch(ua, *r);
    auto t1 = std::chrono::steady_clock::now();
    auto* md = pcre2_match_data_create(32, nullptr);
    for (auto& ua : uas)
        for (auto* c : pcres) hits += pcre2_match(c, (PCRE2_SPTR)ua.data(), ua.size(), 0, 0, md, nullptr) >= 0;
    auto t2 = std::chrono::steady_clock::now();
    auto us = [&](auto a, auto b) { return std::chrono::duration<double, std::micro>(b - a).count() / uas.size(); };
    std::cout << "agents " << uas.size() << " patterns " << re2s.size() << "\nRE2 all patterns per agent: " << us(t0, t1)
              << " us\nPCRE2-JIT all patterns per agent: " << us(t1, t2) << " us\n"
              << hits << "\n";
}
