#pragma once
// GET /metrics: Prometheus text format. Not rate limited (scrapers poll it).
#include "http/router.hpp"
#include "observe/metrics.hpp"
#include "ratelimit/limit.hpp"
#include "security/breached.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace api {

struct SessionCacheStats {
    bool enabled = false;  // its change feed is listening
    std::size_t entries = 0;
    std::uint64_t hits = 0, misses = 0;
};

struct MetricsSources {
    const observe::HttpMetrics& http;
    const observe::Histogram& job_delivery_seconds;
    std::function<std::vector<std::pair<std::string, long long>>()> jobs_by_state;  // may throw (database down)
    std::function<std::pair<std::size_t, std::size_t>()> db_pool;                   // {in use, size}
    std::function<std::uint64_t()> rate_limit_rejections;
    std::function<std::uint64_t()> rate_limit_store_errors;
    std::function<std::optional<ratelimit::Store::MemoryUsage>()> rate_limit_memory;  // nullopt with Redis
    std::function<security::BreachedPasswords::Counts()> breach_checks;
    std::function<SessionCacheStats()> session_cache;  // null: no cache (SQLite, or SESSION_CACHE_SIZE=0)
};

void register_metrics_route(http::Router& router, MetricsSources sources);

}  // namespace api
