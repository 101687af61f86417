#include "ratelimit/redis_pipeline.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <hiredis/hiredis.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <cerrno>

#include <algorithm>
#include <array>
#include <charconv>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

namespace ratelimit {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

void ReplyDeleter::operator()(redisReply* r) const { freeReplyObject(r); }

std::string ReconnectPause::refusal(Clock::time_point now) const {
    if (now >= retry_at_) return {};
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(retry_at_ - now).count();
    return last_failure_ + " (next attempt in " + std::to_string(wait) + " ms)";
}

void ReconnectPause::failed(std::string why, Clock::time_point now) {
    pause_ = std::clamp<Clock::duration>(2 * pause_, kFirst, kLongest);
    retry_at_ = now + pause_;
    last_failure_ = std::move(why);
}

namespace {

// Whether a connection that has sat idle still stands: false once Redis has closed it (its
// `timeout` setting closes idle clients) or sent something no command asked for. Redis
// closes idle clients after whole seconds, so a connection idle for less is not asked.
bool still_open_after_idle(int fd, Clock::duration idle) {
    if (idle < std::chrono::seconds(1)) return true;
    char byte = 0;
    const auto n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

// RESP, as Redis reads a command: *<count>, then $<length> and the bytes of each argument.
void append_command(std::string& out, std::span<const std::string_view> args) {
    out += '*';
    out += std::to_string(args.size());
    out += "\r\n";
    for (auto a : args) {
        out += '$';
        out += std::to_string(a.size());
        out += "\r\n";
        out.append(a);
        out += "\r\n";
    }
}

// The TLS side of every rediss:// connection: TLS 1.2 or later, Redis's certificate checked
// against `ca_file` (empty: the system's CAs), and the client certificate when one is given.
std::shared_ptr<asio::ssl::context> tls_context(const RedisOptions& o) {
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    ctx->set_verify_mode(asio::ssl::verify_peer);
    auto load = [](const std::string& what, const std::string& path, auto&& f) {
        try {
            f();
        } catch (const boost::system::system_error& e) {
            throw std::runtime_error("redis TLS: cannot use " + what + " " + path + ": " + e.code().message());
        }
    };
    if (o.tls_ca_file.empty())
        ctx->set_default_verify_paths();
    else
        load("the CA file", o.tls_ca_file, [&] { ctx->load_verify_file(o.tls_ca_file); });
    if (!o.tls_cert_file.empty()) {
        load("the client certificate", o.tls_cert_file, [&] { ctx->use_certificate_chain_file(o.tls_cert_file); });
        load("the client key", o.tls_key_file, [&] { ctx->use_private_key_file(o.tls_key_file, asio::ssl::context::pem); });
    }
    return ctx;
}

// Why a TLS handshake failed, with the certificate check's reason when it was that.
std::string handshake_failure(SSL* ssl, const boost::system::error_code& ec) {
    std::string why = "TLS handshake: " + ec.message();
    if (const auto verdict = SSL_get_verify_result(ssl); verdict != X509_V_OK)
        why += std::string(" (") + X509_verify_cert_error_string(verdict) + ")";
    return why;
}

// A command's sender, waiting for its reply: the coroutine's completion handler.
struct Waiter {
    virtual ~Waiter() = default;
    virtual void complete(std::exception_ptr error, RedisReply reply) = 0;
};

template <class Handler>
struct WaiterFor final : Waiter {
    explicit WaiterFor(Handler h) : handler(std::move(h)) {}
    void complete(std::exception_ptr error, RedisReply reply) override {
        auto ex = asio::get_associated_executor(handler);
        asio::post(
            ex, [h = std::move(handler), error, reply = std::move(reply)]() mutable { std::move(h)(error, std::move(reply)); });
    }
    Handler handler;
};

}  // namespace

// Whoever holds `mutex` works the connection: the io thread that sends a command writes it
// itself (no hop to another thread), and a completion handler takes the mutex to go on.
struct RedisPipeline::State : std::enable_shared_from_this<State> {
    struct Connection {
        Connection(const asio::any_io_executor& executor, asio::ssl::context* tls_context)
            : socket(tls_context ? asio::any_io_executor(asio::make_strand(executor)) : executor) {
            if (tls_context) tls.emplace(socket, *tls_context);
        }
        tcp::socket socket;
        // rediss://: TLS over `socket`, whose executor is then a strand. Every step of a TLS
        // read or write runs there, one at a time, as an SSL object requires; what another
        // thread starts (a command's write, a close) is posted to it.
        std::optional<asio::ssl::stream<tcp::socket&>> tls;
        bool open = false;  // until connected, commands gather in `out`
        bool writing = false, reading = false;
        bool answered = false;  // a command of the server's (not AUTH or SCRIPT LOAD) got its reply
        Clock::time_point last_reply;
        std::string out, sending;
        std::array<char, 16 * 1024> in{};
        std::unique_ptr<redisReader, decltype(&redisReaderFree)> reader{redisReaderCreate(), redisReaderFree};
        struct Entry {
            std::unique_ptr<Waiter> waiter;  // none: a command of the connection's own (AUTH, SCRIPT LOAD)
            Clock::time_point sent;
        };
        std::deque<Entry> waiting;  // in the order of the replies to come
    };
    using Lock = std::unique_lock<std::mutex>;

