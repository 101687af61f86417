#pragma once
// Worker threads that claim due jobs from the outbox and run the handler for their kind.
#include "jobs/outbox.hpp"
#include "observe/metrics.hpp"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace jobs {

// Thrown by a handler when retrying cannot help (e.g. SMTP 5xx): the job goes `dead` at once.
struct PermanentFailure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Handled {
    std::string scrubbed_payload;  // what stays in the table after delivery
};
using JobHandler = std::function<Handled(const Job&)>;

struct WorkerOptions {
    int threads = 1;
    std::chrono::milliseconds poll_interval{1000};
    std::chrono::milliseconds lease{5 * 60'000};
    RetryPolicy retry;
    std::string name = "worker";
    std::chrono::milliseconds done_retention{7LL * 24 * 3600 * 1000};  // delivered jobs kept this long
    // How often delivered jobs past their retention are deleted; at most the retention itself.
    std::chrono::milliseconds prune_interval{10 * 60'000};
    // Seconds from enqueue to delivery of each done job (for /metrics); may be null.
    observe::Histogram* delivery_seconds = nullptr;
    // Other deletions of what is past its retention, run with the delivered jobs' (each
    // returns how many rows went; logged as "<name>.pruned").
    struct Prune {
        std::string name;
        std::function<std::size_t()> run;
    };
    std::vector<Prune> prunes;
    // Called when a job is given up on (dead): error reporting.
    std::function<void(const Job&, const std::string& error)> on_dead;
};

class Worker {
public:
    Worker(db::Pool& pool, std::map<std::string, JobHandler> handlers, WorkerOptions options);
    ~Worker();

    void start();
    // Lets running jobs finish, then joins the threads.
    void stop();
    // Wakes idle threads now (after an enqueue in this process).
    void wake();
    // Claims and runs one batch on the calling thread; returns how many jobs ran (tests, CLI).
    std::size_t run_once(int limit = 16);

private:
    void loop(int index);
    void run(const Job& job, const std::string& worker_id);

    Outbox outbox_;
    std::map<std::string, JobHandler> handlers_;
    WorkerOptions options_;
    std::string id_prefix_;
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::condition_variable wake_;
    std::uint64_t wake_generation_ = 0;
    std::vector<std::thread> threads_;
    std::chrono::steady_clock::time_point last_prune_{};
};

}  // namespace jobs
