#include "config/settings.hpp"

#include "common/text.hpp"
#include "common/time.hpp"
#include "common/url.hpp"
#include "observe/sentry.hpp"
#include "ratelimit/limit.hpp"
#include "ratelimit/redis_address.hpp"
#include "security/sealed.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

extern char** environ;

namespace config {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        auto comma = text.find(',');
        auto item = trim(text.substr(0, comma));
        if (!item.empty()) out.emplace_back(item);
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return out;
}

// scheme://user:password@host...: true when the authority carries a password.
bool url_has_password(std::string_view url) {
    auto scheme = url.find("://");
    if (scheme == std::string_view::npos) return false;
    auto authority = url.substr(scheme + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    auto at = authority.rfind('@');
    return at != std::string_view::npos && authority.substr(0, at).find(':') != std::string_view::npos;
}

// The raw value of a variable, and errors that name it (the rows below parse the values).
class Reader {
public:
    explicit Reader(const Env& env) : env_(env) {}

    const std::string* raw(std::string_view key) const {
        auto it = env_.find(key);
        if (it == env_.end() || trim(it->second).empty()) return nullptr;
        return &it->second;
    }

    [[noreturn]] static void fail(std::string_view key, const std::string& why) {
        throw ConfigError(std::string(key) + ": " + why);
    }

private:
    const Env& env_;
};

}  // namespace

std::string Settings::sqlite_path() const {
    constexpr std::string_view prefix = "sqlite://";
    return database_url.starts_with(prefix) ? database_url.substr(prefix.size()) : std::string();
}

std::chrono::milliseconds parse_duration(std::string_view text) {
    text = trim(text);
    long long n = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || n < 0) throw std::invalid_argument("bad duration");
    std::string_view unit(ptr, static_cast<std::size_t>(text.data() + text.size() - ptr));
    const auto factor = unit.empty() ? 1000 : common::unit_ms(unit).value_or(0);
    if (!factor) throw std::invalid_argument("bad duration unit");
    if (n > (1LL << 40)) throw std::invalid_argument("duration too large");
    return std::chrono::milliseconds(n * factor);
}

std::string mask_url(std::string_view url) {
    auto sep = url.find("://");
    if (sep == std::string_view::npos) return std::string(url);
    auto authority_start = sep + 3;
    auto authority_end = url.find_first_of("/?#", authority_start);
    auto authority = url.substr(
        authority_start, authority_end == std::string_view::npos ? std::string_view::npos : authority_end - authority_start);
    auto at = authority.rfind('@');
    if (at == std::string_view::npos) return std::string(url);
    auto userinfo = authority.substr(0, at);
    auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) return std::string(url);
    std::string out(url.substr(0, authority_start));
    out += userinfo.substr(0, colon);
    out += ":***";
    out += url.substr(authority_start + at);
    return out;
}

Env merged_environment(const std::string& dotenv_path) {
    Env env = read_dotenv_file(dotenv_path);
    for (char** e = environ; e && *e; ++e) {
        std::string_view kv(*e);
        auto eq = kv.find('=');
        if (eq == std::string_view::npos) continue;
        env.insert_or_assign(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
    return env;
}

namespace {

using Store = std::function<void(Settings&, std::string_view name, std::string_view value)>;

// Where a row keeps its value: a member of Settings, or a member of one of its parts (a
// component's options struct).
template <class T>
using Ref = std::function<T&(Settings&)>;
template <class T>
Ref<T> at(T Settings::*member) {
    return [member](Settings& s) -> T& { return s.*member; };
}
template <class Part, class T>
Ref<T> at(Part Settings::*part, T Part::*member) {
    return [part, member](Settings& s) -> T& { return s.*part.*member; };
}
template <class Part, class Sub, class T>
Ref<T> at(Part Settings::*part, Sub Part::*sub, T Sub::*member) {
    return [part, sub, member](Settings& s) -> T& { return s.*part.*sub.*member; };
}

// One setting. Its default is text read by the same parser as any value, so it is written
// once; a default that follows from settings above it (`derive`) is documented by
// `default_text`. Everything else (--help, .env.example, docs/operations.md's table) is made from
// these rows. Rows are read in order: a derived default may use only the rows above it.
struct Row {
    const char* name;
    const char* section;
    const char* default_text;  // "" for none
    const char* help;
    Store store;
    std::function<std::string(const Settings&)> derive = nullptr;
    bool in_example = false;  // .env.example sets it rather than showing it commented out
};

int cores() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

template <class Int>
Store integer(const Ref<Int>& member, long long min, long long max) {
    return [member, min, max](Settings& s, std::string_view name, std::string_view t) {
        long long parsed = 0;
        auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), parsed);
        if (ec != std::errc{} || ptr != t.data() + t.size() || parsed < min || parsed > max)
            Reader::fail(name, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max) + " (got '" +
                                   std::string(t) + "')");
        member(s) = static_cast<Int>(parsed);
    };
}

Store duration(const Ref<std::chrono::milliseconds>& member, bool positive = false) {
    return [member, positive](Settings& s, std::string_view name, std::string_view t) {
        try {
            member(s) = parse_duration(t);
        } catch (const std::invalid_argument&) {
            Reader::fail(name, "must be a duration such as 30s, 15m, 2h or 14d (got '" + std::string(t) + "')");
        }
        if (positive && member(s).count() <= 0) Reader::fail(name, "must be positive");
    };
}

Store boolean(const Ref<bool>& member) {
    return [member](Settings& s, std::string_view name, std::string_view t) {
        if (t == "true" || t == "1" || t == "yes")
            member(s) = true;
        else if (t == "false" || t == "0" || t == "no")
            member(s) = false;
        else
            Reader::fail(name, "must be true or false (got '" + std::string(t) + "')");
    };
}