    State(const asio::any_io_executor& e, const Config& config)
        : executor(e), address(config.address), timeout(config.timeout), tls(config.tls), timer(e) {
        for (const auto& command : config.setup_commands()) {
            const std::vector<std::string_view> args(command.begin(), command.end());
            append_command(setup, args);
            ++setup_commands;
        }
    }

    void submit(const std::string& command, std::unique_ptr<Waiter> waiter) {
        Lock lock(mutex);
        if (closed) {
            waiter->complete(std::make_exception_ptr(StoreUnavailable("redis: the server is stopping")), nullptr);
            return;
        }
        if (!conn) {
            if (auto refusal = pause.refusal(Clock::now()); !refusal.empty())
                return waiter->complete(std::make_exception_ptr(StoreUnavailable(refusal)), nullptr);
        }
        // An idle connection Redis has closed would fail the command: a new one is opened first.
        if (conn && conn->open && conn->waiting.empty() &&
            !still_open_after_idle(conn->socket.native_handle(), Clock::now() - conn->last_reply))
            fail(conn, "redis closed the idle connection");
        if (!conn) open();
        conn->out += command;
        conn->waiting.push_back({std::move(waiter), Clock::now()});
        pump(conn);
        arm_timer();
    }

    // Starts what `c` has to write and to read: from here, or on a TLS connection's strand.
    void pump(const std::shared_ptr<Connection>& c) {
        if (!c->tls) {
            write(c);
            read(c);
            return;
        }
        asio::post(c->socket.get_executor(), [self = shared_from_this(), c] {
            Lock lock(self->mutex);
            if (c != self->conn) return;
            self->write(c);
            self->read(c);
        });
    }

    void open() {
        auto c = std::make_shared<Connection>(executor, tls.get());
        c->out = setup;
        for (int i = 0; i < setup_commands; ++i) c->waiting.push_back({nullptr, Clock::now()});
        conn = c;
        boost::system::error_code ec;
        auto ip = asio::ip::make_address(address.host, ec);
        if (!ec) return connect(c, {tcp::endpoint(ip, static_cast<std::uint16_t>(address.port))});
        auto resolver = std::make_shared<tcp::resolver>(executor);
        resolver->async_resolve(
            address.host, std::to_string(address.port),
            [self = shared_from_this(), c, resolver](boost::system::error_code e, const tcp::resolver::results_type& r) {
                Lock lock(self->mutex);
                if (e) return self->fail(c, "redis: cannot resolve " + self->address.host + ": " + e.message());
                self->connect(c, {r.begin(), r.end()});
            });
    }

    void connect(const std::shared_ptr<Connection>& c, const std::vector<tcp::endpoint>& endpoints) {
        if (c != conn) return;
        asio::async_connect(c->socket, endpoints,
                            [self = shared_from_this(), c](boost::system::error_code ec, const tcp::endpoint&) {
                                Lock lock(self->mutex);
                                if (ec) return self->fail(c, self->address.connect_failure(ec.message()));
                                if (c != self->conn) return;
                                boost::system::error_code ignored;
                                c->socket.set_option(tcp::no_delay(true), ignored);
                                if (c->tls) return self->handshake(c);
                                c->open = true;
                                self->write(c);
                                self->read(c);
                            });
    }

