#pragma once
// Structured logging: an event name plus key/value fields, written by spdlog as coloured
// console lines or as one JSON object per line. Never pass a secret as a field.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace observe {

enum class Level { trace, debug, info, warning, error, critical, off };
enum class Format { console, json };

using Value = std::variant<std::string, std::int64_t, double, bool>;

struct Field {
    std::string key;
    Value value;
    Field(std::string_view k, std::string_view v) : key(k), value(std::string(v)) {}
    Field(std::string_view k, const char* v) : key(k), value(std::string(v)) {}
    Field(std::string_view k, const std::string& v) : key(k), value(v) {}
    Field(std::string_view k, bool v) : key(k), value(v) {}
    Field(std::string_view k, double v) : key(k), value(v) {}
    template <class Int, class = std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool>>>
    Field(std::string_view k, Int v) : key(k), value(static_cast<std::int64_t>(v)) {}
};

// Configures the process-wide logger. Safe to call again (tests do).
void init_logging(Format format, std::string_view level);
// Flushes and stops the background writer.
void shutdown_logging();
bool enabled(Level level);

void log(Level level, std::string_view event, std::initializer_list<Field> fields = {});
inline void debug(std::string_view e, std::initializer_list<Field> f = {}) { log(Level::debug, e, f); }
inline void info(std::string_view e, std::initializer_list<Field> f = {}) { log(Level::info, e, f); }
inline void warn(std::string_view e, std::initializer_list<Field> f = {}) { log(Level::warning, e, f); }
inline void error(std::string_view e, std::initializer_list<Field> f = {}) { log(Level::error, e, f); }

// Fields bound to every log line written by this thread while the object lives
// (a request's id while its handler runs).
class LogContext {
public:
    explicit LogContext(std::initializer_list<Field> fields);
    ~LogContext();
    LogContext(const LogContext&) = delete;
    LogContext& operator=(const LogContext&) = delete;

private:
    std::size_t previous_size_;
};

// Renders one event without writing it (used by the logger and its tests).
std::string render(Format format, std::string_view event, std::initializer_list<Field> fields);

}  // namespace observe
