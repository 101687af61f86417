#include "security/breached.hpp"

#include "http/outbound.hpp"
#include "security/hash.hpp"
#include "observe/log.hpp"

#include <openssl/evp.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>

namespace security {
namespace {

constexpr std::size_t kPrefix = 5;                      // hex digits the range API is sent
constexpr std::size_t kCachedPrefixes = 64;             // ~35 KB each with padding
constexpr std::chrono::minutes kCacheLife{60};          // the set changes a few times a year
constexpr std::chrono::seconds kPauseAfterFailure{30};  // the API is down: don't wait on it per request

char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

// -1, 0, 1 as the first n characters of `line` (upper-cased) compare with `want` (upper case).
int compare_hex(std::string_view line, std::string_view want) {
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (i >= line.size()) return -1;
        char c = upper(line[i]);
        if (c != want[i]) return c < want[i] ? -1 : 1;
    }
    return 0;
}

// The count after the ':' of a line whose hash matched; 0 when there is none.
std::uint64_t count_of(std::string_view line) {
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return 0;
    std::uint64_t n = 0;
    auto digits = line.substr(colon + 1);
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    return ec == std::errc{} ? n : 0;
}

std::string_view line_at(std::string_view data, std::size_t start) {
    auto end = data.find('\n', start);
    auto line = data.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (line.ends_with('\r')) line.remove_suffix(1);
    return line;
}

std::int64_t steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

std::string sha1_upper_hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha1(), nullptr) != 1) throw std::runtime_error("sha1 failed");
    auto out = to_hex(std::string_view(reinterpret_cast<const char*>(digest), len));
    OPENSSL_cleanse(digest, sizeof digest);
    for (auto& c : out) c = upper(c);
    return out;
}

std::uint64_t count_in_range(std::string_view body, std::string_view suffix) {
    std::size_t start = 0;
    while (start < body.size()) {
        auto line = line_at(body, start);
        if (line.size() > suffix.size() && line[suffix.size()] == ':' && compare_hex(line, suffix) == 0) return count_of(line);
        auto next = body.find('\n', start);
        if (next == std::string_view::npos) break;
        start = next + 1;
    }
    return 0;
}

std::uint64_t count_in_sorted(std::string_view data, std::string_view sha1_hex) {
    // Invariant: every line starting before `lo` sorts before the hash, every line starting
    // at or after `hi` does not. Lines differ in length (the counts), so a probe in the
    // middle moves to the next line start.
    std::size_t lo = 0, hi = data.size();
    while (lo < hi) {
        std::size_t mid = lo + (hi - lo) / 2;
        std::size_t start = mid;
        if (mid > 0 && data[mid - 1] != '\n') {
            auto nl = data.find('\n', mid);
            start = nl == std::string_view::npos ? data.size() : nl + 1;
        }
        if (start >= hi) {
            hi = mid;
            continue;
        }
        if (compare_hex(line_at(data, start), sha1_hex) < 0) {
            auto nl = data.find('\n', start);
            lo = nl == std::string_view::npos ? data.size() : nl + 1;
        } else {
            hi = start;
        }
    }
    if (lo >= data.size()) return 0;
    auto line = line_at(data, lo);
    if (line.size() <= sha1_hex.size() || line[sha1_hex.size()] != ':' || compare_hex(line, sha1_hex) != 0) return 0;
    return count_of(line);
}

struct BreachedPasswords::State {
    // The dataset, mapped read-only.
    const char* data = nullptr;
    std::size_t size = 0;

    struct Range {
        std::string body;
        std::int64_t fetched_ms = 0;
    };
    std::mutex mutex;
    std::map<std::string, Range> ranges;  // by prefix
    std::atomic<std::int64_t> paused_until_ms{0};

    std::atomic<std::uint64_t> clean{0}, breached{0}, unknown{0};
};