    // rediss://: Redis's certificate must chain to a trusted CA and name the host of the URL
    // (a DNS name, or an IP address as written).
    void handshake(const std::shared_ptr<Connection>& c) {
        SSL* ssl = c->tls->native_handle();
        boost::system::error_code not_ip;
        asio::ip::make_address(address.host, not_ip);
        if (not_ip) {
            SSL_set_tlsext_host_name(ssl, address.host.c_str());
            SSL_set1_host(ssl, address.host.c_str());
        } else {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), address.host.c_str());
        }
        c->tls->async_handshake(asio::ssl::stream_base::client, [self = shared_from_this(), c](boost::system::error_code ec) {
            Lock lock(self->mutex);
            if (ec) return self->fail(c, self->address.connect_failure(handshake_failure(c->tls->native_handle(), ec)));
            if (c != self->conn) return;
            c->open = true;
            self->write(c);
            self->read(c);
        });
    }

    void write(const std::shared_ptr<Connection>& c) {
        if (!c->open || c->writing || c->out.empty()) return;
        c->writing = true;
        std::swap(c->out, c->sending);
        auto done = [self = shared_from_this(), c](boost::system::error_code ec, std::size_t) {
            Lock lock(self->mutex);
            c->writing = false;
            c->sending.clear();
            if (ec) return self->fail(c, "redis: " + ec.message());
            if (c == self->conn) self->write(c);
        };
        if (c->tls)
            asio::async_write(*c->tls, asio::buffer(c->sending), std::move(done));
        else
            asio::async_write(c->socket, asio::buffer(c->sending), std::move(done));
    }

    void read(const std::shared_ptr<Connection>& c) {
        if (!c->open || c->reading || c->waiting.empty()) return;
        c->reading = true;
        auto done = [self = shared_from_this(), c](boost::system::error_code ec, std::size_t n) {
            Lock lock(self->mutex);
            c->reading = false;
            if (ec) {
                const bool closed = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
                return self->fail(c, closed ? "redis closed the connection" : "redis: " + ec.message());
            }
            self->deliver(c, n);
        };
        if (c->tls)
            c->tls->async_read_some(asio::buffer(c->in), std::move(done));
        else
            c->socket.async_read_some(asio::buffer(c->in), std::move(done));
    }

    void deliver(const std::shared_ptr<Connection>& c, std::size_t n) {
        if (c != conn) return;
        if (redisReaderFeed(c->reader.get(), c->in.data(), n) != REDIS_OK) return fail(c, "redis: unreadable reply");
        for (;;) {
            void* raw = nullptr;
            if (redisReaderGetReply(c->reader.get(), &raw) != REDIS_OK) return fail(c, "redis: unreadable reply");
            if (!raw) break;
            RedisReply reply(static_cast<redisReply*>(raw));
            c->last_reply = Clock::now();
            if (c->waiting.empty()) return fail(c, "redis: a reply to no command");
            auto entry = std::move(c->waiting.front());
            c->waiting.pop_front();
            if (entry.waiter) {
                c->answered = true;
                entry.waiter->complete(nullptr, std::move(reply));
            } else if (reply->type == REDIS_REPLY_ERROR)
                return fail(c, "redis: " + std::string(reply->str, reply->len));
        }
        if (c->waiting.empty())
            timer.cancel();
        else
            read(c);
    }

    // Ends the connection: every command on it fails, and `pause` says when the next opens.
    void fail(const std::shared_ptr<Connection>& connection, const std::string& why) {
        if (connection != conn) return;
        auto c = connection;  // NOLINT(performance-unnecessary-copy-initialization): `connection` may be `conn`, reset next
        conn.reset();
        if (c->answered)
            pause.answered();
        else
            pause.failed(why, Clock::now());
        shut(c);
        auto error = std::make_exception_ptr(StoreUnavailable(why));
        for (auto& e : c->waiting)
            if (e.waiter) e.waiter->complete(error, nullptr);
        c->waiting.clear();
        timer.cancel();
    }

    // Closes `c`'s socket, on its strand when it has one (a TLS step may be running there).
    static void shut(const std::shared_ptr<Connection>& c) {
        auto close = [c] {
            boost::system::error_code ignored;
            c->socket.close(ignored);
        };
        if (c->tls)
            asio::post(c->socket.get_executor(), std::move(close));
        else
            close();
    }

