// Jobs delivered per second by `starter worker` processes to a local SMTP sink.
//   bench_jobs_throughput STARTER_BINARY DATABASE_URL SMTP_URL JOBS WORKERS
#include "db/migrations.hpp"
#include "jobs/outbox.hpp"
#include "notify/email.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

int main(int argc, char** argv) {
    if (argc != 6) {
        std::cerr << "usage: bench_jobs_throughput STARTER DATABASE_URL SMTP_URL JOBS WORKERS\n";
        return 2;
    }
    const std::string starter = argv[1], db_url = argv[2], smtp = argv[3];
    const int jobs_n = std::stoi(argv[4]), workers = std::stoi(argv[5]);
    db::Pool pool(db_url, 2, std::chrono::seconds(10));
    db::migrate_up(pool);
    {
        auto lease = pool.acquire();
        db::Transaction tx(lease);
        for (int i = 0; i < jobs_n; ++i)
            notify::enqueue_email(tx.session(), "onboarding", "bench" + std::to_string(i) + "@example.com", {{"username", "b"}},
                                  "en");
        tx.commit();
    }
    setenv("DATABASE_URL", db_url.c_str(), 1);
    setenv("DATA_ENCRYPTION_KEY", "0b5e7c1d9a2f4e6b8c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b", 0);  // PostgreSQL needs one
    setenv("SMTP_URL", smtp.c_str(), 1);
    setenv("LOG_LEVEL", "warning", 1);
    setenv("JOB_POLL_INTERVAL", "20ms", 1);
    const auto start = std::chrono::steady_clock::now();
    std::vector<pid_t> pids;
    for (int i = 0; i < workers; ++i) {
        pid_t pid;
        char* args[] = {const_cast<char*>(starter.c_str()), const_cast<char*>("worker"), nullptr};
        if (posix_spawn(&pid, starter.c_str(), nullptr, nullptr, args, environ) == 0) pids.push_back(pid);
    }
    jobs::Outbox outbox(pool);
    long long done = 0;
    while (std::chrono::steady_clock::now() - start < std::chrono::minutes(5)) {
        for (const auto& [state, n] : outbox.counts())
            if (state == "done") done = n;
        if (done >= jobs_n) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (auto pid : pids) kill(pid, SIGTERM);
    for (auto pid : pids) waitpid(pid, nullptr, 0);
    std::cout << "workers " << workers << " jobs " << done << " seconds " << secs << " jobs_per_s " << done / secs << "\n";
    return done >= jobs_n ? 0 : 1;
}
