#include "ratelimit/redis_store.hpp"

#include "security/hash.hpp"
#include "security/random.hpp"

#include <boost/asio/this_coro.hpp>
#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include <atomic>
#include <cstring>
#include <stdexcept>

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

// A command given as its arguments, on a blocking connection: its reply, or null when none
// came (the connection is then broken).
RedisReply command_of(redisContext* ctx, const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto& a : args) {
        argv.push_back(a.data());
        lengths.push_back(a.size());
    }
    return RedisReply(
        static_cast<redisReply*>(redisCommandArgv(ctx, static_cast<int>(argv.size()), argv.data(), lengths.data())));
}

// `reply`, unless there was none (the connection is then broken and must not be given back)
// or it is an error: then StoreUnavailable.
RedisReply checked(redisContext* ctx, RedisReply reply) {
    if (!reply) throw StoreUnavailable(std::string("redis: ") + ctx->errstr);
    if (reply->type == REDIS_REPLY_ERROR) throw StoreUnavailable(std::string("redis: ") + reply->str);
    return reply;
}

// A name for one hit, unique in its key's log across every server process: this process's
// random prefix and a count (no call into the random generator per request).
std::string new_member(std::int64_t now_ms) {
    static const std::string process = security::random_hex(8);
    static std::atomic<std::uint64_t> next{0};
    return std::to_string(now_ms) + "-" + process + "-" + std::to_string(next.fetch_add(1, std::memory_order_relaxed));
}

}  // namespace

struct RedisStore::Connection {
    redisContext* ctx = nullptr;
    std::chrono::steady_clock::time_point idle_since;
    ~Connection() {
        if (ctx) redisFree(ctx);
    }
};

RedisStore::RedisStore(const std::string& url, std::chrono::milliseconds timeout)
    : config_(RedisAddress::parse(url), timeout, {kScript}) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (!EVP_Digest(kScript, std::strlen(kScript), digest, &length, EVP_sha1(), nullptr))
        throw std::runtime_error("SHA-1 failed");
    script_sha_ = security::to_hex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

RedisStore::~RedisStore() = default;

std::unique_ptr<RedisStore::Connection> RedisStore::take() {
    {
        std::lock_guard lock(mutex_);
        while (!idle_.empty()) {
            auto c = std::move(idle_.back());
            idle_.pop_back();
            // One Redis closed while it sat idle would fail the command: it is dropped instead.
            if (still_open_after_idle(c->ctx->fd, std::chrono::steady_clock::now() - c->idle_since)) return c;
        }
        if (auto refusal = pause_.refusal(std::chrono::steady_clock::now()); !refusal.empty()) throw StoreUnavailable(refusal);
    }
    try {
        auto c = connect();
        std::lock_guard lock(mutex_);
        pause_.answered();
        return c;
    } catch (const StoreUnavailable& e) {
        std::lock_guard lock(mutex_);
        pause_.failed(e.what(), std::chrono::steady_clock::now());
        throw;
    }
}

std::unique_ptr<RedisStore::Connection> RedisStore::connect() const {
    timeval tv{static_cast<time_t>(config_.timeout.count() / 1000),
               static_cast<suseconds_t>((config_.timeout.count() % 1000) * 1000)};
    auto c = std::make_unique<Connection>();
    c->ctx = redisConnectWithTimeout(config_.address.host.c_str(), config_.address.port, tv);
    if (!c->ctx || c->ctx->err)
        throw StoreUnavailable(config_.address.connect_failure(c->ctx ? c->ctx->errstr : "out of memory"));
    redisSetTimeout(c->ctx, tv);
    for (const auto& command : config_.setup_commands()) checked(c->ctx, command_of(c->ctx, command));
    return c;
}

void RedisStore::give_back(std::unique_ptr<Connection> c) {
    c->idle_since = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    if (idle_.size() < 64) idle_.push_back(std::move(c));
}

std::vector<Decision> RedisStore::run(std::span<const KeyedLimit> limits, std::int64_t now_ms, const char* mode,
                                      const std::string& member) {
    auto c = take();
    // On an exception the connection is dropped, not given back.
    const auto r = checked(c->ctx, command_of(c->ctx, script_command(script_sha_, limits, now_ms, mode, member)));
    auto decisions = decisions_of(r.get(), limits);
    give_back(std::move(c));
    return decisions;
}

asio::awaitable<std::vector<Decision>> RedisStore::hit_in_turn_async(std::span<const KeyedLimit> limits, std::int64_t now_ms) {
    auto executor = co_await asio::this_coro::executor;
    auto& pipeline = RedisPipeline::of(executor, config_);
    auto args = script_command(script_sha_, limits, now_ms, "hit", new_member(now_ms));
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

Decision RedisStore::run(const std::string& key, const Limit& limit, std::int64_t now_ms, const char* mode,
                         const std::string& member) {
    const KeyedLimit one[] = {{key, limit}};
    return run(one, now_ms, mode, member).front();
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
    auto c = take();
    checked(c->ctx, command_of(c->ctx, {"ZREM", key, token}));
    give_back(std::move(c));
}

bool RedisStore::ping() {
    try {
        auto c = take();
        checked(c->ctx, command_of(c->ctx, {"PING"}));
        give_back(std::move(c));
        return true;
    } catch (const StoreUnavailable&) {
        return false;
    }
}

}  // namespace ratelimit