    // One timer for the oldest command in flight; no timer while nothing is (so an idle
    // pipeline keeps no work on the io_context, which may then finish).
    void arm_timer() {
        if (timer_armed || !conn || conn->waiting.empty()) return;
        timer_armed = true;
        timer.expires_at(conn->waiting.front().sent + timeout);
        timer.async_wait([self = shared_from_this()](boost::system::error_code) {
            Lock lock(self->mutex);
            self->timer_armed = false;
            if (!self->conn || self->conn->waiting.empty()) return;
            if (Clock::now() >= self->conn->waiting.front().sent + self->timeout)
                return self->fail(self->conn, "redis: no reply within " + std::to_string(self->timeout.count()) + " ms");
            self->arm_timer();
        });
    }

    // The io_context is going away: nothing more is sent.
    void close() {
        Lock lock(mutex);
        closed = true;
        if (conn) {
            boost::system::error_code ignored;
            conn->socket.close(ignored);
            conn->waiting.clear();
            conn.reset();
        }
    }

    const asio::any_io_executor executor;
    const RedisAddress address;
    const std::chrono::milliseconds timeout;
    const std::shared_ptr<asio::ssl::context> tls;  // rediss:// only
    std::string setup;                              // AUTH, SELECT and SCRIPT LOADs, sent first on every connection
    int setup_commands = 0;
    std::mutex mutex;
    std::shared_ptr<Connection> conn;  // none until the first command, and after a failure
    ReconnectPause pause;
    asio::steady_timer timer;
    bool timer_armed = false;
    bool closed = false;
};

namespace {

// The pipelines of one io_context, destroyed with it.
class Pipelines final : public asio::execution_context::service {
public:
    using key_type = Pipelines;
    static inline asio::execution_context::id id;
    explicit Pipelines(asio::execution_context& context) : asio::execution_context::service(context) {}

    RedisPipeline& of(const asio::any_io_executor& executor, const RedisPipeline::Config& config) {
        std::lock_guard lock(mutex_);
        auto& p = pipelines_[config.key];
        if (!p) p = std::make_unique<RedisPipeline>(std::make_shared<RedisPipeline::State>(executor, config));
        return *p;
    }

private:
    void shutdown() override {
        std::lock_guard lock(mutex_);
        for (auto& [key, p] : pipelines_) p->close();
        pipelines_.clear();
    }

    std::mutex mutex_;
    std::map<std::string, std::unique_ptr<RedisPipeline>> pipelines_;
};

}  // namespace

RedisPipeline::Config::Config(const RedisOptions& options, std::chrono::milliseconds t, std::vector<std::string> s)
    : address(RedisAddress::parse(options.url)), timeout(t), scripts(std::move(s)) {
    if (address.tls) tls = tls_context(options);
    std::string all;
    for (const auto& script : scripts) all += script;
    key = address.host + ":" + std::to_string(address.port) + "/" + std::to_string(address.db) + " " + address.user + ":" +
          address.password + " " + std::to_string(timeout.count()) + " " + std::to_string(std::hash<std::string>{}(all));
    if (tls) key += " tls " + options.tls_ca_file + " " + options.tls_cert_file + " " + options.tls_key_file;
}

std::vector<std::vector<std::string>> RedisPipeline::Config::setup_commands() const {
    std::vector<std::vector<std::string>> out;
    if (auto auth = address.auth_command(); !auth.empty()) out.push_back(std::move(auth));
    if (address.db != 0) out.push_back({"SELECT", std::to_string(address.db)});
    for (const auto& s : scripts) out.push_back({"SCRIPT", "LOAD", s});
    return out;
}

RedisPipeline& RedisPipeline::of(const asio::any_io_executor& executor, const Config& config) {
    auto& context = asio::query(executor, asio::execution::context);
    // A connection's coroutine runs on its strand; the pipeline must not (its handlers would
    // queue behind that one connection's), so it takes the io_context's own executor.
    asio::any_io_executor plain = executor;
    if (const auto* strand = executor.target<asio::strand<asio::io_context::executor_type>>())
        plain = strand->get_inner_executor();
    return asio::use_service<Pipelines>(context).of(plain, config);
}

void RedisPipeline::close() { state_->close(); }

asio::awaitable<RedisReply> RedisPipeline::command(std::span<const std::string_view> args) {
    std::string bytes;
    append_command(bytes, args);
    auto initiation = [](auto handler, State* state, const std::string& command) {
        state->submit(command, std::make_unique<WaiterFor<decltype(handler)>>(std::move(handler)));
    };
    co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr, RedisReply)>(
        initiation, asio::use_awaitable, state_.get(), std::move(bytes));
}

}  // namespace ratelimit