// A number in (min, max] or [min, max].
Store decimal(const Ref<double>& member, double min, double max, bool min_allowed, const char* expectation) {
    return [=](Settings& s, std::string_view name, std::string_view t) {
        double v = 0;
        try {
            std::size_t used = 0;
            v = std::stod(std::string(t), &used);
            if (used != t.size()) throw std::invalid_argument("trailing text");
        } catch (const std::exception&) {
            Reader::fail(name, std::string(expectation) + " (got '" + std::string(t) + "')");
        }
        if (!(min_allowed ? v >= min : v > min) || v > max)
            Reader::fail(name, std::string(expectation) + " (got '" + std::string(t) + "')");
        member(s) = v;
    };
}

Store text(const Ref<std::string>& member) {
    return [member](Settings& s, std::string_view, std::string_view t) { member(s) = std::string(t); };
}

// The path of a file this process can read (checked now, so a wrong path stops the start with
// the setting's name rather than the first connection that needs it).
Store readable_file(const Ref<std::string>& member) {
    return [member](Settings& s, std::string_view name, std::string_view t) {
        const std::string path(t);
        if (std::error_code ec; !std::filesystem::is_regular_file(path, ec)) Reader::fail(name, "'" + path + "' is not a file");
        if (!std::ifstream(path)) Reader::fail(name, "'" + path + "' cannot be read: " + std::strerror(errno));
        member(s) = path;
    };
}

// A URL of one of `schemes` (credentials inside are never echoed).
Store url(const Ref<std::string>& member, std::initializer_list<const char*> schemes) {
    std::vector<std::string_view> allowed(schemes.begin(), schemes.end());
    return [member, allowed](Settings& s, std::string_view name, std::string_view t) {
        auto sep = t.find("://");
        auto scheme = sep == std::string_view::npos ? std::string_view() : t.substr(0, sep);
        if (std::find(allowed.begin(), allowed.end(), scheme) == allowed.end()) {
            std::string list;
            for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
            Reader::fail(name, (sep == std::string_view::npos ? std::string("not a URL")
                                                              : "unsupported scheme '" + std::string(scheme) + "'") +
                                   " (expected " + list + ")");
        }
        member(s) = std::string(t);
    };
}

// A limit in the syntax of route declarations: 5000/hour, 10/15minute.
template <class L>  // ratelimit::Limit, or an optional one
Store rate(const Ref<L>& member) {
    return [member](Settings& s, std::string_view name, std::string_view t) {
        auto limit = ratelimit::Limit::parse(t);
        if (!limit) Reader::fail(name, "must look like 5000/hour or 10/15minute (got '" + std::string(t) + "')");
        member(s) = *limit;
    };
}

// Provider endpoints must be https, except on loopback where the tests' fakes listen.
Store endpoint(const Ref<std::string>& member) {
    return [member](Settings& s, std::string_view name, std::string_view t) {
        const std::string value(t);
        auto parsed = common::parse_absolute_url(value);
        if (!parsed) Reader::fail(name, "must be an absolute http(s) URL (got '" + value + "')");
        if (!common::is_provider_endpoint(value)) Reader::fail(name, "must use https (got '" + value + "')");
        if (value.find('?') != std::string::npos || value.find('#') != std::string::npos)
            Reader::fail(name, "must not carry a query or fragment (got '" + value + "')");
        auto& out = member(s);
        out = value;
        while (out.ends_with('/')) out.pop_back();
    };
}

// Comma-separated origins such as https://app.example.com (`star`: or *).
Store origins(const Ref<std::vector<std::string>>& member, bool star) {
    return [member, star](Settings& s, std::string_view name, std::string_view t) {
        member(s).clear();
        for (auto& item : split_list(t)) {
            if (star && item == "*") {
                member(s).push_back(item);
                continue;
            }
            auto u = common::parse_absolute_url(item);
            if (!u || !(u->rest.empty() || u->rest == "/"))
                Reader::fail(name, "'" + item + "' is not an origin such as https://app.example.com" + (star ? " or *" : ""));
            member(s).push_back(u->origin);
        }
    };
}

// "https://app.example.com:8443" -> "app.example.com"; "http://[::1]:80" -> "[::1]".
std::string host_of(const std::string& origin) {
    auto host = origin.substr(origin.find("://") + 3);
    return host.starts_with('[') ? host.substr(0, host.find(']') + 1) : host.substr(0, host.find(':'));
}

// True when the origin's host is the relying-party id or a subdomain of it.
bool on_rp_id(const std::string& origin, const std::string& rp_id) {
    const auto host = host_of(origin);
    return host == rp_id || host.ends_with("." + rp_id);
}

