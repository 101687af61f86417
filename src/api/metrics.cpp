#include "api/metrics.hpp"

namespace api {

void register_metrics_route(http::Router& r, MetricsSources sources) {
    r.get("/metrics",
          [s = std::move(sources)](http::Request&) {
              std::string out;
              out.reserve(64 * 1024);
              s.http.write(out);

              observe::write_header(out, "jobs", "gauge", "Jobs in the outbox by state (queued, running, done, dead).");
              try {
                  for (const auto& [state, n] : s.jobs_by_state())
                      observe::write_sample(out, "jobs", "state=\"" + observe::label_value(state) + "\"", static_cast<double>(n));
              } catch (const std::exception&) {
                  // The database is down: the other metrics still matter most now.
                  observe::write_sample(out, "jobs_scrape_failed", "", 1);
              }
              observe::write_header(out, "job_delivery_seconds", "histogram", "Time from enqueue to successful delivery.");
              s.job_delivery_seconds.write(out, "job_delivery_seconds", "");

              observe::write_header(out, "rate_limit_rejections_total", "counter", "Requests answered 429.");
              observe::write_sample(out, "rate_limit_rejections_total", "", static_cast<double>(s.rate_limit_rejections()));
              observe::write_header(out, "rate_limit_store_errors_total", "counter",
                                    "Limiter store (Redis) failures; the limiter then fails open or closed as configured.");
              observe::write_sample(out, "rate_limit_store_errors_total", "", static_cast<double>(s.rate_limit_store_errors()));

              if (auto memory = s.rate_limit_memory ? s.rate_limit_memory() : std::nullopt) {
                  observe::write_header(out, "rate_limit_memory_bytes", "gauge",
                                        "Estimated memory of the in-process limiter store (budget: RATE_LIMIT_MEMORY_MB).");
                  observe::write_sample(out, "rate_limit_memory_bytes", "", static_cast<double>(memory->bytes));
                  observe::write_header(
                      out, "rate_limit_memory_evictions_total", "counter",
                      "Keys the in-process limiter store dropped (least recently active first) to keep within its budget.");
                  observe::write_sample(out, "rate_limit_memory_evictions_total", "", static_cast<double>(memory->evictions));
              }

              auto breaches = s.breach_checks();
              observe::write_header(out, "breached_password_checks_total", "counter",
                                    "Passwords checked against known breaches, by result (unknown: the API did not answer "
                                    "and the password went unchecked, or was refused with HIBP_FAIL_CLOSED).");
              observe::write_sample(out, "breached_password_checks_total", "result=\"clean\"",
                                    static_cast<double>(breaches.clean));
              observe::write_sample(out, "breached_password_checks_total", "result=\"breached\"",
                                    static_cast<double>(breaches.breached));
              observe::write_sample(out, "breached_password_checks_total", "result=\"unknown\"",
                                    static_cast<double>(breaches.unknown));

              if (s.session_cache) {
                  auto c = s.session_cache();
                  observe::write_header(out, "session_cache_lookups_total", "counter",
                                        "GET /api/users/@me token lookups in the in-memory session cache.");
                  observe::write_sample(out, "session_cache_lookups_total", "result=\"hit\"", static_cast<double>(c.hits));
                  observe::write_sample(out, "session_cache_lookups_total", "result=\"miss\"", static_cast<double>(c.misses));
                  observe::write_header(out, "session_cache_entries", "gauge", "Tokens held in the session cache.");
                  observe::write_sample(out, "session_cache_entries", "", static_cast<double>(c.entries));
                  observe::write_header(
                      out, "session_cache_enabled", "gauge",
                      "1 while the cache's change feed (PostgreSQL LISTEN) is up; 0: every lookup reads the database.");
                  observe::write_sample(out, "session_cache_enabled", "", c.enabled ? 1.0 : 0.0);
              }

              auto [in_use, size] = s.db_pool();
              observe::write_header(out, "db_pool_connections", "gauge", "Database pool connections by state.");
              observe::write_sample(out, "db_pool_connections", "state=\"in_use\"", static_cast<double>(in_use));
              observe::write_sample(out, "db_pool_connections", "state=\"idle\"",
                                    static_cast<double>(size - std::min(in_use, size)));

              auto process = observe::ProcessStats::read();
              observe::write_header(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
              observe::write_sample(out, "process_resident_memory_bytes", "", static_cast<double>(process.resident_bytes));
              observe::write_header(out, "process_open_fds", "gauge", "Open file descriptors.");
              observe::write_sample(out, "process_open_fds", "", static_cast<double>(process.open_fds));

              http::Response res;
              res.result(boost::beast::http::status::ok);
              res.set(boost::beast::http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
              res.body() = std::move(out);
              return res;
          })
        .unlimited()
        .describe("operations", "Prometheus metrics (text format 0.0.4)")
        .returns(200);
}

}  // namespace api
