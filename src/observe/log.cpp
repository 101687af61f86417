#include "observe/log.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <spdlog/async.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cmath>
#include <mutex>

namespace observe {
namespace {

// Lines waiting for the writer thread. Each slot is ~400 bytes, allocated and touched up
// front: 8,192 held 3.3 MB of an idle server's memory. 1,024 absorb a burst of ~15 ms at
// 60k logged requests/s; past that, writers wait for the writer (no line is dropped).
constexpr std::size_t kLogQueueLines = 1024;

std::atomic<Format> g_format{Format::console};
thread_local std::vector<Field> t_context;

spdlog::level::level_enum to_spdlog(Level l) { return static_cast<spdlog::level::level_enum>(static_cast<int>(l)); }

void append_json_string(std::string& out, std::string_view s) { out += boost::json::serialize(boost::json::string(s)); }

void append_value_json(std::string& out, const Value& v) {
    std::visit(
        [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::string>)
                append_json_string(out, x);
            else if constexpr (std::is_same_v<T, bool>)
                out += x ? "true" : "false";
            else if constexpr (std::is_same_v<T, double>)
                out += std::isfinite(x) ? fmt::format("{}", x) : "null";
            else
                out += std::to_string(x);
        },
        v);
}

bool needs_quotes(std::string_view s) {
    if (s.empty()) return true;
    for (unsigned char c : s)
        if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) return true;
    return false;
}

void append_value_console(std::string& out, const Value& v) {
    if (auto s = std::get_if<std::string>(&v)) {
        // Quote values with spaces, and escape control characters so one event stays one line.
        if (needs_quotes(*s))
            append_json_string(out, *s);
        else
            out += *s;
        return;
    }
    append_value_json(out, v);
}

template <class Fields>
void append_fields(std::string& out, Format format, const Fields& fields) {
    for (const auto& f : fields) {
        if (format == Format::json) {
            out += ',';
            append_json_string(out, f.key);
            out += ':';
            append_value_json(out, f.value);
        } else {
            out += ' ';
            out += f.key;
            out += '=';
            append_value_console(out, f.value);
        }
    }
}

}  // namespace

std::string render(Format format, std::string_view event, std::initializer_list<Field> fields) {
    std::string out;
    out.reserve(128);
    if (format == Format::json) {
        out += "\"event\":";
        append_json_string(out, event);
    } else {
        out += event;
    }
    append_fields(out, format, fields);
    append_fields(out, format, t_context);
    return out;
}

void init_logging(Format format, std::string_view level) {
    g_format = format;
    // One logger for the life of the process: a second init (several servers in one test
    // process) reconfigures it in place, because other threads may be writing through it.
    static std::once_flag created;
    std::call_once(created, [] {
        spdlog::drop_all();
        if (!spdlog::thread_pool()) spdlog::init_thread_pool(kLogQueueLines, 1);
        auto sink = std::make_shared<spdlog::sinks::stdout_color_sink_mt>();
        // Block rather than drop when the queue is full: a lost audit line is worse than a slow one.
        auto logger =
            std::make_shared<spdlog::async_logger>("starter", sink, spdlog::thread_pool(), spdlog::async_overflow_policy::block);
        logger->flush_on(spdlog::level::warn);
        spdlog::set_default_logger(logger);
    });
    auto* logger = spdlog::default_logger_raw();
    if (format == Format::json)
        logger->set_pattern(R"({"timestamp":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})", spdlog::pattern_time_type::utc);
    else
        logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%-8l%$ %v", spdlog::pattern_time_type::utc);
    logger->set_level(spdlog::level::from_str(std::string(level == "warning" ? "warning" : level)));
}

void shutdown_logging() {
    // Queued lines hold references to the async logger. Holding one here until after
    // spdlog::shutdown() has drained the queue and joined its thread makes this thread
    // release the last one: otherwise the pool thread may destroy the logger inside
    // libspdlog, where ThreadSanitizer cannot see the reference count and reports a race.
    auto keep = spdlog::default_logger();
    if (keep) keep->flush();
    spdlog::shutdown();
}

bool enabled(Level level) { return spdlog::default_logger_raw()->should_log(to_spdlog(level)); }

void log(Level level, std::string_view event, std::initializer_list<Field> fields) {
    auto* logger = spdlog::default_logger_raw();
    if (!logger->should_log(to_spdlog(level))) return;
    logger->log(to_spdlog(level), "{}", render(g_format.load(std::memory_order_relaxed), event, fields));
}

LogContext::LogContext(std::initializer_list<Field> fields) : previous_size_(t_context.size()) {
    t_context.insert(t_context.end(), fields.begin(), fields.end());
}

LogContext::~LogContext() { t_context.resize(previous_size_, Field("", "")); }

}  // namespace observe