const std::vector<Row>& rows() {
    using S = Settings;
    static const std::vector<Row> table = {
        // --- Storage
        {"DATA_DIR", "Storage", "./data", "holds the SQLite database, the mail outbox (.eml files) and GeoIP data",
         text(at(&S::data_dir)), nullptr, true},
        {"DATABASE_URL", "Storage", "sqlite://$DATA_DIR/starter.db",
         "sqlite://PATH, or postgresql://user:pass@host:5432/db in production",
         [](S& s, std::string_view name, std::string_view t) {
             auto sep = t.find("://");
             if (sep == std::string_view::npos)  // no echo: it may hold a password
                 Reader::fail(name, "expected sqlite://PATH or postgresql://user:password@host/db");
             auto scheme = std::string(t.substr(0, sep));
             if (scheme == "sqlite" && t.size() == sep + 3) Reader::fail(name, "sqlite:// needs a file path");
             if (scheme != "sqlite" && scheme != "postgresql" && scheme != "postgres")
                 Reader::fail(name, "unsupported scheme '" + scheme + "' (use sqlite or postgresql)");
             s.database_url = std::string(t);
         },
         [](const S& s) { return "sqlite://" + s.data_dir + "/starter.db"; }},
        {"DATABASE_POOL_SIZE", "Storage", "8", "connections in the pool", integer(at(&S::database_pool_size), 1, 1000)},
        {"DATABASE_ACQUIRE_TIMEOUT", "Storage", "5s", "how long a request waits for a free connection before answering 503",
         duration(at(&S::database_acquire_timeout))},
        {"DATA_ENCRYPTION_KEY", "Storage", "",
         "32 random bytes as 64 hex digits (`openssl rand -hex 32`) sealing second-factor secrets (AES-256-GCM). Required "
         "with PostgreSQL, where every server must share it; with SQLite, unset means a key file $DATA_DIR/data-encryption.key "
         "made on first start (mode 0600). Back it up apart from the database: without it, authenticator apps must be set up "
         "again",
         [](S& s, std::string_view name, std::string_view t) {
             if (!security::DataKey::parse(t))  // no echo: it is a secret
                 Reader::fail(name, "must be 64 hex digits (generate one with: openssl rand -hex 32)");
             s.data_encryption_key = std::string(t);
         }},
        {"DATA_ENCRYPTION_KEY_PREVIOUS", "Storage", "",
         "keys used before DATA_ENCRYPTION_KEY, comma-separated: what they sealed still opens until `starter keys reseal` "
         "has moved it to the current key (docs/operations.md, rotating the key)",
         [](S& s, std::string_view name, std::string_view t) {
             s.data_encryption_keys_previous.clear();
             for (auto& item : split_list(t)) {
                 if (!security::DataKey::parse(item))  // no echo: they are secrets
                     Reader::fail(name, "each key must be 64 hex digits");
                 s.data_encryption_keys_previous.push_back(item);
             }
         }},
        {"REDIS_URL", "Storage", "",
         "redis://[[user]:password@]host:6379/0, or rediss:// for TLS: the shared rate-limit store of several server "
         "processes; escape '@', ':' or '/' in the password as %40, %3A, %2F (default: in-process memory)",
         [](S& s, std::string_view name, std::string_view t) {
             try {
                 ratelimit::RedisAddress::parse(t);  // what the store will read, checked now
             } catch (const std::invalid_argument& e) {
                 Reader::fail(name, e.what());
             }
             s.redis.url = std::string(t);
         }},
        {"REDIS_TLS_CA_FILE", "Storage", "",
         "rediss://: the CA certificates (PEM) Redis's certificate must chain to, for a private CA; the certificate must "
         "also name the URL's host (default: the system's CAs)",
         readable_file(at(&S::redis, &ratelimit::RedisOptions::tls_ca_file))},
        {"REDIS_TLS_CERT_FILE", "Storage", "",
         "rediss://: a client certificate (PEM, with its chain) for a Redis that asks for one (redis-server's "
         "tls-auth-clients); needs REDIS_TLS_KEY_FILE",
         readable_file(at(&S::redis, &ratelimit::RedisOptions::tls_cert_file))},
        {"REDIS_TLS_KEY_FILE", "Storage", "", "rediss://: the private key (PEM, unencrypted) of REDIS_TLS_CERT_FILE",
         readable_file(at(&S::redis, &ratelimit::RedisOptions::tls_key_file))},
        // --- Server
        {"HOST", "Server", "127.0.0.1", "listen address (an IP address; 0.0.0.0 for every interface)",
         [](S& s, std::string_view name, std::string_view t) {
             boost::system::error_code ec;
             boost::asio::ip::make_address(std::string(t), ec);
             if (ec && t != "localhost")
                 Reader::fail(name, "must be an IP address such as 127.0.0.1 or 0.0.0.0 (got '" + std::string(t) + "')");
             s.server.host = std::string(t);
         },
         nullptr, true},
        {"PORT", "Server", "8000", "listen port (0 picks a free port)",
         integer(at(&S::server, &http::ServerOptions::port), 0, 65535), nullptr, true},
        {"IO_THREADS", "Server", "cores", "network threads", integer(at(&S::server, &http::ServerOptions::io_threads), 1, 256),
         [](const S&) { return std::to_string(cores()); }},
        {"WORKER_THREADS", "Server", "SQLite: max(2, cores); PostgreSQL: max(4, 2 x cores)",
         "bounded pool for DB, Argon2 and failed-login counting; blocking work never runs on a network thread (more threads "
         "than cores only pay off while they wait on a network)",
         integer(at(&S::server, &http::ServerOptions::worker_threads), 1, 1024),
         [](const S& s) {
             // SQLite answers in microseconds, so workers beyond the cores only add wake-ups
             // (bench/RESULTS.md); PostgreSQL workers spend much of their time waiting. Limits in
             // Redis are asked by the io threads, not by workers.
             return std::to_string(s.uses_postgres() ? std::max(4, 2 * cores()) : std::max(2, cores()));
         }},
        {"HTTP_MAX_QUEUED_REQUESTS", "Server", "4096", "requests waiting for a worker beyond this answer 503",
         integer(at(&S::server, &http::ServerOptions::max_queued_requests), 1, 1'000'000)},
        {"HTTP_HEADER_TIMEOUT", "Server", "10s", "a request's headers and body must arrive within this (slowloris)",
         duration(at(&S::server, &http::ServerOptions::header_timeout))},
        {"HTTP_IDLE_TIMEOUT", "Server", "60s", "idle keep-alive connections are closed after this",
         duration(at(&S::server, &http::ServerOptions::idle_timeout))},
        {"SHUTDOWN_TIMEOUT", "Server", "10s", "in-flight requests' grace period on SIGTERM/SIGINT",
         duration(at(&S::server, &http::ServerOptions::shutdown_timeout))},
        {"SHUTDOWN_DRAIN", "Server", "0s",
         "on SIGTERM/SIGINT, keep serving this long while /api/health/ready answers 503 (draining), so a load balancer "
         "stops sending requests first; set it above the balancer's health-check interval x fall count. A second signal "
         "stops at once",
         duration(at(&S::server, &http::ServerOptions::drain))},
        {"TRUSTED_PROXIES", "Server", "", "CIDRs of reverse proxies whose X-Forwarded-For is believed, comma-separated",
         [](S& s, std::string_view name, std::string_view t) {
             for (const auto& item : split_list(t)) {
                 auto cidr = http::Cidr::parse(item);
                 if (!cidr) Reader::fail(name, "'" + item + "' is not an IP address or CIDR network");
                 s.server.trusted_proxies.push_back(*cidr);
             }
         }},
        {"CORS_ALLOW_ORIGINS", "Server", "", "browser origins allowed to call the API, comma-separated, or *",
         [](S& s, std::string_view name, std::string_view t) {
             for (auto& origin : split_list(t)) {
                 if (origin != "*" && !(origin.starts_with("http://") || origin.starts_with("https://")))
                     Reader::fail(name, "'" + origin + "' is not an origin such as https://app.example.com or *");
                 while (origin.size() > 1 && origin.back() == '/') origin.pop_back();
                 s.cors_allow_origins.push_back(origin);
             }
         }},
        // --- Mail
        {"SMTP_URL", "Mail", "",
         "smtp://user:pass@host:587 or smtps://...; unset: every email is an .eml file in $DATA_DIR/outbox",
         url(at(&S::smtp_url), {"smtp", "smtps"})},
        {"SMTP_REQUIRE_TLS", "Mail", "true when SMTP_URL has a password",
         "send only after STARTTLS succeeded, so neither the password nor the codes cross the network in clear (an attacker "
         "on the path can strip the server's STARTTLS offer; the send then fails and is retried); smtps:// is always TLS",
         boolean(at(&S::smtp_require_tls)), [](const S& s) { return url_has_password(s.smtp_url) ? "true" : "false"; }},
        {"MAIL_FROM", "Mail", "Starter <no-reply@localhost>", "sender of every email",
         [](S& s, std::string_view name, std::string_view t) {
             if (t.find('@') == std::string_view::npos) Reader::fail(name, "must contain an email address");
             s.mail_from = std::string(t);
         },
         nullptr, true},
        {"APP_NAME", "Mail", "Starter", "product name in emails", text(at(&S::app_name)), nullptr, true},
        {"APP_URL", "Mail", "http://localhost:3000",
         "the front end's URL, used in emails and as the default allowed redirect origin",
         url(at(&S::app_url), {"http", "https"}), nullptr, true},
        // --- Logs
        {"LOG_FORMAT", "Logs", "console", "console (coloured lines) or json (one object per line)",
         [](S& s, std::string_view name, std::string_view t) {
             if (t == "console")
                 s.log_format = LogFormat::console;
             else if (t == "json")
                 s.log_format = LogFormat::json;
             else
                 Reader::fail(name, "must be console or json (got '" + std::string(t) + "')");
         },
         nullptr, true},
        {"LOG_LEVEL", "Logs", "info", "trace, debug, info, warning, error, critical or off",
         [](S& s, std::string_view name, std::string_view t) {
             std::string level(t);
             std::transform(level.begin(), level.end(), level.begin(), [](unsigned char c) { return std::tolower(c); });
             if (level == "warn") level = "warning";
             static constexpr std::string_view levels[] = {"trace", "debug", "info", "warning", "error", "critical", "off"};
             if (std::find(std::begin(levels), std::end(levels), level) == std::end(levels))
                 Reader::fail(name, "must be one of trace, debug, info, warning, error, critical, off (got '" + level + "')");
             s.log_level = level;
         },
         nullptr, true},
        // --- Passwords and sessions
        {"ARGON2_TIME_COST", "Passwords and sessions", "3", "Argon2id passes; older hashes are re-hashed at login",
         integer(at(&S::argon2, &security::Argon2Params::time_cost), 1, 100)},
        {"ARGON2_MEMORY_KIB", "Passwords and sessions", "65536", "Argon2id memory per hash, KiB",
         integer(at(&S::argon2, &security::Argon2Params::memory_kib), 8, 4 * 1024 * 1024)},
        {"ARGON2_PARALLELISM", "Passwords and sessions", "4", "Argon2id lanes",
         integer(at(&S::argon2, &security::Argon2Params::parallelism), 1, 64)},
        {"ARGON2_MAX_CONCURRENT", "Passwords and sessions", "cores", "hashes running at once (each holds ARGON2_MEMORY_KIB)",
         integer(at(&S::argon2, &security::Argon2Params::max_concurrent), 1, 1024),
         [](const S&) { return std::to_string(cores()); }},
        {"HIBP_ENABLED", "Passwords and sessions", "true",
         "refuse new passwords found in data breaches (Have I Been Pwned's Pwned Passwords; only the first 5 hex digits of "
         "the password's SHA-1 leave the server), and tell the owner when one is used to sign in",
         boolean(at(&S::breached_passwords, &security::BreachCheckOptions::enabled))},
        {"HIBP_API_URL", "Passwords and sessions", "https://api.pwnedpasswords.com",
         "the Pwned Passwords range API, or a mirror of it (asked with a 2 s timeout; answers kept an hour)",
         endpoint(at(&S::breached_passwords, &security::BreachCheckOptions::api_url))},
        {"HIBP_DATASET_PATH", "Passwords and sessions", "",
         "a local copy of the Pwned Passwords set (SHA-1 hashes ordered by hash, lines HASH:COUNT, as downloaded) searched "
         "instead of the API, for networks without internet; scripts/pwned-dataset builds one from a word list",
         text(at(&S::breached_passwords, &security::BreachCheckOptions::dataset_path))},
        {"HIBP_FAIL_CLOSED", "Passwords and sessions", "false",
         "when the API cannot be asked: false accepts a new password unchecked (counted in /metrics), true refuses it with "
         "503 until the API answers; sign-ins are never refused for it",
         boolean(at(&S::breached_passwords, &security::BreachCheckOptions::fail_closed))},
        {"SESSION_IDLE_TIMEOUT", "Passwords and sessions", "14d", "a token dies after this long unused",
         duration(at(&S::sessions, &sessions::SessionPolicy::idle_timeout), true)},
        {"SESSION_MAX_AGE", "Passwords and sessions", "30d", "a token dies this long after login in any case",
         duration(at(&S::sessions, &sessions::SessionPolicy::max_age), true)},
        {"SESSION_CACHE_SIZE", "Passwords and sessions", "10000",
         "tokens whose session and user each server keeps in memory for GET /api/users/@me, kept current by LISTEN/NOTIFY "
         "on PostgreSQL and by the WAL index's commit counter on SQLite (a revoked token is refused at once); 0 reads the "
         "database every time",
         integer(at(&S::session_cache_size), 0, 10'000'000)},
        {"SECURITY_EVENTS_RETENTION", "Passwords and sessions", "180d",
         "each account's security activity (GET /api/users/@me/activity) is kept this long, then deleted",
         duration(at(&S::security_events_retention), true)},
        {"ACCOUNT_DELETION_GRACE", "Passwords and sessions", "7d",
         "after DELETE /api/users/@me the account is unusable at once and its data erased this long after, unless its owner "
         "signs in before; 0 erases at once",
         duration(at(&S::account_deletion_grace))},
        // --- Rate limits
        {"RATE_LIMITS_ENABLED", "Rate limits", "true", "turn every limit off (benchmarks)",
         boolean(at(&S::rate_limits, &ratelimit::LimiterOptions::enabled))},
        {"RATE_LIMIT_MULTIPLIER", "Rate limits", "1", "scales every limit's count (tests, load tests)",
         decimal(at(&S::rate_limits, &ratelimit::LimiterOptions::multiplier), 0, 1e18, false, "must be a positive number")},
        {"RATE_LIMIT_PRIMARY", "Rate limits", "5000/hour", "the API-wide limit per client IP",
         rate(at(&S::rate_limits, &ratelimit::LimiterOptions::primary))},
        {"LOGIN_FAILURE_LIMIT", "Rate limits", "10/15minute",
         "failed logins per account (or per login string that names none) before a temporary 429",
         rate(at(&S::login_failure_limit))},
        {"RATE_LIMIT_FAIL_CLOSED", "Rate limits", "false", "when Redis is down or gives no answer within 250 ms: false allows and logs, true answers 503",
         boolean(at(&S::rate_limits, &ratelimit::LimiterOptions::fail_closed))},
        {"RATE_LIMIT_NAMESPACE", "Rate limits", "", "key prefix, to share one Redis between deployments",
         text(at(&S::rate_limits, &ratelimit::LimiterOptions::key_prefix))},
        {"RATE_LIMIT_MEMORY_MB", "Rate limits", "64",
         "memory budget of the in-process store (no REDIS_URL); past it the least recently active clients' logs are dropped "
         "first",
         integer(at(&S::rate_limit_memory_mb), 1, 1 << 20)},
        // --- Device and location
        {"GEOIP_DATABASE_PATH", "Device and location", "$DATA_DIR/GeoLite2-City.mmdb",
         "GeoLite2-City database (scripts/fetch-geoip)", text(at(&S::geoip_database_path)),
         [](const S& s) { return s.data_dir + "/GeoLite2-City.mmdb"; }},
        {"GEOIP_ACCOUNT_ID", "Device and location", "",
         "MaxMind account id: with GEOIP_LICENSE_KEY, the server downloads GeoLite2-City into GEOIP_DATABASE_PATH and keeps it "
         "current, without a restart",
         text(at(&S::geoip_updates, &geo::UpdateOptions::account_id))},
        {"GEOIP_LICENSE_KEY", "Device and location", "", "MaxMind licence key (a secret; required with GEOIP_ACCOUNT_ID)",
         text(at(&S::geoip_updates, &geo::UpdateOptions::license_key))},
        {"GEOIP_UPDATE_INTERVAL", "Device and location", "7d",
         "how often to ask MaxMind for a newer database (an hour after a failed try)",
         duration(at(&S::geoip_updates, &geo::UpdateOptions::interval), true)},
        {"GEOIP_DOWNLOAD_URL", "Device and location", "https://download.maxmind.com/geoip/databases/GeoLite2-City/download",
         "MaxMind's download permalink of the edition (GeoIP2-City for the commercial one)",
         endpoint(at(&S::geoip_updates, &geo::UpdateOptions::download_url))},
        {"UA_REGEXES_PATH", "Device and location", "/usr/share/uap-core/regexes.yaml", "ua-parser regexes",
         text(at(&S::ua_regexes_path))},
        // --- Social sign-in
        {"PUBLIC_URL", "Social sign-in", "http://localhost:$PORT",
         "where browsers reach this server; callback URLs are PUBLIC_URL/api/oauth/<provider>/callback (https makes the sign-in "
         "cookie Secure)",
         [](S& s, std::string_view name, std::string_view t) {
             std::string value(t);
             while (value.ends_with('/')) value.pop_back();
             if (auto u = common::parse_absolute_url(value); !u || !u->rest.empty())
                 Reader::fail(name, "must be the origin browsers reach this server at, e.g. https://api.example.com (got '" +
                                        value + "')");
             s.public_url = value;
         },
         // PORT=0 (any free port) cannot make a callback URL: such setups must set PUBLIC_URL.
         [](const S& s) {
             return s.server.port ? "http://localhost:" + std::to_string(s.server.port) : std::string("http://localhost");
         }},
        {"OAUTH_PROVIDERS", "Social sign-in", "those of google, facebook, github with a client id",
         "the sign-in providers, comma-separated, in the order to show them: google, facebook, github, and names of your "
         "own for any OpenID Connect provider (Keycloak, Authentik, Okta, Entra...), each set up by the OAUTH_<NAME>_ "
         "settings below; a provider not listed is off",
         [](S& s, std::string_view name, std::string_view t) {
             for (auto& item : split_list(t)) {
                 std::string p(item);
                 std::transform(p.begin(), p.end(), p.begin(), [](unsigned char c) { return std::tolower(c); });
                 if (p.empty() || p.size() > 32 || !std::isalpha(static_cast<unsigned char>(p[0])) ||
                     p.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos)
                     Reader::fail(name, "'" + std::string(item) +
                                            "' is not a provider name (a letter, then letters, digits or '-'; at most 32)");
                 if (std::find(s.oauth_providers.begin(), s.oauth_providers.end(), p) != s.oauth_providers.end())
                     Reader::fail(name, "names '" + p + "' twice");
                 s.oauth_providers.push_back(p);
             }
         },
         [](const S&) { return std::string(); }},
        {"OAUTH_<NAME>_ISSUER", "Social sign-in", "",
         "an OpenID Connect provider of OAUTH_PROVIDERS: its issuer URL (https), e.g. "
         "https://keycloak.example.com/realms/main; its endpoints and keys come from <issuer>/.well-known/openid-configuration",
         nullptr},
        {"OAUTH_<NAME>_CLIENT_ID", "Social sign-in", "", "the client id registered at that provider (required)", nullptr},
        {"OAUTH_<NAME>_CLIENT_SECRET", "Social sign-in", "", "its client secret (required; sent with HTTP Basic)", nullptr},
        {"OAUTH_<NAME>_SCOPES", "Social sign-in", "openid email profile", "the scopes to ask for", nullptr},
        {"GOOGLE_CLIENT_ID", "Social sign-in", "", "Google sign-in; unset: Google is disabled (its routes answer 404)",
         text(at(&S::google, &OAuthProviderSettings::client_id))},
        {"GOOGLE_CLIENT_SECRET", "Social sign-in", "", "required with GOOGLE_CLIENT_ID",
         text(at(&S::google, &OAuthProviderSettings::client_secret))},
        {"GOOGLE_AUTHORIZATION_URL", "Social sign-in", "https://accounts.google.com/o/oauth2/v2/auth",
         "provider endpoint (https; http only on loopback, for test fakes)",
         endpoint(at(&S::google, &OAuthProviderSettings::authorization_url))},
        {"GOOGLE_TOKEN_URL", "Social sign-in", "https://oauth2.googleapis.com/token", "provider endpoint",
         endpoint(at(&S::google, &OAuthProviderSettings::token_url))},
        {"GOOGLE_JWKS_URL", "Social sign-in", "https://www.googleapis.com/oauth2/v3/certs", "provider endpoint",
         endpoint(at(&S::google, &OAuthProviderSettings::identity_url))},
        {"FACEBOOK_CLIENT_ID", "Social sign-in", "", "Facebook sign-in (the app id); unset: Facebook is disabled",
         text(at(&S::facebook, &OAuthProviderSettings::client_id))},
        {"FACEBOOK_CLIENT_SECRET", "Social sign-in", "", "required with FACEBOOK_CLIENT_ID (the app secret)",
         text(at(&S::facebook, &OAuthProviderSettings::client_secret))},
        {"FACEBOOK_AUTHORIZATION_URL", "Social sign-in", "https://www.facebook.com/v19.0/dialog/oauth", "provider endpoint",
         endpoint(at(&S::facebook, &OAuthProviderSettings::authorization_url))},
        {"FACEBOOK_TOKEN_URL", "Social sign-in", "https://graph.facebook.com/v19.0/oauth/access_token", "provider endpoint",
         endpoint(at(&S::facebook, &OAuthProviderSettings::token_url))},
        {"FACEBOOK_GRAPH_URL", "Social sign-in", "https://graph.facebook.com/v19.0", "provider endpoint",
         endpoint(at(&S::facebook, &OAuthProviderSettings::identity_url))},
        {"GITHUB_CLIENT_ID", "Social sign-in", "", "GitHub sign-in (an OAuth app's client id); unset: GitHub is disabled",
         text(at(&S::github, &OAuthProviderSettings::client_id))},
        {"GITHUB_CLIENT_SECRET", "Social sign-in", "", "required with GITHUB_CLIENT_ID",
         text(at(&S::github, &OAuthProviderSettings::client_secret))},
        {"GITHUB_AUTHORIZATION_URL", "Social sign-in", "https://github.com/login/oauth/authorize", "provider endpoint",
         endpoint(at(&S::github, &OAuthProviderSettings::authorization_url))},
        {"GITHUB_TOKEN_URL", "Social sign-in", "https://github.com/login/oauth/access_token", "provider endpoint",
         endpoint(at(&S::github, &OAuthProviderSettings::token_url))},
        {"GITHUB_API_URL", "Social sign-in", "https://api.github.com", "provider endpoint (the REST API: /user, /user/emails)",
         endpoint(at(&S::github, &OAuthProviderSettings::identity_url))},
        {"OAUTH_REDIRECT_ALLOWED_ORIGINS", "Social sign-in", "APP_URL's origin",
         "origins redirect_to may point at, comma-separated (PUBLIC_URL's too while ACCOUNT_APP is on)", origins(at(&S::oauth_redirect_allowed_origins), false),
         [](const S& s) {
             auto app = common::parse_absolute_url(s.app_url);
             return app ? app->origin : std::string();
         }},
        {"OAUTH_HTTP_TIMEOUT", "Social sign-in", "10s", "each call to a provider (token exchange, JWKS, Graph)",
         duration(at(&S::oauth_http_timeout), true)},
        // --- Passkeys
        {"WEBAUTHN_RP_ID", "Passkeys", "APP_URL's host",
         "the relying-party id passkeys are bound to: the site's domain (example.com serves app.example.com too); changing it "
         "strands every passkey made under the old one",
         [](S& s, std::string_view name, std::string_view t) {
             std::string id(t);
             std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) { return std::tolower(c); });
             if (id.empty() || id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") != std::string::npos ||
                 id.front() == '.' || id.back() == '.')
                 Reader::fail(name, "must be a domain name such as example.com or localhost, without scheme or port (got '" +
                                        std::string(t) + "')");
             s.webauthn.id = id;
             s.webauthn.name = s.app_name;
         },
         [](const S& s) {
             auto app = common::parse_absolute_url(s.app_url);
             return app ? host_of(app->origin) : std::string("localhost");
         }},
        {"WEBAUTHN_ORIGINS", "Passkeys", "APP_URL's origin, and PUBLIC_URL's when it is on WEBAUTHN_RP_ID",
         "origins of the pages that may create and use passkeys, comma-separated; each must be on WEBAUTHN_RP_ID or a "
         "subdomain of it", origins(at(&S::webauthn, &webauthn::RelyingParty::origins), false),
         [](const S& s) {
             auto app = common::parse_absolute_url(s.app_url);
             std::string list = app ? app->origin : std::string();
             if (auto pub = common::parse_absolute_url(s.public_url);
                 pub && (!app || pub->origin != app->origin) && on_rp_id(pub->origin, s.webauthn.id))
                 list += (list.empty() ? "" : ",") + pub->origin;
             return list;
         }},
        // --- Error reporting and docs
        {"SENTRY_DSN", "Error reporting and docs", "",
         "report 500s, dead jobs and failed starts to Sentry (https://<key>@<host>/<project>)",
         [](S& s, std::string_view name, std::string_view t) {
             if (!observe::SentryDsn::parse(std::string(t)))
                 Reader::fail(name,
                              "must look like https://<public key>@<host>/<project id> (copy it from the project's settings)");
             s.sentry.dsn = std::string(t);
         }},
        {"SENTRY_ENVIRONMENT", "Error reporting and docs", "production", "the events' environment",
         text(at(&S::sentry, &observe::SentryOptions::environment))},
        {"SENTRY_SAMPLE_RATE", "Error reporting and docs", "1", "fraction of errors sent",
         decimal(at(&S::sentry, &observe::SentryOptions::sample_rate), 0, 1, true, "must be a number from 0 to 1")},
        {"SWAGGER_UI_DIR", "Error reporting and docs", "$DATA_DIR/swagger-ui",
         "Swagger UI files for /docs (scripts/fetch-web-assets; ./scripts/run does it)", text(at(&S::swagger_ui_dir)),
         [](const S& s) { return s.data_dir + "/swagger-ui"; }},
        {"ENVIRONMENT", "Error reporting and docs", "production",
         "production or development (./scripts/run sets it): development serves the account app at /account and, when "
         "emails go to the outbox (no SMTP_URL), the development mailbox at /dev/mail",
         [](S& s, std::string_view name, std::string_view t) {
             if (t != "production" && t != "development")
                 Reader::fail(name, "must be production or development (got '" + std::string(t) + "')");
             s.development = t == "development";
         }},
        {"ACCOUNT_APP", "Error reporting and docs", "true in development",
         "serve the account app (sign up, sign in, sessions, password and email) at /account", boolean(at(&S::account_app)),
         [](const S& s) { return s.development ? "true" : "false"; }},
        // --- Job worker
        {"JOBS_IN_PROCESS", "Job worker", "true",
         "deliver jobs inside `starter serve`; set false when `starter worker` processes do", boolean(at(&S::jobs_in_process))},
        {"JOB_THREADS", "Job worker", "2", "jobs delivered at once per process",
         integer(at(&S::jobs, &jobs::WorkerOptions::threads), 1, 256)},
        {"JOB_POLL_INTERVAL", "Job worker", "1s", "how often an idle worker looks for due jobs",
         duration(at(&S::jobs, &jobs::WorkerOptions::poll_interval))},
        {"JOB_RETRY_DELAY", "Job worker", "30s", "first retry delay; doubled per attempt (+/-20% jitter)",
         duration(at(&S::jobs, &jobs::WorkerOptions::retry, &jobs::RetryPolicy::first_delay))},
        {"JOB_RETRY_MAX_DELAY", "Job worker", "15m", "the longest delay between two attempts",
         duration(at(&S::jobs, &jobs::WorkerOptions::retry, &jobs::RetryPolicy::max_delay))},
        {"JOB_MAX_ATTEMPTS", "Job worker", "5", "attempts before a job is kept as dead (with its last error)",
         integer(at(&S::jobs, &jobs::WorkerOptions::retry, &jobs::RetryPolicy::max_attempts), 1, 100)},
        {"JOB_LEASE", "Job worker", "5m",
         "a job claimed by a worker that died is picked up again after this; keep it well above one delivery's worst case (the "
         "SMTP timeout is 30 s), or a slow send is re-claimed and retried",
         duration(at(&S::jobs, &jobs::WorkerOptions::lease))},
        {"JOB_RETENTION", "Job worker", "7d", "delivered jobs are deleted this long after delivery",
         duration(at(&S::jobs, &jobs::WorkerOptions::done_retention))},
    };
    return table;
}