BreachedPasswords::BreachedPasswords(BreachCheckOptions options)
    : options_(std::move(options)), state_(std::make_unique<State>()) {
    if (!options_.enabled || options_.dataset_path.empty()) return;
    int fd = ::open(options_.dataset_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("HIBP_DATASET_PATH: cannot open " + options_.dataset_path + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int err = errno;
        ::close(fd);
        throw std::runtime_error("HIBP_DATASET_PATH: " + options_.dataset_path + ": " + std::strerror(err));
    }
    if (st.st_size > 0) {
        void* mapped = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
        if (mapped == MAP_FAILED) {
            int err = errno;
            ::close(fd);
            throw std::runtime_error("HIBP_DATASET_PATH: cannot map " + options_.dataset_path + ": " + std::strerror(err));
        }
        ::madvise(mapped, static_cast<std::size_t>(st.st_size), MADV_RANDOM);
        state_->data = static_cast<const char*>(mapped);
        state_->size = static_cast<std::size_t>(st.st_size);
    }
    ::close(fd);
}

BreachedPasswords::~BreachedPasswords() {
    if (state_->data) ::munmap(const_cast<char*>(state_->data), state_->size);
}

BreachedPasswords::Counts BreachedPasswords::counts() const {
    return {state_->clean.load(), state_->breached.load(), state_->unknown.load()};
}

BreachVerdict BreachedPasswords::check(std::string_view password) {
    if (!options_.enabled) return {BreachVerdict::Result::clean, 0};
    auto hash = sha1_upper_hex(password);
    BreachVerdict verdict;
    if (!options_.dataset_path.empty()) {
        auto n = count_in_sorted(std::string_view(state_->data ? state_->data : "", state_->size), hash);
        verdict = {n > 0 ? BreachVerdict::Result::breached : BreachVerdict::Result::clean, n};
    } else {
        const auto prefix = hash.substr(0, kPrefix);
        const auto suffix = std::string_view(hash).substr(kPrefix);
        const auto now = steady_ms();
        std::optional<std::uint64_t> found;
        {
            std::lock_guard lock(state_->mutex);
            if (auto it = state_->ranges.find(prefix);
                it != state_->ranges.end() && now - it->second.fetched_ms < std::chrono::milliseconds(kCacheLife).count())
                found = count_in_range(it->second.body, suffix);
        }
        if (!found && now >= state_->paused_until_ms.load()) {
            http::OutboundRequest request;
            request.url = options_.api_url + "/range/" + prefix;
            request.timeout = options_.timeout;
            request.headers = {{"Add-Padding", "true"}};
            request.keep_alive = true;
            try {
                auto response = http::fetch(request);
                if (response.status != 200) throw http::OutboundError("HTTP " + std::to_string(response.status));
                found = count_in_range(response.body, suffix);
                std::lock_guard lock(state_->mutex);
                if (state_->ranges.size() >= kCachedPrefixes && !state_->ranges.contains(prefix)) {
                    auto oldest = state_->ranges.begin();
                    for (auto it = state_->ranges.begin(); it != state_->ranges.end(); ++it)
                        if (it->second.fetched_ms < oldest->second.fetched_ms) oldest = it;
                    state_->ranges.erase(oldest);
                }
                state_->ranges[prefix] = {std::move(response.body), now};
            } catch (const std::exception& e) {
                state_->paused_until_ms = now + std::chrono::milliseconds(kPauseAfterFailure).count();
                // The prefix is the part of the password's hash the API may see; the log may not.
                std::string cause = e.what();
                for (auto at = cause.find(prefix); at != std::string::npos; at = cause.find(prefix))
                    cause.replace(at, prefix.size(), "*****");
                observe::warn("hibp.unavailable",
                              {{"api", options_.api_url},
                               {"error", cause},
                               {"effect", options_.fail_closed ? "new passwords are refused (503) for 30 s"
                                                               : "new passwords are accepted unchecked for 30 s"}});
            }
        }
        if (found) verdict = {*found > 0 ? BreachVerdict::Result::breached : BreachVerdict::Result::clean, *found};
    }
    OPENSSL_cleanse(hash.data(), hash.size());
    (verdict.result == BreachVerdict::Result::clean      ? state_->clean
     : verdict.result == BreachVerdict::Result::breached ? state_->breached
                                                         : state_->unknown)
        .fetch_add(1, std::memory_order_relaxed);
    return verdict;
}

}  // namespace security
