#include "api/health.hpp"

#include <boost/json/object.hpp>

namespace api {

void register_health_routes(http::Router& router, HealthChecks checks) {
    router.get("/api/health",
               [](http::Request&) {
                   return http::json(200, {{"status", "OK"}});
               })
        .on_io_thread()
        .unlimited()
        .describe("health", "Liveness: the process answers. Never touches the database.")
        .returns(200, "Health");

    router
        .get("/api/health/ready",
             [checks = std::move(checks)](http::Request&) {
                 const bool db_ok = checks.database();
                 const char* redis = "disabled";
                 bool redis_ok = true;
                 if (checks.redis) {
                     redis_ok = checks.redis();
                     redis = redis_ok ? "ok" : "unavailable";
                 }
                 const bool draining = checks.draining && checks.draining();
                 const bool ok = db_ok && redis_ok && !draining;
                 return http::json(ok ? 200 : 503, {{"status", draining ? "draining"
                                                               : ok     ? "OK"
                                                                        : "unavailable"},
                                                    {"database", db_ok ? "ok" : "unavailable"},
                                                    {"redis", redis}});
             })
        .unlimited()
        .describe("health", "Readiness: the database (and Redis, when configured) answer, and the server is not draining.")
        .returns(200, "Readiness")
        .returns(503, "Readiness");
}

}  // namespace api