// Rules that tie settings together, checked once every row is read.
void check_together(const Settings& s) {
    for (const auto& origin : s.webauthn.origins) {
        if (!on_rp_id(origin, s.webauthn.id))
            Reader::fail("WEBAUTHN_ORIGINS", "'" + origin + "' is not on WEBAUTHN_RP_ID '" + s.webauthn.id +
                                                 "' or a subdomain of it (browsers would refuse its passkeys)");
    }
    const auto& redis = s.redis;
    if (redis.tls_cert_file.empty() != redis.tls_key_file.empty())
        Reader::fail(
            redis.tls_cert_file.empty() ? "REDIS_TLS_CERT_FILE" : "REDIS_TLS_KEY_FILE",
            "is required with " + std::string(redis.tls_cert_file.empty() ? "REDIS_TLS_KEY_FILE" : "REDIS_TLS_CERT_FILE"));
    const bool tls = !redis.url.empty() && ratelimit::RedisAddress::parse(redis.url).tls;  // parsed once already: valid
    if (!(redis.tls_ca_file + redis.tls_cert_file).empty() && !tls)
        Reader::fail(redis.tls_ca_file.empty() ? "REDIS_TLS_CERT_FILE" : "REDIS_TLS_CA_FILE",
                     "is for TLS to Redis: REDIS_URL must then be a rediss:// URL");
    if (s.geoip_updates.account_id.empty() != s.geoip_updates.license_key.empty())
        Reader::fail(
            s.geoip_updates.account_id.empty() ? "GEOIP_ACCOUNT_ID" : "GEOIP_LICENSE_KEY",
            "is required with " + std::string(s.geoip_updates.account_id.empty() ? "GEOIP_LICENSE_KEY" : "GEOIP_ACCOUNT_ID"));
}

