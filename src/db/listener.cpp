#include "db/listener.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <stdexcept>
#include <system_error>

namespace db {
namespace {

std::string error_of(PGconn* c) {
    std::string e = c ? PQerrorMessage(c) : "out of memory";
    while (!e.empty() && (e.back() == '\n' || e.back() == ' ')) e.pop_back();
    return e.empty() ? "connection lost" : e;
}

}  // namespace

void Listener::ConnDeleter::operator()(PGconn* c) const { PQfinish(c); }

Listener::Listener(const std::string& url, std::string channel, Callbacks callbacks, Options options)
    : conninfo_(url), channel_(std::move(channel)), callbacks_(std::move(callbacks)), options_(options) {
    for (char c : channel_)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            throw std::invalid_argument("listener channel must be a lower-case identifier");
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
    Conn conn(PQconnectStartParams(keys, values, 1));
    if (!conn || PQstatus(conn.get()) == CONNECTION_BAD) {
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
        pollfd p[2] = {{PQsocket(conn.get()), static_cast<short>(st == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0},
                       {wake_fd_, POLLIN, 0}};
        if (::poll(p, 2, static_cast<int>(left.count())) < 0) continue;  // EINTR
        if (p[1].revents) {
            why = "stopping";
            return nullptr;
        }
        if (p[0].revents) st = PQconnectPoll(conn.get());
    }
    if (PQsetnonblocking(conn.get(), 1) != 0) {
        why = error_of(conn.get());
        return nullptr;
    }
    return conn;
}

void Listener::run() {
    using clock = std::chrono::steady_clock;
    while (!stop_.load()) {
        std::string why;
        Conn conn = connect(options_.answer_within, why);
        // LISTEN is the first query awaited below; the feed is whole once it is answered.
        if (conn && !PQsendQuery(conn.get(), ("LISTEN " + channel_).c_str())) {
            why = error_of(conn.get());
            conn.reset();
        }
        if (conn) {
            bool listening = false;
            auto next_ping = clock::now();
            std::optional<clock::time_point> awaiting = clock::now();  // sent, not yet answered
            while (!stop_.load()) {
                auto now = clock::now();
                if (awaiting && now - *awaiting > options_.answer_within) {
                    why = listening ? "no answer to a keep-alive query" : "no answer to LISTEN";
                    break;
                }
                if (!awaiting && now >= next_ping) {
                    if (!PQsendQuery(conn.get(), "SELECT 1")) {
                        why = error_of(conn.get());
                        break;
                    }
                    awaiting = now;
                }
                if (PQflush(conn.get()) < 0) {
                    why = error_of(conn.get());
                    break;
                }
                auto until = awaiting ? *awaiting + options_.answer_within : next_ping;
                auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now()).count() + 1;
                pollfd p[2] = {{PQsocket(conn.get()), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
                if (::poll(p, 2, static_cast<int>(std::max<long long>(wait, 1))) < 0) continue;  // EINTR
                if (p[1].revents) break;
                if (!p[0].revents) continue;
                if (!PQconsumeInput(conn.get())) {
                    why = error_of(conn.get());
                    break;
                }
                while (PGnotify* n = PQnotifies(conn.get())) {
                    std::string payload = n->extra ? n->extra : "";
                    PQfreemem(n);
                    if (callbacks_.notified) callbacks_.notified(payload);
                }
                if (awaiting && !PQisBusy(conn.get())) {
                    bool ok = true;
                    while (PGresult* r = PQgetResult(conn.get())) {
                        const auto status = PQresultStatus(r);
                        ok = ok && (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK);
                        PQclear(r);
                    }
                    if (!ok) {
                        why = error_of(conn.get());
                        break;
                    }
                    awaiting.reset();
                    next_ping = clock::now() + options_.keepalive;
                    if (!listening) {
                        listening = true;
                        connects_.fetch_add(1, std::memory_order_relaxed);
                        listening_.store(true, std::memory_order_release);
                        if (callbacks_.listening) callbacks_.listening();
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
