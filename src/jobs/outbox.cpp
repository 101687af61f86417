#include "jobs/outbox.hpp"

#include "db/like.hpp"

#include "security/random.hpp"

#include <soci/soci.h>

#include <algorithm>
#include <cmath>

namespace jobs {

std::chrono::milliseconds backoff(const RetryPolicy& policy, int attempts, double jitter01) {
    double base = static_cast<double>(policy.first_delay.count()) * std::pow(2.0, std::max(0, attempts - 1));
    base = std::min(base, static_cast<double>(policy.max_delay.count()));
    double jittered = base * (0.8 + 0.4 * std::clamp(jitter01, 0.0, 1.0));
    return std::chrono::milliseconds(static_cast<long long>(jittered));
}

std::string Outbox::enqueue(soci::session& tx, std::string_view kind, std::string_view payload, int max_attempts) {
    std::string id = security::uuid4(), k(kind), p(payload);
    long long now = common::now_ms();
    tx << "INSERT INTO jobs (id, kind, payload, state, attempts, max_attempts, run_at, created_at, updated_at) "
          "VALUES (:id, :kind, :payload, 'queued', 0, :max, :run_at, :created, :updated)",
        soci::use(id), soci::use(k), soci::use(p), soci::use(max_attempts), soci::use(now), soci::use(now), soci::use(now);
    return id;
}

std::vector<Job> Outbox::claim(const std::string& worker_id, int limit, std::chrono::milliseconds lease) {
    auto lease_conn = pool_.acquire();
    auto& s = *lease_conn;
    const bool pg = pool_.dialect() == db::Dialect::postgres;
    long long now = common::now_ms();
    long long until = now + lease.count();
    std::string w = worker_id;
    // PostgreSQL: concurrent claimers skip each other's rows. SQLite: the write lock taken
    // by BEGIN IMMEDIATE makes the claim one atomic step.
    const std::string sql = std::string(
                                "UPDATE jobs SET state = 'running', locked_until = :until, locked_by = :worker, "
                                "attempts = attempts + 1, updated_at = :now1 "
                                "WHERE id IN (SELECT id FROM jobs WHERE (state = 'queued' AND run_at <= :now2) "
                                "OR (state = 'running' AND locked_until < :now3) ORDER BY run_at LIMIT :lim") +
                            (pg ? " FOR UPDATE SKIP LOCKED" : "") +
                            ") RETURNING id, kind, payload, attempts, max_attempts, created_at";
    db::Transaction tx(lease_conn);
    std::vector<Job> out;
    soci::rowset<soci::row> rows =
        (s.prepare << sql, soci::use(until), soci::use(w), soci::use(now), soci::use(now), soci::use(now), soci::use(limit));
    for (const auto& r : rows) {
        Job j;
        j.id = r.get<std::string>(0);
        j.kind = r.get<std::string>(1);
        j.payload = r.get<std::string>(2);
        j.attempts = r.get<int>(3);
        j.max_attempts = r.get<int>(4);
        j.created_at_ms = r.get<long long>(5);
        out.push_back(std::move(j));
    }
    tx.commit();
    return out;
}

void Outbox::complete(const Job& job, const std::string& worker_id, const std::string& scrubbed_payload) {
    auto lease = pool_.acquire();
    long long now = common::now_ms();
    std::string id = job.id, w = worker_id, p = scrubbed_payload;
    *lease << "UPDATE jobs SET state = 'done', payload = :p, locked_until = NULL, last_error = NULL, updated_at = :now "
              "WHERE id = :id AND locked_by = :w",
        soci::use(p), soci::use(now), soci::use(id), soci::use(w);
}

std::string Outbox::fail(const Job& job, const std::string& worker_id, const std::string& error, bool permanent,
                         const RetryPolicy& policy) {
    auto lease = pool_.acquire();
    long long now = common::now_ms();
    std::string id = job.id, w = worker_id, e = error.substr(0, 2000);
    const bool dead = permanent || job.attempts >= policy.max_attempts;
    std::string state = dead ? "dead" : "queued";
    double jitter = static_cast<double>(std::stoul(security::random_hex(2), nullptr, 16)) / 65535.0;
    long long run_at = now + backoff(policy, job.attempts, jitter).count();
    *lease << "UPDATE jobs SET state = :state, run_at = :run_at, locked_until = NULL, locked_by = NULL, "
              "last_error = :e, updated_at = :now WHERE id = :id AND locked_by = :w",
        soci::use(state), soci::use(run_at), soci::use(e), soci::use(now), soci::use(id), soci::use(w);
    return state;
}

namespace {
JobRow to_row(const soci::row& r) {
    JobRow row;
    row.job.id = r.get<std::string>(0);
    row.job.kind = r.get<std::string>(1);
    row.job.payload = r.get<std::string>(2);
    row.state = r.get<std::string>(3);
    row.job.attempts = r.get<int>(4);
    row.job.max_attempts = r.get<int>(5);
    row.run_at_ms = r.get<long long>(6);
    row.created_at_ms = r.get<long long>(7);
    if (r.get_indicator(8) == soci::i_ok) row.last_error = r.get<std::string>(8);
    return row;
}
constexpr const char* kColumns = "id, kind, payload, state, attempts, max_attempts, run_at, created_at, last_error";
}  // namespace

std::vector<JobRow> Outbox::list(const std::optional<std::string>& state, int limit) {
    auto lease = pool_.acquire();
    std::vector<JobRow> out;
    std::string st = state.value_or("");
    soci::rowset<soci::row> rows =
        (lease->prepare << std::string("SELECT ") + kColumns +
                               " FROM jobs WHERE (:st1 = '' OR state = :st2) ORDER BY created_at DESC LIMIT :lim",
         soci::use(st), soci::use(st), soci::use(limit));
    for (const auto& r : rows) out.push_back(to_row(r));
    return out;
}

bool Outbox::retry(const std::string& id) {
    auto lease = pool_.acquire();
    long long now = common::now_ms();
    std::string i = id;
    soci::statement st =
        (lease->prepare << "UPDATE jobs SET state = 'queued', attempts = 0, run_at = :now1, locked_until = NULL, "
                           "locked_by = NULL, updated_at = :now2 WHERE id = :id AND state IN ('dead', 'queued')",
         soci::use(now), soci::use(now), soci::use(i));
    st.execute(true);
    return st.get_affected_rows() > 0;
}

std::size_t Outbox::purge(const std::string& state, std::chrono::milliseconds older_than) {
    auto lease = pool_.acquire();
    long long before = common::now_ms() - older_than.count();
    std::string st_name = state;
    soci::statement st =
        (lease->prepare << "DELETE FROM jobs WHERE state = :s AND updated_at < :before", soci::use(st_name), soci::use(before));
    st.execute(true);
    return static_cast<std::size_t>(st.get_affected_rows());
}

std::vector<std::pair<std::string, long long>> Outbox::counts() {
    auto lease = pool_.acquire();
    std::vector<std::pair<std::string, long long>> out;
    for (std::string state : {"queued", "running", "done", "dead"}) {
        long long n = 0;
        *lease << "SELECT COUNT(*) FROM jobs WHERE state = :s", soci::use(state), soci::into(n);
        out.emplace_back(state, n);
    }
    return out;
}

std::optional<JobRow> Outbox::find(const std::string& id) {
    auto lease = pool_.acquire();
    std::string i = id;
    soci::rowset<soci::row> rows =
        (lease->prepare << std::string("SELECT ") + kColumns + " FROM jobs WHERE id = :id", soci::use(i));
    for (const auto& r : rows) return to_row(r);
    return std::nullopt;
}

std::size_t Outbox::forget(soci::session& tx, const std::vector<std::string>& needles, const std::vector<std::string>& history) {
    std::size_t gone = 0;
    auto remove = [&](const std::string& needle, const char* states) {
        if (needle.empty()) return;
        const std::string pattern = "%" + db::like_escaped(needle) + "%";
        soci::statement st =
            (tx.prepare << std::string("DELETE FROM jobs WHERE state IN ") + states + " AND payload LIKE :p ESCAPE '!'",
             soci::use(pattern));
        st.execute(true);
        gone += static_cast<std::size_t>(st.get_affected_rows());
    };
    for (const auto& n : needles) remove(n, "('queued', 'done', 'dead')");
    for (const auto& h : history) remove(h, "('done', 'dead')");
    return gone;
}

}  // namespace jobs
