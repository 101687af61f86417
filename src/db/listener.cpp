#include "db/listener.hpp"

#include "db/libpq.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <system_error>

namespace db {
namespace {

std::string error_of(PGconn* c) {
    std::string e = c ? libpq().error_message(c) : "out of memory";
    while (!e.empty() && (e.back() == '\n' || e.back() == ' ')) e.pop_back();
    return e.empty() ? "connection lost" : e;
}

}  // namespace

void Listener::ConnDeleter::operator()(PGconn* c) const { libpq().finish(c); }

Listener::Listener(const std::string& url, std::string channel, Callbacks callbacks, Options options)
    : conninfo_(url), channel_(std::move(channel)), callbacks_(std::move(callbacks)), options_(options) {
    for (char c : channel_)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            throw std::invalid_argument("listener channel must be a lower-case identifier");
    libpq();  // loaded here, so that a missing library is the caller's error, not the thread's
    wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
    thread_ = std::thread([this] { run(); });
}

Listener::~Listener() {
    stop_.store(true);
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
    thread_.join();
    ::close(wake_fd_);
}

bool Listener::sleep_unless_stopped(std::chrono::milliseconds d) {
    pollfd p{wake_fd_, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(d.count()));
    return !stop_.load();
}

// Opens the connection without blocking past `timeout` or a stop request.
Listener::Conn Listener::connect(std::chrono::milliseconds timeout, std::string& why) {
    // The URL first (expanded), then what this connection is: later keywords win.
    const char* keys[] = {"dbname", "application_name", nullptr};
    const char* values[] = {conninfo_.c_str(), "starter-listener", nullptr};
    Conn conn(libpq().connect_start_params(keys, values, 1));
    if (!conn || libpq().status(conn.get()) == CONNECTION_BAD) {
        why = error_of(conn.get());
        return nullptr;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    while (st != PGRES_POLLING_OK) {
        if (st == PGRES_POLLING_FAILED) {
            why = error_of(conn.get());
            return nullptr;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            why = "timed out connecting";
            return nullptr;
        }
        pollfd p[2] = {{libpq().socket(conn.get()), static_cast<short>(st == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0},
                       {wake_fd_, POLLIN, 0}};
        if (::poll(p, 2, static_cast<int>(left.count())) < 0) continue;  // EINTR
        if (p[1].revents) {
            why = "stopping";
            return nullptr;
        }
        if (p[0].revents) st = libpq().connect_poll(conn.get());
    }
    if (libpq().set_nonblocking(conn.get(), 1) != 0) {
        why = error_of(conn.get());
        return nullptr;
    }
    return conn;
}

void Listener::run() {
    using clock = std::chrono::steady_clock;
    // Payloads starting with '~' are this class's own probes, never a caller's (user ids).
    const std::string probe_prefix =
        "~probe:" + std::to_string(::getpid()) + ":" + std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ":";
    std::uint64_t probes = 0;
    while (!stop_.load()) {
        std::string why;
        Conn conn = connect(options_.answer_within, why);
        if (conn) {
            // One round trip at a time: LISTEN first, then a probe NOTIFY that must come back
            // through the feed itself (a pooler in transaction mode, say, would accept LISTEN
            // and never deliver), repeated as the keep-alive. The feed counts as whole only
            // while probes keep coming back.
            bool listening = false;
            bool in_round = false;  // a query sent, its result or probe not yet in
            clock::time_point round_started{};
            bool result_in = false;
            std::string probe;  // the payload the current round waits for; "" for LISTEN
            bool probe_in = false;
            auto start_round = [&](const std::string& sql, std::string expected) {
                in_round = true;
                round_started = clock::now();
                result_in = false;
                probe = std::move(expected);
                probe_in = probe.empty();
                return libpq().send_query(conn.get(), sql.c_str()) == 1;
            };
            auto next_round = clock::now();
            if (!start_round("LISTEN " + channel_, "")) why = error_of(conn.get());
            while (why.empty() && !stop_.load()) {
                auto now = clock::now();
                if (in_round && now - round_started > options_.answer_within) {
                    why = !probe.empty() && result_in ? "a probe notification did not come back through the feed"
                                                      : "no answer from the database";
                    break;
                }
                if (!in_round && now >= next_round) {
                    std::string expected = probe_prefix + std::to_string(++probes);
                    if (!start_round("SELECT pg_notify('" + channel_ + "', '" + expected + "')", expected)) {
                        why = error_of(conn.get());
                        break;
                    }
                }
                if (libpq().flush(conn.get()) < 0) {
                    why = error_of(conn.get());
                    break;
                }
                auto until = in_round ? round_started + options_.answer_within : next_round;
                auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now()).count() + 1;
                pollfd p[2] = {{libpq().socket(conn.get()), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
                if (::poll(p, 2, static_cast<int>(std::max<long long>(wait, 1))) < 0) continue;  // EINTR
                if (p[1].revents) break;
                if (!p[0].revents) continue;
                if (!libpq().consume_input(conn.get())) {
                    why = error_of(conn.get());
                    break;
                }
                while (PGnotify* n = libpq().notifies(conn.get())) {
                    std::string payload = n->extra ? n->extra : "";
                    libpq().freemem(n);
                    if (payload.starts_with("~")) {  // a probe: ours, or another server's
                        if (!probe.empty() && payload == probe) probe_in = true;
                    } else if (callbacks_.notified) {
                        callbacks_.notified(payload);
                    }
                }
                if (in_round && !result_in && !libpq().is_busy(conn.get())) {
                    bool ok = true;
                    while (PGresult* r = libpq().get_result(conn.get())) {
                        const auto status = libpq().result_status(r);
                        ok = ok && (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK);
                        libpq().clear(r);
                    }
                    if (!ok) {
                        why = error_of(conn.get());
                        break;
                    }
                    result_in = true;
                }
                if (in_round && result_in && probe_in) {
                    in_round = false;
                    if (probe.empty()) {
                        next_round = clock::now();  // LISTEN is in place: prove it at once
                    } else {
                        next_round = clock::now() + options_.keepalive;
                        if (!listening) {
                            listening = true;
                            connects_.fetch_add(1, std::memory_order_relaxed);
                            listening_.store(true, std::memory_order_release);
                            if (callbacks_.listening) callbacks_.listening();
                        }
                    }
                }
            }
            listening_.store(false, std::memory_order_release);
        }
        if (stop_.load()) why = "stopping";
        if (callbacks_.lost) callbacks_.lost(why);
        conn.reset();
        if (!sleep_unless_stopped(options_.retry)) break;
    }
}

}  // namespace db