// The sign-in providers with settings of their own (GOOGLE_*, FACEBOOK_*, GITHUB_*).
constexpr std::pair<const char*, OAuthProviderSettings Settings::*> kBuiltinProviders[] = {
    {"google", &Settings::google}, {"facebook", &Settings::facebook}, {"github", &Settings::github}};

// OAUTH_PROVIDERS: which providers are on (the built-in ones with a client id when it is
// unset), and the settings of each OpenID Connect provider it names.
void read_providers(const Reader& r, Settings& s) {
    const bool listed = !s.oauth_providers.empty();
    for (auto [name, member] : kBuiltinProviders) {
        const auto* p = &(s.*member);
        std::string prefix(name);
        std::transform(prefix.begin(), prefix.end(), prefix.begin(), [](unsigned char c) { return std::toupper(c); });
        const bool named = std::find(s.oauth_providers.begin(), s.oauth_providers.end(), name) != s.oauth_providers.end();
        if (named && !p->enabled())
            Reader::fail(prefix + "_CLIENT_ID", std::string("is required when OAUTH_PROVIDERS names ") + name);
        if ((!listed || named) && p->enabled() && p->client_secret.empty())
            Reader::fail(prefix + "_CLIENT_SECRET", "is required when " + prefix + "_CLIENT_ID is set");
    }
    for (const auto& name : s.oauth_providers) {
        if (std::any_of(std::begin(kBuiltinProviders), std::end(kBuiltinProviders),
                        [&](const auto& b) { return name == b.first; }))
            continue;
        std::string prefix = "OAUTH_" + name + "_";
        std::transform(prefix.begin(), prefix.end(), prefix.begin(),
                       [](unsigned char c) { return c == '-' ? '_' : static_cast<char>(std::toupper(c)); });
        auto required = [&](const std::string& key) {
            const auto* v = r.raw(key);
            if (!v) Reader::fail(key, "is required when OAUTH_PROVIDERS names " + name);
            return std::string(trim(*v));
        };
        oauth::OidcSettings p;
        p.name = name;
        p.issuer = required(prefix + "ISSUER");
        while (p.issuer.ends_with('/')) p.issuer.pop_back();
        if (auto u = common::parse_absolute_url(p.issuer);
            !u || !common::is_provider_endpoint(p.issuer) || p.issuer.find_first_of("?#") != std::string::npos)
            Reader::fail(prefix + "ISSUER", "must be the provider's https issuer URL, without query (got '" + p.issuer + "')");
        p.client_id = required(prefix + "CLIENT_ID");
        p.client_secret = required(prefix + "CLIENT_SECRET");
        if (const auto* scopes = r.raw(prefix + "SCOPES")) p.scopes = std::string(trim(*scopes));
        if (p.scopes.find("openid") == std::string::npos)
            Reader::fail(prefix + "SCOPES", "must include openid (got '" + p.scopes + "')");
        s.oidc_providers.push_back(std::move(p));
    }
}

