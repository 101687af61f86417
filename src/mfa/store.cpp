#include "mfa/store.hpp"

#include "security/random.hpp"

#include <soci/soci.h>

namespace mfa {

std::optional<TotpFactor> FactorStore::totp(soci::session& tx, const std::string& user_id) const {
    TotpFactor f;
    long long confirmed = 0, step = 0;
    soci::indicator confirmed_ind = soci::i_null, step_ind = soci::i_null;
    tx << "SELECT secret_sealed, confirmed_at, last_used_step FROM totp_factors WHERE user_id = :u", soci::into(f.secret_sealed),
        soci::into(confirmed, confirmed_ind), soci::into(step, step_ind), soci::use(user_id);
    if (!tx.got_data()) return std::nullopt;
    if (confirmed_ind == soci::i_ok) f.confirmed_at = confirmed;
    if (step_ind == soci::i_ok) f.last_used_step = step;
    return f;
}

void FactorStore::start_totp(soci::session& tx, const std::string& user_id, const std::string& secret_sealed,
                             std::int64_t now) const {
    long long t = now;
    tx << "DELETE FROM totp_factors WHERE user_id = :u", soci::use(user_id);
    tx << "INSERT INTO totp_factors (user_id, secret_sealed, created_at) VALUES (:u, :s, :t)", soci::use(user_id),
        soci::use(secret_sealed), soci::use(t);
}

void FactorStore::confirm_totp(soci::session& tx, const std::string& user_id, std::int64_t step, std::int64_t now) const {
    long long t = now, s = step;
    tx << "UPDATE totp_factors SET confirmed_at = :t, last_used_step = :s WHERE user_id = :u", soci::use(t), soci::use(s),
        soci::use(user_id);
}

bool FactorStore::use_totp_step(soci::session& tx, const std::string& user_id, std::int64_t step) const {
    long long s = step;
    soci::statement st = (tx.prepare << "UPDATE totp_factors SET last_used_step = :s WHERE user_id = :u "
                                        "AND (last_used_step IS NULL OR last_used_step < :s2)",
                          soci::use(s), soci::use(user_id), soci::use(s));
    st.execute(true);
    return st.get_affected_rows() == 1;
}

void FactorStore::delete_totp(soci::session& tx, const std::string& user_id) const {
    tx << "DELETE FROM totp_factors WHERE user_id = :u", soci::use(user_id);
}

std::vector<std::pair<std::string, int>> FactorStore::totp_count_by_key_id(soci::session& tx) const {
    // Sealed values read "v1.<8-hex key id>.<...>" (security/sealed.hpp): the id is characters 4 to 11.
    std::vector<std::pair<std::string, int>> out;
    std::string id;
    long long n = 0;
    soci::statement st = (tx.prepare << "SELECT substr(secret_sealed, 4, 8), COUNT(*) FROM totp_factors "
                                        "GROUP BY substr(secret_sealed, 4, 8) ORDER BY 1",
                          soci::into(id), soci::into(n));
    st.execute();
    while (st.fetch()) out.emplace_back(id, static_cast<int>(n));
    return out;
}

std::vector<std::pair<std::string, std::string>> FactorStore::totp_not_sealed_under(soci::session& tx,
                                                                                    const std::string& key_id) const {
    const std::string ours = "v1." + key_id + ".%";
    std::vector<std::pair<std::string, std::string>> out;
    soci::rowset<soci::row> rows =
        (tx.prepare << "SELECT user_id, secret_sealed FROM totp_factors WHERE secret_sealed NOT LIKE :p", soci::use(ours));
    for (const auto& row : rows) out.emplace_back(row.get<std::string>(0), row.get<std::string>(1));
    return out;
}

bool FactorStore::reseal_totp(soci::session& tx, const std::string& user_id, const std::string& old_sealed,
                              const std::string& new_sealed) const {
    soci::statement st = (tx.prepare << "UPDATE totp_factors SET secret_sealed = :n WHERE user_id = :u AND secret_sealed = :o",
                          soci::use(new_sealed), soci::use(user_id), soci::use(old_sealed));
    st.execute(true);
    return st.get_affected_rows() == 1;
}

void FactorStore::replace_recovery_codes(soci::session& tx, const std::string& user_id,
                                         const std::vector<std::string>& code_hashes, std::int64_t now) const {
    delete_recovery_codes(tx, user_id);
    long long t = now;
    for (const auto& hash : code_hashes) {
        const auto id = security::uuid4();
        tx << "INSERT INTO recovery_codes (id, user_id, code_hash, created_at) VALUES (:id, :u, :h, :t)", soci::use(id),
            soci::use(user_id), soci::use(hash), soci::use(t);
    }
}

int FactorStore::recovery_codes_left(soci::session& tx, const std::string& user_id) const {
    int n = 0;
    tx << "SELECT COUNT(*) FROM recovery_codes WHERE user_id = :u AND used_at IS NULL", soci::into(n), soci::use(user_id);
    return n;
}

bool FactorStore::use_recovery_code(soci::session& tx, const std::string& user_id, const std::string& code_hash,
                                    std::int64_t now) const {
    long long t = now;
    soci::statement st = (tx.prepare << "UPDATE recovery_codes SET used_at = :t "
                                        "WHERE user_id = :u AND code_hash = :h AND used_at IS NULL",
                          soci::use(t), soci::use(user_id), soci::use(code_hash));
    st.execute(true);
    return st.get_affected_rows() >= 1;
}

void FactorStore::delete_recovery_codes(soci::session& tx, const std::string& user_id) const {
    tx << "DELETE FROM recovery_codes WHERE user_id = :u", soci::use(user_id);
}

void FactorStore::save_ticket(soci::session& tx, const std::string& ticket_hash, const Ticket& ticket, std::int64_t now) const {
    long long t = now, expires = ticket.expires_at;
    tx << "DELETE FROM mfa_tickets WHERE expires_at < :now", soci::use(t);
    tx << "INSERT INTO mfa_tickets (ticket_hash, user_id, meta, expires_at, created_at) VALUES (:h, :u, :m, :e, :t)",
        soci::use(ticket_hash), soci::use(ticket.user_id), soci::use(ticket.meta_json), soci::use(expires), soci::use(t);
}

std::optional<Ticket> FactorStore::ticket(soci::session& tx, const std::string& ticket_hash) const {
    Ticket t;
    long long expires = 0;
    tx << "SELECT user_id, meta, failures, expires_at FROM mfa_tickets WHERE ticket_hash = :h", soci::into(t.user_id),
        soci::into(t.meta_json), soci::into(t.failures), soci::into(expires), soci::use(ticket_hash);
    if (!tx.got_data()) return std::nullopt;
    t.expires_at = expires;
    return t;
}

int FactorStore::ticket_failed(soci::session& tx, const std::string& ticket_hash) const {
    tx << "UPDATE mfa_tickets SET failures = failures + 1 WHERE ticket_hash = :h", soci::use(ticket_hash);
    int failures = 0;
    tx << "SELECT failures FROM mfa_tickets WHERE ticket_hash = :h", soci::into(failures), soci::use(ticket_hash);
    return failures;
}

bool FactorStore::take_ticket(soci::session& tx, const std::string& ticket_hash) const {
    soci::statement st = (tx.prepare << "DELETE FROM mfa_tickets WHERE ticket_hash = :h", soci::use(ticket_hash));
    st.execute(true);
    return st.get_affected_rows() == 1;
}

}  // namespace mfa
