#include "ratelimit/limiter.hpp"

#include "common/time.hpp"
#include "http/middleware.hpp"
#include "observe/log.hpp"
#include "ratelimit/memory_store.hpp"
#include "ratelimit/redis_store.hpp"

#include <array>
#include <chrono>
#include <cmath>

namespace ratelimit {
namespace {
// Every per-address key starts with this (after the namespace); per-account ones do not.
constexpr const char* kPerAddress = "rl:";

std::string seconds_up(std::chrono::milliseconds ms) { return std::to_string(std::max<long long>(0, (ms.count() + 999) / 1000)); }

}  // namespace

std::unique_ptr<Store> open_store(const RedisOptions& redis, std::size_t memory_budget_bytes, const LimiterOptions& options) {
    if (!redis.url.empty()) return std::make_unique<RedisStore>(redis);
    return std::make_unique<MemoryStore>(memory_budget_bytes, options.key_prefix + kPerAddress);
}

RateLimiter::RateLimiter(std::unique_ptr<Store> store, LimiterOptions options, Clock clock)
    : store_(std::move(store)), options_(std::move(options)), clock_(clock ? std::move(clock) : Clock(common::now_ms)) {}

void RateLimiter::store_failed(const std::exception& e) {
    ++store_errors_;
    const auto now = common::now_ms();
    auto last = last_error_log_ms_.load();
    if (now - last >= 10'000 && last_error_log_ms_.compare_exchange_strong(last, now))
        observe::error("ratelimit.store_unavailable",
                       {{"error", e.what()}, {"fail_closed", options_.fail_closed}, {"errors_so_far", store_errors_.load()}});
}

std::size_t RateLimiter::limits_for(std::array<KeyedLimit, 2>& limits, const std::string& client, bool primary_applies,
                                    const std::string& route_key, const std::optional<Limit>& route_limit) const {
    // The primary limit first: a request it refuses is not counted against the route.
    std::size_t n = 0;
    if (primary_applies)
        limits[n++] = {options_.key_prefix + kPerAddress + "p:" + client, options_.primary.scaled(options_.multiplier)};
    if (route_limit)
        limits[n++] = {options_.key_prefix + kPerAddress + "r:" + route_key + ":" + client,
                       route_limit->scaled(options_.multiplier)};
    return n;
}

Verdict RateLimiter::verdict_of(const std::vector<Decision>& decisions, bool primary_applies) {
    Verdict v;
    for (const auto& d : decisions)
        if (!v.tightest || d.remaining < v.tightest->remaining) v.tightest = d;
    if (!decisions.back().allowed) {
        v.allowed = false;
        v.is_primary = primary_applies && decisions.size() == 1;
        v.tightest = decisions.back();
        ++rejections_;
    }
    return v;
}

Verdict RateLimiter::unavailable(const StoreUnavailable& e) {
    store_failed(e);
    Verdict v;
    v.store_failed = true;
    v.allowed = !options_.fail_closed;
    return v;
}

Verdict RateLimiter::check(const std::string& client, bool primary_applies, const std::string& route_key,
                           const std::optional<Limit>& route_limit) {
    if (!options_.enabled) return {};
    std::array<KeyedLimit, 2> limits;
    const auto n = limits_for(limits, client, primary_applies, route_key, route_limit);
    if (n == 0) return {};
    try {
        return verdict_of(store_->hit_in_turn(std::span(limits.data(), n), clock_()), primary_applies);
    } catch (const StoreUnavailable& e) {
        return unavailable(e);
    }
}

boost::asio::awaitable<Verdict> RateLimiter::check_async(const std::string& client, bool primary_applies,
                                                         const std::string& route_key, const std::optional<Limit>& route_limit) {
    if (!options_.enabled) co_return Verdict{};
    std::array<KeyedLimit, 2> limits;
    const auto n = limits_for(limits, client, primary_applies, route_key, route_limit);
    if (n == 0) co_return Verdict{};
    std::optional<Verdict> verdict;
    try {
        verdict = verdict_of(co_await store_->hit_in_turn_async(std::span(limits.data(), n), clock_()), primary_applies);
    } catch (const StoreUnavailable& e) {
        verdict = unavailable(e);
    }
    co_return *verdict;
}

RateLimiter::Attempt RateLimiter::reserve(const std::string& key, const Limit& limit) {
    Attempt a;
    if (!options_.enabled) return a;
    a.key = options_.key_prefix + key;
    try {
        auto r = store_->reserve(a.key, limit.scaled(options_.multiplier), clock_());
        a.allowed = r.decision.allowed;
        a.token = std::move(r.token);
    } catch (const StoreUnavailable& e) {
        store_failed(e);
        a.allowed = !options_.fail_closed;
    }
    return a;
}

void RateLimiter::release(const Attempt& attempt) {
    if (attempt.token.empty()) return;
    try {
        store_->cancel(attempt.key, attempt.token);
    } catch (const StoreUnavailable& e) {
        store_failed(e);
    }
}

namespace {

// What the limits of each route are, and the key their counters go under; parsed once (a bad
// declaration throws at start-up).
struct RouteLimits {
    struct Entry {
        std::string key;  // "POST /api/auth/login"
        std::optional<Limit> limit;
    };
    std::map<const http::Route*, Entry> by_route;

    explicit RouteLimits(const http::Router& router) {
        for (const auto& r : router.routes()) {
            auto& e = by_route[r.get()];
            e.key = r->method + " " + r->pattern;
            if (r->limit_text.empty()) continue;
            e.limit = Limit::parse(r->limit_text);
            if (!e.limit)
                throw std::invalid_argument("bad rate limit '" + r->limit_text + "' on " + r->method + " " + r->pattern);
        }
    }
    // A route declared after the limits were read (tests add some) has only the primary one:
    // its entry is made in `unlisted`.
    const Entry& of(const http::Route* route, Entry& unlisted) const {
        if (auto it = by_route.find(route); it != by_route.end()) return it->second;
        unlisted = {route->method + " " + route->pattern, std::nullopt};
        return unlisted;
    }
};

boost::asio::awaitable<void> ask_early(RateLimiter& limiter, const RouteLimits& limits, http::Request& req,
                                       const http::Route& route) {
    if (route.exempt_from_rate_limits) co_return;
    RouteLimits::Entry unlisted;
    const auto& entry = limits.of(&route, unlisted);
    const auto client = req.client.to_string();
    req.early = co_await limiter.check_async(client, true, entry.key, entry.limit);
}

http::Middleware middleware(RateLimiter& limiter, std::shared_ptr<const RouteLimits> limits) {
    return [&limiter, limits = std::move(limits)](http::Request& req, http::Next next) -> http::Response {
        if (!req.route || req.route->exempt_from_rate_limits || !limiter.enabled()) return next(req);
        Verdict verdict;
        if (const auto* early = std::any_cast<Verdict>(&req.early)) {
            verdict = *early;
        } else {
            RouteLimits::Entry unlisted;
            const auto& entry = limits->of(req.route, unlisted);
            verdict = limiter.check(req.client.to_string(), true, entry.key, entry.limit);
        }
        if (!verdict.allowed) {
            if (verdict.store_failed) return http::error_response(http::unavailable("Rate limiting is unavailable"));
            const auto& d = *verdict.tightest;
            auto res = http::error_response(http::Error(
                429, "rate_limited", "Too many requests; slow down and retry later", {{"is_primary", verdict.is_primary}},
                {{"Retry-After", seconds_up(std::max(d.reset, std::chrono::milliseconds(1000)))}}));
            res.set("X-RateLimit-Limit", std::to_string(d.limit));
            res.set("X-RateLimit-Remaining", "0");
            res.set("X-RateLimit-Reset", seconds_up(d.reset));
            return res;
        }
        auto res = next(req);
        if (verdict.tightest) {
            res.set("X-RateLimit-Limit", std::to_string(verdict.tightest->limit));
            res.set("X-RateLimit-Remaining", std::to_string(verdict.tightest->remaining));
            res.set("X-RateLimit-Reset", seconds_up(verdict.tightest->reset));
        }
        return res;
    };
}

}  // namespace

RouteLimiting limit_routes(RateLimiter& limiter, const http::Router& router) {
    auto limits = std::make_shared<const RouteLimits>(router);
    RouteLimiting r;
    if (limiter.enabled() && limiter.store().shared())
        r.ask_first = [&limiter, limits](http::Request& req, const http::Route& route) {
            return ask_early(limiter, *limits, req, route);
        };
    r.middleware = middleware(limiter, std::move(limits));
    return r;
}

}  // namespace ratelimit
