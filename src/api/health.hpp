#pragma once
// GET /api/health (liveness, never touches the DB) and GET /api/health/ready (dependencies).
#include "http/router.hpp"

#include <functional>

namespace api {

struct HealthChecks {
    std::function<bool()> database;
    std::function<bool()> redis;     // empty when Redis is not configured
    std::function<bool()> draining;  // the server is about to stop: take it out of rotation
};

void register_health_routes(http::Router& router, HealthChecks checks);

}  // namespace api
