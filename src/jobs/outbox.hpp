#pragma once
// The outbox: jobs written in the same transaction as the change that caused them, claimed
// by workers under a lease, retried with exponential backoff, and kept as `dead` when they
// cannot be delivered. Nothing is ever silently dropped.
#include "common/time.hpp"
#include "db/pool.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobs {

struct Job {
    std::string id;
    std::string kind;
    std::string payload;  // JSON
    int attempts = 0;     // including the current one
    int max_attempts = 0;
    std::int64_t created_at_ms = 0;  // when it was enqueued
};

struct JobRow {
    Job job;
    std::string state;  // queued | running | done | dead
    std::int64_t run_at_ms = 0;
    std::int64_t created_at_ms = 0;
    std::optional<std::string> last_error;
};

struct RetryPolicy {
    int max_attempts = 5;                           // then the job is `dead`
    std::chrono::milliseconds first_delay{30'000};  // doubled per attempt, +/-20% jitter
    std::chrono::milliseconds max_delay{15 * 60'000};
};

// The delay before attempt `attempts + 1` after `attempts` failures.
std::chrono::milliseconds backoff(const RetryPolicy& policy, int attempts, double jitter01);

class Outbox {
public:
    explicit Outbox(db::Pool& pool) : pool_(pool) {}

    // Inserts a job using the caller's open transaction; returns its id.
    static std::string enqueue(soci::session& tx, std::string_view kind, std::string_view payload, int max_attempts);

    // Claims up to `limit` due jobs (or jobs whose lease expired) for `worker_id`.
    std::vector<Job> claim(const std::string& worker_id, int limit, std::chrono::milliseconds lease);
    // Marks a job delivered; `scrubbed_payload` replaces the payload (secrets removed).
    void complete(const Job& job, const std::string& worker_id, const std::string& scrubbed_payload);
    // Schedules a retry, or marks the job dead when it was permanent or out of attempts.
    // Returns the new state.
    std::string fail(const Job& job, const std::string& worker_id, const std::string& error, bool permanent,
                     const RetryPolicy& policy);

    std::vector<JobRow> list(const std::optional<std::string>& state, int limit);
    std::optional<JobRow> find(const std::string& id);
    // Puts a dead (or queued) job back in the queue now, with a fresh set of attempts.
    // False when there is no such job or it is running or done.
    bool retry(const std::string& id);
    // Deletes jobs in `state` last updated longer than `older_than` ago; returns how many.
    std::size_t purge(const std::string& state, std::chrono::milliseconds older_than);
    // Erasing a person: deletes the jobs (any state but running) whose payload holds one of
    // `needles` (their address, their id), and the delivered or dead ones that hold one of
    // `history` (what their emails showed: their username, the IPs they used). How many went.
    static std::size_t forget(soci::session& tx, const std::vector<std::string>& needles,
                              const std::vector<std::string>& history);
    // Counts per state (queued, running, done, dead).
    std::vector<std::pair<std::string, long long>> counts();

private:
    db::Pool& pool_;
};

}  // namespace jobs
