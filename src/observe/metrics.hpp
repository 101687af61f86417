#pragma once
// Prometheus metrics: lock-free counters and histograms fed on the request and job paths,
// rendered in the text exposition format (version 0.0.4) when /metrics is scraped.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace observe {

// Fixed buckets; observe() is a few relaxed atomic adds.
class Histogram {
public:
    explicit Histogram(std::vector<double> upper_bounds);
    void observe(double value);
    // name_bucket{labels,le="..."} (cumulative), name_sum, name_count.
    void write(std::string& out, std::string_view name, std::string_view labels) const;

    static std::vector<double> latency_buckets();  // 1 ms .. 10 s

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // per bucket, +Inf last
    std::atomic<std::uint64_t> count_{0};
    std::atomic<std::uint64_t> sum_micros_{0};
};

// "# HELP name help\n# TYPE name type\n"
void write_header(std::string& out, std::string_view name, std::string_view type, std::string_view help);
// "name{labels} value\n" (labels without braces; empty for none)
void write_sample(std::string& out, std::string_view name, std::string_view labels, double value);
// A label value with \, " and newlines escaped.
std::string label_value(std::string_view raw);

// Requests by route template, method and status, their durations, and in-flight count.
// Routes are registered before serving; lookups afterwards take no lock.
class HttpMetrics {
public:
    HttpMetrics();
    ~HttpMetrics();
    void add_route(const void* route, std::string_view method, std::string_view pattern);
    // `route` null (or unknown): counted as route="unmatched".
    void record(const void* route, std::string_view method, int status, double seconds);
    void begin() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
    void end() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }
    void write(std::string& out) const;

private:
    struct Series;
    Series& series_for(const void* route, std::string_view method);

    std::unordered_map<const void*, std::unique_ptr<Series>> routes_;
    std::unique_ptr<Series> unmatched_;
    std::atomic<std::int64_t> in_flight_{0};
};

// Resident memory and open file descriptors of this process (from /proc).
struct ProcessStats {
    std::uint64_t resident_bytes = 0;
    std::uint64_t open_fds = 0;
    static ProcessStats read();
};

}  // namespace observe
