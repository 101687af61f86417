#pragma once
// Error reporting to Sentry (or any ingest speaking its envelope protocol): events are
// queued (bounded) and POSTed by one background thread to
// <scheme>://<host>/api/<project>/envelope/ with X-Sentry-Auth, so a request never waits
// on Sentry. Nothing but what is listed in ErrorEvent leaves the process, and the message
// is scrubbed of URLs' passwords, tokens and key=value secrets first.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace observe {

struct SentryDsn {
    std::string scheme;  // http | https
    std::string public_key;
    std::string host;         // with :port when given
    std::string path_prefix;  // "" or "/sentry"
    std::string project_id;

    // https://<public_key>@<host>[:port][/prefix]/<project_id>; nullopt otherwise.
    static std::optional<SentryDsn> parse(const std::string& dsn);
    std::string envelope_url() const;
};

struct SentryOptions {
    std::string dsn;  // empty: reporting is off
    std::string environment = "production";
    std::string release;  // e.g. "starter@0.1.0"
    double sample_rate = 1.0;
    std::size_t queue_size = 100;
    std::chrono::milliseconds timeout{5000};
};

struct ErrorEvent {
    std::string level = "error";  // fatal | error | warning
    std::string type;             // exception type, e.g. "std::runtime_error"
    std::string message;
    std::vector<std::string> stack;           // innermost last, as Sentry wants
    std::map<std::string, std::string> tags;  // our own values (request_id, job kind); not scrubbed
    std::string request_method;               // when the error happened in a request
    std::string request_route;                // the route template, never the raw path or query
    std::string user_id;
};

// Removes what must not leave the process: passwords in URLs, 32+ hex or base64url
// runs (tokens, codes), and values of password/secret/token/code keys.
std::string scrub(std::string text);

class SentryReporter {
public:
    explicit SentryReporter(SentryOptions options);
    ~SentryReporter();  // flushes for up to options.timeout, then stops
    SentryReporter(const SentryReporter&) = delete;
    SentryReporter& operator=(const SentryReporter&) = delete;

    bool enabled() const { return dsn_.has_value(); }
    // Queues the event; returns its id, or "" when off, sampled out or the queue is full.
    std::string capture(ErrorEvent event);
    // Waits until every queued event was sent (or failed); false on timeout.
    bool flush(std::chrono::milliseconds timeout);
    std::uint64_t sent() const { return sent_; }
    std::uint64_t dropped() const { return dropped_; }

    // The envelope for one event (public for tests).
    std::string envelope(const std::string& event_id, const ErrorEvent& event) const;

private:
    void run();

    SentryOptions options_;
    std::optional<SentryDsn> dsn_;
    std::string server_name_;
    std::mutex mutex_;
    std::condition_variable wake_, idle_;
    std::deque<std::pair<std::string, ErrorEvent>> queue_;
    bool busy_ = false;
    bool stopping_ = false;
    std::uint64_t sent_ = 0, dropped_ = 0;
    std::thread thread_;
};

// The current thread's call stack as readable frames (innermost last), for events raised
// where no exception stack exists.
std::vector<std::string> current_stack(int skip = 1);

}  // namespace observe
