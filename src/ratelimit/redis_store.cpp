#include "ratelimit/redis_store.hpp"

#include "security/random.hpp"

#include <hiredis/hiredis.h>

#include <charconv>
#include <stdexcept>

namespace ratelimit {
namespace {

// For each key in turn: removes the hits that left its window, then checks and/or counts,
// stopping after the first key that says no; all of it atomically. KEYS: one log per
// limit. ARGV: now_ms, mode (hit|peek|add), unique member, then window_ms and limit per
// key. Returns {allowed, count, reset_ms} for each key tried.
constexpr const char* kScript = R"lua(
local now = tonumber(ARGV[1])
local mode = ARGV[2]
local out = {}
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[2 + 2 * i])
  local limit = tonumber(ARGV[3 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  local allowed = 1
  if mode ~= 'add' and count >= limit then allowed = 0 end
  if allowed == 1 and mode ~= 'peek' then
    redis.call('ZADD', key, now, ARGV[3])
    count = count + 1
    redis.call('PEXPIRE', key, window)
  end
  local reset = 0
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if #oldest > 0 then reset = tonumber(oldest[2]) + window - now end
  out[#out + 1] = allowed
  out[#out + 1] = count
  out[#out + 1] = reset
  if allowed == 0 then break end
end
return out
)lua";

using Reply = std::unique_ptr<redisReply, decltype(&freeReplyObject)>;

}  // namespace

struct RedisStore::Connection {
    redisContext* ctx = nullptr;
    std::string script_sha;
    ~Connection() {
        if (ctx) redisFree(ctx);
    }
};

RedisStore::RedisStore(const std::string& url, std::chrono::milliseconds timeout) : timeout_(timeout) {
    std::string_view rest(url);
    if (rest.starts_with("redis://"))
        rest.remove_prefix(8);
    else
        throw std::invalid_argument("REDIS_URL: expected redis://host:port/db");
    auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) {
        auto db = rest.substr(slash + 1);
        if (!db.empty()) std::from_chars(db.data(), db.data() + db.size(), db_);
    }
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
        auto userinfo = authority.substr(0, at);
        auto colon = userinfo.find(':');
        password_ = std::string(colon == std::string_view::npos ? userinfo : userinfo.substr(colon + 1));
        authority = authority.substr(at + 1);
    }
    auto colon = authority.rfind(':');
    host_ = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
        auto p = authority.substr(colon + 1);
        std::from_chars(p.data(), p.data() + p.size(), port_);
    }
    if (host_.empty()) host_ = "127.0.0.1";
}

RedisStore::~RedisStore() = default;

std::unique_ptr<RedisStore::Connection> RedisStore::take() {
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            auto c = std::move(idle_.back());
            idle_.pop_back();
            return c;
        }
    }
    timeval tv{static_cast<time_t>(timeout_.count() / 1000), static_cast<suseconds_t>((timeout_.count() % 1000) * 1000)};
    auto c = std::make_unique<Connection>();
    c->ctx = redisConnectWithTimeout(host_.c_str(), port_, tv);
    if (!c->ctx || c->ctx->err)
        throw StoreUnavailable("redis connect to " + host_ + ":" + std::to_string(port_) +
                               " failed: " + (c->ctx ? c->ctx->errstr : "out of memory"));
    redisSetTimeout(c->ctx, tv);
    auto command = [&](const char* fmt, auto... args) {
        Reply r(static_cast<redisReply*>(redisCommand(c->ctx, fmt, args...)), freeReplyObject);
        if (!r) throw StoreUnavailable(std::string("redis: ") + c->ctx->errstr);
        if (r->type == REDIS_REPLY_ERROR) throw StoreUnavailable(std::string("redis: ") + r->str);
        return r;
    };
    if (!password_.empty()) command("AUTH %s", password_.c_str());
    if (db_ != 0) command("SELECT %d", db_);
    auto loaded = command("SCRIPT LOAD %s", kScript);
    c->script_sha.assign(loaded->str, loaded->len);
    return c;
}

void RedisStore::give_back(std::unique_ptr<Connection> c) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < 64) idle_.push_back(std::move(c));
}

std::vector<Decision> RedisStore::run(std::span<const KeyedLimit> limits, std::int64_t now_ms, const char* mode,
                                      const std::string& member) {
    auto c = take();
    // EVALSHA sha numkeys key... now mode member (window limit)...
    std::vector<std::string> args{"EVALSHA", c->script_sha, std::to_string(limits.size())};
    for (const auto& l : limits) args.push_back(l.key);
    args.insert(args.end(), {std::to_string(now_ms), mode, member});
    for (const auto& l : limits) {
        args.push_back(std::to_string(l.limit.window.count()));
        args.push_back(std::to_string(l.limit.count));
    }
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto& a : args) {
        argv.push_back(a.data());
        lengths.push_back(a.size());
    }
    Reply r(static_cast<redisReply*>(redisCommandArgv(c->ctx, static_cast<int>(argv.size()), argv.data(), lengths.data())),
            freeReplyObject);
    if (!r) throw StoreUnavailable(std::string("redis: ") + c->ctx->errstr);  // the broken connection is dropped
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
    give_back(std::move(c));
    return decisions;
}

Decision RedisStore::run(const std::string& key, const Limit& limit, std::int64_t now_ms, const char* mode,
                         const std::string& member) {
    const KeyedLimit one[] = {{key, limit}};
    return run(one, now_ms, mode, member).front();
}

namespace {
std::string new_member(std::int64_t now_ms) { return std::to_string(now_ms) + "-" + security::random_hex(6); }
}  // namespace

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
    Reply r(static_cast<redisReply*>(redisCommand(c->ctx, "ZREM %b %b", key.data(), key.size(), token.data(), token.size())),
            freeReplyObject);
    if (!r) throw StoreUnavailable(std::string("redis: ") + c->ctx->errstr);
    if (r->type == REDIS_REPLY_ERROR) throw StoreUnavailable(std::string("redis: ") + r->str);
    give_back(std::move(c));
}

bool RedisStore::ping() {
    try {
        auto c = take();
        Reply r(static_cast<redisReply*>(redisCommand(c->ctx, "PING")), freeReplyObject);
        if (!r || r->type == REDIS_REPLY_ERROR) return false;
        give_back(std::move(c));
        return true;
    } catch (const StoreUnavailable&) {
        return false;
    }
}

}  // namespace ratelimit
