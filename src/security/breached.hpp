#pragma once
// Passwords seen in data breaches (Have I Been Pwned's Pwned Passwords), checked so that
// neither the password nor its full hash leaves the process: the k-anonymity range API is
// sent the first 5 hex digits of the password's SHA-1 and answers every suffix it knows
// under them (padded with decoys, so the answer's size says nothing), which are compared
// here; or, on a network without internet, a local copy of the set is binary-searched.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace security {

struct BreachCheckOptions {
    bool enabled = true;
    std::string api_url = "https://api.pwnedpasswords.com";  // GET {api_url}/range/{5 hex digits}
    // Non-empty: this file instead of the API. Lines "SHA1:COUNT" (40 hex digits, any case),
    // sorted by hash: the layout of the downloadable Pwned Passwords set.
    std::string dataset_path;
    bool fail_closed = false;  // the API unreachable: refuse new passwords (true) or accept them unchecked
    std::chrono::milliseconds timeout{2000};
};

struct BreachVerdict {
    enum class Result { clean, breached, unknown };  // unknown: the API could not be asked
    Result result = Result::unknown;
    std::uint64_t count = 0;  // times seen, when breached
    bool breached() const { return result == Result::breached; }
};

// Thread-safe. Answers of the API are kept per prefix (an hour, 64 prefixes); after a
// failed call the API is left alone for 30 s (those checks are `unknown` at once).
class BreachedPasswords {
public:
    // Opens the dataset when there is one; throws std::runtime_error naming the file.
    explicit BreachedPasswords(BreachCheckOptions options);
    ~BreachedPasswords();
    BreachedPasswords(const BreachedPasswords&) = delete;
    BreachedPasswords& operator=(const BreachedPasswords&) = delete;

    bool enabled() const { return options_.enabled; }
    bool fail_closed() const { return options_.fail_closed; }
    // Disabled: always clean.
    BreachVerdict check(std::string_view password);

    struct Counts {
        std::uint64_t clean = 0, breached = 0, unknown = 0;
    };
    Counts counts() const;

private:
    struct State;
    BreachCheckOptions options_;
    std::unique_ptr<State> state_;
};

// The count of `suffix` (the last 35 hex digits of a SHA-1) in a range answer: lines
// "SUFFIX:COUNT", CRLF or LF, any case; 0 when absent (padding lines say 0 too).
std::uint64_t count_in_range(std::string_view body, std::string_view suffix);
// The count of `sha1_hex` (40 hex digits) in a dataset (lines "SHA1:COUNT" sorted by hash),
// found by binary search; 0 when absent. Exposed, like count_in_range, for the fuzz target
// and the benchmark.
std::uint64_t count_in_sorted(std::string_view data, std::string_view sha1_hex);

// SHA-1 of `data` as 40 uppercase hex digits (how Pwned Passwords writes hashes).
std::string sha1_upper_hex(std::string_view data);

}  // namespace security
