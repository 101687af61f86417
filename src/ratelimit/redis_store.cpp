#include "ratelimit/redis_store.hpp"

#include "security/hash.hpp"
#include "security/random.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_future.hpp>
#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include <atomic>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace ratelimit {

namespace asio = boost::asio;

namespace {

// For each key in turn: removes the hits that left its window, then checks and/or counts,
// stopping after the first key that says no; all of it atomically. KEYS: one log per
// limit. ARGV: now_ms, mode (hit|peek|add), unique member, then window_ms and limit per
// key. Returns {allowed, count, reset_ms} for each key tried. Four calls per key while no
// hit leaves the window (the usual case): the oldest hit says whether any did.
constexpr const char* kScript = R"lua(
local now = tonumber(ARGV[1])
local mode = ARGV[2]
local out = {}
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[2 + 2 * i])
  local limit = tonumber(ARGV[3 + 2 * i])
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if #oldest > 0 and tonumber(oldest[2]) <= now - window then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
    oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  end
  local count = redis.call('ZCARD', key)
  local allowed = 1
  if mode ~= 'add' and count >= limit then allowed = 0 end
  if allowed == 1 and mode ~= 'peek' then
    redis.call('ZADD', key, now, ARGV[3])
    count = count + 1
    redis.call('PEXPIRE', key, window)
    if #oldest == 0 or now < tonumber(oldest[2]) then oldest = {ARGV[3], now} end
  end
  local reset = 0
  if #oldest > 0 then reset = tonumber(oldest[2]) + window - now end
  out[#out + 1] = allowed
  out[#out + 1] = count
  out[#out + 1] = reset
  if allowed == 0 then break end
end
return out
)lua";

// EVALSHA sha numkeys key... now mode member (window limit)...
std::vector<std::string> script_command(const std::string& sha, std::span<const KeyedLimit> limits, std::int64_t now_ms,
                                        const char* mode, const std::string& member) {
    std::vector<std::string> args{"EVALSHA", sha, std::to_string(limits.size())};
    for (const auto& l : limits) args.push_back(l.key);
    args.insert(args.end(), {std::to_string(now_ms), mode, member});
    for (const auto& l : limits) {
        args.push_back(std::to_string(l.limit.window.count()));
        args.push_back(std::to_string(l.limit.count));
    }
    return args;
}

// The script's {allowed, count, reset_ms} per key tried, as decisions.
std::vector<Decision> decisions_of(const redisReply* r, std::span<const KeyedLimit> limits) {
    if (r->type == REDIS_REPLY_ERROR) throw StoreUnavailable(std::string("redis: ") + r->str);
    if (r->type != REDIS_REPLY_ARRAY || r->elements == 0 || r->elements % 3 != 0 || r->elements / 3 > limits.size())
        throw StoreUnavailable("redis: unexpected script reply");
    std::vector<Decision> decisions;
    for (std::size_t i = 0; i < r->elements / 3; ++i) {
        const auto& limit = limits[i].limit;
        Decision d;
        d.allowed = r->element[3 * i]->integer == 1;
        d.limit = limit.count;
        d.remaining = std::max(0, limit.count - static_cast<int>(r->element[3 * i + 1]->integer));
        d.reset = std::chrono::milliseconds(r->element[3 * i + 2]->integer);
        decisions.push_back(d);
    }
    return decisions;
}

// One command on `pipeline`; an error reply throws StoreUnavailable.
asio::awaitable<void> ask(RedisPipeline& pipeline, std::vector<std::string> args) {
    const std::vector<std::string_view> views(args.begin(), args.end());
    const auto reply = co_await pipeline.command(views);
    if (reply->type == REDIS_REPLY_ERROR) throw StoreUnavailable("redis: " + std::string(reply->str, reply->len));
}

// A name for one hit, unique in its key's log across every server process: this process's
// random prefix and a count (no call into the random generator per request).
std::string new_member(std::int64_t now_ms) {
    static const std::string process = security::random_hex(8);
    static std::atomic<std::uint64_t> next{0};
    return std::to_string(now_ms) + "-" + process + "-" + std::to_string(next.fetch_add(1, std::memory_order_relaxed));
}

}  // namespace

// The io thread of the calls that wait: they hand their command to its pipeline and wait
// for the reply (a future), so they share the pipeline's one connection, its TLS and its
// pause after a failure instead of each opening a connection of its own.
struct RedisStore::Waiting {
    asio::io_context io{1};
    asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
    std::thread thread{[this] { io.run(); }};

    ~Waiting() {
        work.reset();
        io.stop();
        thread.join();
    }
    template <class T>
    T wait(asio::awaitable<T> task) {
        return asio::co_spawn(io, std::move(task), asio::use_future).get();
    }
};

RedisStore::RedisStore(const RedisOptions& options, std::chrono::milliseconds timeout)
    : config_(options, timeout, {kScript}), waiting_(std::make_unique<Waiting>()) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (!EVP_Digest(kScript, std::strlen(kScript), digest, &length, EVP_sha1(), nullptr))
        throw std::runtime_error("SHA-1 failed");
    script_sha_ = security::to_hex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

RedisStore::~RedisStore() = default;

asio::awaitable<std::vector<Decision>> RedisStore::run_script(RedisPipeline& pipeline, std::span<const KeyedLimit> limits,
                                                              std::int64_t now_ms, const char* mode, std::string member) {
    auto args = script_command(script_sha_, limits, now_ms, mode, member);
    std::vector<std::string_view> views(args.begin(), args.end());
    auto reply = co_await pipeline.command(views);
    if (reply->type == REDIS_REPLY_ERROR && std::string_view(reply->str, reply->len).starts_with("NOSCRIPT")) {
        // The script cache was emptied (SCRIPT FLUSH) under a connection that had loaded it:
        // EVAL sends it whole once, and loads it again for the EVALSHAs after.
        views[0] = "EVAL";
        views[1] = kScript;
        reply = co_await pipeline.command(views);
    }
    co_return decisions_of(reply.get(), limits);
}

std::vector<Decision> RedisStore::run(std::span<const KeyedLimit> limits, std::int64_t now_ms, const char* mode,
                                      std::string member) {
    auto& pipeline = RedisPipeline::of(waiting_->io.get_executor(), config_);
    return waiting_->wait(run_script(pipeline, limits, now_ms, mode, std::move(member)));
}

void RedisStore::call(std::vector<std::string> args) {
    waiting_->wait(ask(RedisPipeline::of(waiting_->io.get_executor(), config_), std::move(args)));
}

asio::awaitable<std::vector<Decision>> RedisStore::hit_in_turn_async(std::span<const KeyedLimit> limits, std::int64_t now_ms) {
    auto& pipeline = RedisPipeline::of(co_await asio::this_coro::executor, config_);
    co_return co_await run_script(pipeline, limits, now_ms, "hit", new_member(now_ms));
}

Decision RedisStore::run(const std::string& key, const Limit& limit, std::int64_t now_ms, const char* mode, std::string member) {
    const KeyedLimit one[] = {{key, limit}};
    return run(one, now_ms, mode, std::move(member)).front();
}

Decision RedisStore::hit(const std::string& key, const Limit& limit, std::int64_t now_ms) {
    return run(key, limit, now_ms, "hit", new_member(now_ms));
}
std::vector<Decision> RedisStore::hit_in_turn(std::span<const KeyedLimit> limits, std::int64_t now_ms) {
    return run(limits, now_ms, "hit", new_member(now_ms));
}
Decision RedisStore::peek(const std::string& key, const Limit& limit, std::int64_t now_ms) {
    return run(key, limit, now_ms, "peek", new_member(now_ms));
}
void RedisStore::add(const std::string& key, const Limit& limit, std::int64_t now_ms) {
    run(key, limit, now_ms, "add", new_member(now_ms));
}

// The member of the sorted set is the token: the check and the hit are one script, so
// concurrent reservations never exceed the limit, across every server sharing Redis.
Reservation RedisStore::reserve(const std::string& key, const Limit& limit, std::int64_t now_ms) {
    auto member = new_member(now_ms);
    auto d = run(key, limit, now_ms, "hit", member);
    return {d, d.allowed ? member : std::string()};
}

void RedisStore::cancel(const std::string& key, const std::string& token) {
    if (token.empty()) return;
    call({"ZREM", key, token});
}

bool RedisStore::ping() {
    try {
        call({"PING"});
        return true;
    } catch (const StoreUnavailable&) {
        return false;
    }
}

}  // namespace ratelimit