// `text` cut into lines of at most `width` characters, each starting with `prefix`.
std::string wrap(std::string_view text, std::size_t width, const std::string& prefix) {
    std::string out, line = prefix;
    for (auto word : common::words(text)) {
        if (line.size() > prefix.size() && line.size() + 1 + word.size() > width) {
            out += line + "\n";
            line = prefix;
        }
        if (line.size() > prefix.size()) line += ' ';
        line += word;
    }
    return out + line + "\n";
}

// A derived default as documentation shows it (it depends on other settings).
bool is_literal(const Row& row) { return row.derive == nullptr; }

}  // namespace

Settings load_settings(const Env& env) {
    Settings s;
    Reader r(env);
    for (const auto& row : rows()) {
        std::string value;
        if (auto raw = r.raw(row.name))
            value = std::string(trim(*raw));
        else if (row.derive)
            value = row.derive(s);
        else
            value = row.default_text;
        if (!value.empty() && row.store) row.store(s, row.name, value);
    }
    read_providers(r, s);
    check_together(s);
    return s;
}

std::vector<std::string> Settings::sign_in_providers() const {
    if (!oauth_providers.empty()) return oauth_providers;
    std::vector<std::string> on;
    for (auto [name, member] : kBuiltinProviders)
        if ((this->*member).enabled()) on.emplace_back(name);
    return on;
}

