#include "jobs/worker.hpp"

#include "common/time.hpp"
#include "db/pool.hpp"
#include "observe/log.hpp"
#include "security/random.hpp"

#include <unistd.h>

#include <algorithm>

namespace jobs {

Worker::Worker(db::Pool& pool, std::map<std::string, JobHandler> handlers, WorkerOptions options)
    : outbox_(pool), handlers_(std::move(handlers)), options_(std::move(options)) {
    options_.prune_interval =
        std::min(options_.prune_interval, std::max(options_.done_retention, std::chrono::milliseconds(100)));
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    id_prefix_ = std::string(host) + ":" + std::to_string(getpid()) + ":" + options_.name + ":" + security::random_hex(3);
}

Worker::~Worker() { stop(); }

void Worker::start() {
    stopping_ = false;
    for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this, i] { loop(i); });
}

void Worker::stop() {
    stopping_ = true;
    wake();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

void Worker::wake() {
    {
        std::lock_guard lock(mutex_);
        ++wake_generation_;
    }
    wake_.notify_all();
}

std::size_t Worker::run_once(int limit) {
    const std::string worker_id = id_prefix_ + ":inline";
    auto batch = outbox_.claim(worker_id, limit, options_.lease);
    for (const auto& job : batch) run(job, worker_id);
    return batch.size();
}

void Worker::loop(int index) {
    const std::string worker_id = id_prefix_ + ":" + std::to_string(index);
    while (!stopping_) {
        std::uint64_t seen;
        {
            std::lock_guard lock(mutex_);
            seen = wake_generation_;
        }
        std::vector<Job> batch;
        try {
            batch = outbox_.claim(worker_id, 1, options_.lease);
        } catch (const std::exception& e) {
            observe::error("jobs.claim_failed", {{"error", db::describe_error(e)}});
        }
        for (const auto& job : batch) run(job, worker_id);
        if (!batch.empty()) continue;
        if (index == 0 && std::chrono::steady_clock::now() - last_prune_ >= options_.prune_interval) {
            last_prune_ = std::chrono::steady_clock::now();
            try {
                if (auto n = outbox_.purge("done", options_.done_retention))
                    observe::info("jobs.pruned", {{"deleted", static_cast<std::int64_t>(n)}});
            } catch (const std::exception& e) {
                observe::warn("jobs.prune_failed", {{"error", db::describe_error(e)}});
            }
            for (const auto& prune : options_.prunes) try {
                    if (auto n = prune.run()) observe::info(prune.name + ".pruned", {{"deleted", static_cast<std::int64_t>(n)}});
                } catch (const std::exception& e) {
                    observe::warn(prune.name + ".prune_failed", {{"error", db::describe_error(e)}});
                }
        }
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, options_.poll_interval, [&] { return stopping_ || wake_generation_ != seen; });
    }
}

void Worker::run(const Job& job, const std::string& worker_id) {
    const auto started = std::chrono::steady_clock::now();
    auto elapsed_ms = [&] {
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    };
    std::string error;
    bool permanent = false;
    try {
        auto it = handlers_.find(job.kind);
        if (it == handlers_.end()) throw PermanentFailure("no handler for job kind '" + job.kind + "'");
        auto handled = it->second(job);
        outbox_.complete(job, worker_id, handled.scrubbed_payload);
        if (options_.delivery_seconds && job.created_at_ms > 0)
            options_.delivery_seconds->observe(static_cast<double>(common::now_ms() - job.created_at_ms) / 1000.0);
        observe::info("jobs.done",
                      {{"job_id", job.id}, {"kind", job.kind}, {"attempt", job.attempts}, {"duration_ms", elapsed_ms()}});
        return;
    } catch (const PermanentFailure& e) {
        error = e.what();
        permanent = true;
    } catch (const std::exception& e) {
        error = db::describe_error(e);
    }
    try {
        auto state = outbox_.fail(job, worker_id, error, permanent, options_.retry);
        observe::Level level = state == "dead" ? observe::Level::error : observe::Level::warning;
        observe::log(level, state == "dead" ? "jobs.dead" : "jobs.retry_scheduled",
                     {{"job_id", job.id}, {"kind", job.kind}, {"attempt", job.attempts}, {"error", error}});
        if (state == "dead" && options_.on_dead) options_.on_dead(job, error);
    } catch (const std::exception& e) {
        // The lease will expire and another claim will retry it: still not lost.
        observe::error("jobs.fail_record_failed", {{"job_id", job.id}, {"error", db::describe_error(e)}});
    }
}

}  // namespace jobs
