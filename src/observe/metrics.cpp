#include "observe/metrics.hpp"

#include "common/text.hpp"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <tuple>

namespace observe {
namespace {

constexpr int kMinStatus = 100, kMaxStatus = 599;

std::string number(double v) {
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char buf[64];
    if (v == std::floor(v) && std::fabs(v) < 1e15)
        std::snprintf(buf, sizeof buf, "%.0f", v);
    else
        std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
    for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

std::vector<double> Histogram::latency_buckets() {
    return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

void Histogram::observe(double value) {
    std::size_t i = 0;
    while (i < bounds_.size() && value > bounds_[i]) ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_micros_.fetch_add(static_cast<std::uint64_t>(std::max(0.0, value) * 1e6), std::memory_order_relaxed);
}

void Histogram::write(std::string& out, std::string_view name, std::string_view labels) const {
    const std::string bucket = std::string(name) + "_bucket";
    const std::string sep = labels.empty() ? "" : ",";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        cumulative += buckets_[i].load(std::memory_order_relaxed);
        const std::string le = i < bounds_.size() ? number(bounds_[i]) : "+Inf";
        write_sample(out, bucket, std::string(labels).append(sep).append("le=\"").append(le).append("\""),
                     static_cast<double>(cumulative));
    }
    write_sample(out, std::string(name) + "_sum", labels, static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6);
    write_sample(out, std::string(name) + "_count", labels, static_cast<double>(count_.load(std::memory_order_relaxed)));
}

void write_header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void write_sample(std::string& out, std::string_view name, std::string_view labels, double value) {
    out.append(name);
    if (!labels.empty()) out.append("{").append(labels).append("}");
    out.append(" ").append(number(value)).append("\n");
}

std::string label_value(std::string_view raw) { return common::escaped(raw, {{'\\', "\\\\"}, {'"', "\\\""}, {'\n', "\\n"}}); }

struct HttpMetrics::Series {
    std::string method;
    std::string route;
    std::array<std::atomic<std::uint64_t>, kMaxStatus - kMinStatus + 1> by_status{};
    Histogram duration{Histogram::latency_buckets()};
};

HttpMetrics::HttpMetrics() : unmatched_(std::make_unique<Series>()) {
    unmatched_->route = "unmatched";  // one series for every unknown path, so scanners cannot blow up cardinality
    unmatched_->method = "any";
}
HttpMetrics::~HttpMetrics() = default;

void HttpMetrics::add_route(const void* route, std::string_view method, std::string_view pattern) {
    auto s = std::make_unique<Series>();
    s->method = method;
    s->route = pattern;
    routes_[route] = std::move(s);
}

HttpMetrics::Series& HttpMetrics::series_for(const void* route, std::string_view) {
    if (route)
        if (auto it = routes_.find(route); it != routes_.end()) return *it->second;
    return *unmatched_;
}

void HttpMetrics::record(const void* route, std::string_view method, int status, double seconds) {
    auto& s = series_for(route, method);
    if (status >= kMinStatus && status <= kMaxStatus) s.by_status[status - kMinStatus].fetch_add(1, std::memory_order_relaxed);
    s.duration.observe(seconds);
}

void HttpMetrics::write(std::string& out) const {
    std::vector<const Series*> all;
    for (const auto& [_, s] : routes_) all.push_back(s.get());
    all.push_back(unmatched_.get());
    std::sort(all.begin(), all.end(),
              [](auto* a, auto* b) { return std::tie(a->route, a->method) < std::tie(b->route, b->method); });

    write_header(out, "http_requests_total", "counter", "HTTP requests answered, by route template, method and status.");
    for (const auto* s : all) {
        for (int status = kMinStatus; status <= kMaxStatus; ++status) {
            auto n = s->by_status[status - kMinStatus].load(std::memory_order_relaxed);
            if (n == 0) continue;
            write_sample(out, "http_requests_total",
                         "route=\"" + label_value(s->route) + "\",method=\"" + label_value(s->method) + "\",status=\"" +
                             std::to_string(status) + "\"",
                         static_cast<double>(n));
        }
    }
    write_header(out, "http_request_duration_seconds", "histogram", "Time from request received to response ready, by route.");
    for (const auto* s : all)
        s->duration.write(out, "http_request_duration_seconds",
                          "route=\"" + label_value(s->route) + "\",method=\"" + label_value(s->method) + "\"");
    write_header(out, "http_requests_in_flight", "gauge", "Requests being handled now.");
    write_sample(out, "http_requests_in_flight", "", static_cast<double>(in_flight_.load(std::memory_order_relaxed)));
}

ProcessStats ProcessStats::read() {
    ProcessStats p;
    std::ifstream statm("/proc/self/statm");
    std::uint64_t size_pages = 0, resident_pages = 0;
    if (statm >> size_pages >> resident_pages)
        p.resident_bytes = resident_pages * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
    if (DIR* d = opendir("/proc/self/fd")) {
        while (auto* e = readdir(d))
            if (e->d_name[0] != '.') ++p.open_fds;
        closedir(d);
        if (p.open_fds > 0) --p.open_fds;  // the directory handle itself
    }
    return p;
}

}  // namespace observe