std::vector<std::string> Settings::oauth_redirect_origins() const {
    auto list = oauth_redirect_allowed_origins;
    auto own = common::parse_absolute_url(public_url);
    if (account_app && own && std::find(list.begin(), list.end(), own->origin) == list.end()) list.push_back(own->origin);
    return list;
}

std::string settings_help() {
    std::string out = "Settings come from the environment and an optional .env file (the environment wins):\n";
    std::string section;
    for (const auto& row : rows()) {
        if (row.section != section) {
            section = row.section;
            out += "\n" + section + ":\n";
        }
        std::string text = row.help;
        if (*row.default_text) text += " (default: " + std::string(row.default_text) + ")";
        std::string name = std::string("  ") + row.name;
        name.resize(std::max<std::size_t>(name.size() + 1, 32), ' ');
        auto wrapped = wrap(text, 100, std::string(32, ' '));
        out += name + wrapped.substr(32);
    }
    return out;
}

std::string settings_markdown() {
    std::string out = "| variable | default | meaning |\n|---|---|---|\n";
    for (const auto& row : rows()) {
        std::string def = *row.default_text
                              ? (is_literal(row) ? "`" + std::string(row.default_text) + "`" : std::string(row.default_text))
                              : "—";
        out += "| `" + std::string(row.name) + "` | " + def + " | " + row.help + " |\n";
    }
    return out;
}

std::string settings_env_example() {
    std::string out =
        "# Copy to .env and adjust. The process environment wins over this file.\n"
        "# Durations accept 250ms, 30s, 15m, 2h, 14d (a bare number is seconds).\n"
        "# Generated from the settings table in src/config/settings.cpp: `starter settings --env`.\n";
    std::string section;
    for (const auto& row : rows()) {
        if (row.section != section) {
            section = row.section;
            std::string title = "# --- " + section + " ";
            title.resize(std::max<std::size_t>(title.size(), 88), '-');
            out += "\n" + title + "\n";
        }
        std::string help = row.help;
        if (!is_literal(row)) help += " (default: " + std::string(row.default_text) + ")";
        out += wrap(help, 88, "# ");
        out += std::string(row.in_example ? "" : "#") + row.name + "=" + (is_literal(row) ? row.default_text : "") + "\n";
    }
    return out;
}

}  // namespace config
