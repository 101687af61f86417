#include "observe/sentry.hpp"

#include "common/time.hpp"
#include "http/outbound.hpp"
#include "observe/log.hpp"
#include "security/random.hpp"

#include <boost/json.hpp>
#include <cxxabi.h>
#include <execinfo.h>
#include <unistd.h>

#include <random>
#include <regex>

namespace observe {
namespace {

std::string demangle(const std::string& symbol) {
    int status = 0;
    char* out = abi::__cxa_demangle(symbol.c_str(), nullptr, nullptr, &status);
    std::string result = status == 0 && out ? out : symbol;
    std::free(out);
    return result;
}

}  // namespace

std::optional<SentryDsn> SentryDsn::parse(const std::string& dsn) {
    static const std::regex shape(
        R"(^(https?)://([A-Za-z0-9]+)(?::[^@/]*)?@([A-Za-z0-9.\-]+(?::[0-9]+)?|\[[0-9a-fA-F:]+\](?::[0-9]+)?)((?:/[A-Za-z0-9._\-]+)*)/([0-9]+)/?$)");
    std::smatch m;
    if (!std::regex_match(dsn, m, shape)) return std::nullopt;
    return SentryDsn{m[1], m[2], m[3], m[4], m[5]};
}

std::string SentryDsn::envelope_url() const { return scheme + "://" + host + path_prefix + "/api/" + project_id + "/envelope/"; }

std::string scrub(std::string text) {
    static const std::regex url_password(R"(://([^:/@\s]+):[^@/\s]+@)");
    static const std::regex secret_pair(
        R"(((?:password|passwd|secret|token|code|key|authorization)[A-Za-z_]*\s*[=:]\s*)[^\s&,;'"]+)", std::regex::icase);
    // Hex runs of 32+ (tokens, hashes) and base64url runs of 40+ (JWTs, provider tokens);
    // UUIDs (36 with hyphens) stay, so ids in messages remain searchable.
    static const std::regex long_token(R"(\b[A-Fa-f0-9]{32,}\b|[A-Za-z0-9_\-]{40,})");
    text = std::regex_replace(text, url_password, "://$1:[Filtered]@");
    text = std::regex_replace(text, secret_pair, "$1[Filtered]");
    text = std::regex_replace(text, long_token, "[Filtered]");
    return text;
}

std::vector<std::string> current_stack(int skip) {
    void* frames[64];
    int n = backtrace(frames, 64);
    std::vector<std::string> out;
    if (char** symbols = backtrace_symbols(frames, n)) {
        for (int i = n - 1; i >= skip; --i) {  // outermost first, innermost last
            std::string s = symbols[i];
            // "binary(mangled+0x1f) [0x...]" -> demangled function name when there is one
            auto open = s.find('('), plus = s.find('+', open == std::string::npos ? 0 : open);
            if (open != std::string::npos && plus != std::string::npos && plus > open + 1)
                s = demangle(s.substr(open + 1, plus - open - 1));
            out.push_back(std::move(s));
        }
        std::free(symbols);
    }
    return out;
}

SentryReporter::SentryReporter(SentryOptions options) : options_(std::move(options)) {
    if (options_.dsn.empty()) return;
    dsn_ = SentryDsn::parse(options_.dsn);
    if (!dsn_) throw std::invalid_argument("SENTRY_DSN is not a DSN such as https://<key>@o1.ingest.sentry.io/<project>");
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    server_name_ = host;
    thread_ = std::thread([this] { run(); });
}

SentryReporter::~SentryReporter() {
    if (!thread_.joinable()) return;
    flush(options_.timeout);
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

std::string SentryReporter::capture(ErrorEvent event) {
    if (!dsn_) return "";
    thread_local std::mt19937_64 rng{std::random_device{}()};
    if (options_.sample_rate < 1.0 && std::uniform_real_distribution<double>(0, 1)(rng) >= options_.sample_rate) return "";
    std::string id = security::random_hex(16);
    {
        std::lock_guard lock(mutex_);
        if (queue_.size() >= options_.queue_size || stopping_) {
            ++dropped_;
            return "";
        }
        queue_.emplace_back(id, std::move(event));
    }
    wake_.notify_one();
    return id;
}

bool SentryReporter::flush(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return idle_.wait_for(lock, timeout, [&] { return queue_.empty() && !busy_; });
}

std::string SentryReporter::envelope(const std::string& event_id, const ErrorEvent& e) const {
    const auto now = common::now_ms();
    boost::json::object exception{{"type", e.type}, {"value", scrub(e.message)}};
    if (!e.stack.empty()) {
        boost::json::array frames;
        for (const auto& f : e.stack) frames.push_back(boost::json::object{{"function", f}, {"in_app", true}});
        exception["stacktrace"] = {{"frames", std::move(frames)}};
    }
    boost::json::object tags;
    for (const auto& [k, v] : e.tags) tags[k] = v;  // our own values: request_id, route, job id
    boost::json::object event{{"event_id", event_id},
                              {"timestamp", static_cast<double>(now) / 1000.0},
                              {"platform", "native"},
                              {"level", e.level},
                              {"logger", "starter"},
                              {"server_name", server_name_},
                              {"release", options_.release},
                              {"environment", options_.environment},
                              {"exception", {{"values", boost::json::array{std::move(exception)}}}},
                              {"tags", std::move(tags)},
                              {"sdk", {{"name", "starter.native"}, {"version", options_.release}}}};
    if (!e.request_method.empty() || !e.request_route.empty()) {
        // The route template only: no path parameters, query, headers, cookies or body.
        event["request"] = {{"method", e.request_method}, {"url", e.request_route}};
        event["transaction"] = e.request_method + " " + e.request_route;
    }
    if (!e.user_id.empty()) event["user"] = {{"id", e.user_id}};
    const std::string payload = boost::json::serialize(event);
    boost::json::object header{{"event_id", event_id}, {"sent_at", common::format_utc(now, common::kRfc3339)}};
    boost::json::object item{{"type", "event"}, {"length", payload.size()}, {"content_type", "application/json"}};
    return boost::json::serialize(header) + "\n" + boost::json::serialize(item) + "\n" + payload + "\n";
}

void SentryReporter::run() {
    for (;;) {
        std::pair<std::string, ErrorEvent> next;
        {
            std::unique_lock lock(mutex_);
            busy_ = false;
            if (queue_.empty()) idle_.notify_all();
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping
            next = std::move(queue_.front());
            queue_.pop_front();
            busy_ = true;
        }
        http::OutboundRequest request;
        request.method = "POST";
        request.url = dsn_->envelope_url();
        request.timeout = options_.timeout;
        request.headers = {{"Content-Type", "application/x-sentry-envelope"},
                           {"X-Sentry-Auth", "Sentry sentry_version=7, sentry_client=starter/" + options_.release +
                                                 ", sentry_key=" + dsn_->public_key}};
        request.body = envelope(next.first, next.second);
        try {
            auto response = http::fetch(request);
            if (response.status >= 200 && response.status < 300) {
                std::lock_guard lock(mutex_);
                ++sent_;
            } else {
                observe::warn("sentry.rejected", {{"status", response.status}, {"event_id", next.first}});
            }
        } catch (const std::exception& e) {
            observe::warn("sentry.unreachable", {{"error", e.what()}, {"event_id", next.first}});
        }
    }
}

}  // namespace observe
