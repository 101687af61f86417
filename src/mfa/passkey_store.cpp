#include "mfa/passkey_store.hpp"

#include <soci/soci.h>

namespace mfa {
namespace {

constexpr const char* kColumns =
    "id, user_id, name, public_key, algorithm, sign_count, aaguid, backed_up, created_at, last_used_at";

PasskeyRow row_of(const soci::row& r) {
    PasskeyRow p;
    p.id = r.get<std::string>(0);
    p.user_id = r.get<std::string>(1);
    p.name = r.get<std::string>(2);
    p.public_key = r.get<std::string>(3);
    p.algorithm = r.get<int>(4);
    p.sign_count = r.get<long long>(5);
    p.aaguid = r.get<std::string>(6);
    p.backed_up = r.get<int>(7) != 0;
    p.created_at = r.get<long long>(8);
    if (r.get_indicator(9) == soci::i_ok) p.last_used_at = r.get<long long>(9);
    return p;
}

}  // namespace

std::vector<PasskeyRow> PasskeyStore::of_user(soci::session& tx, const std::string& user_id) const {
    std::vector<PasskeyRow> out;
    soci::rowset<soci::row> rows =
        (tx.prepare << "SELECT " << kColumns << " FROM passkeys WHERE user_id = :u ORDER BY created_at, id", soci::use(user_id));
    for (const auto& r : rows) out.push_back(row_of(r));
    return out;
}

std::optional<PasskeyRow> PasskeyStore::by_id(soci::session& tx, const std::string& id) const {
    soci::rowset<soci::row> rows = (tx.prepare << "SELECT " << kColumns << " FROM passkeys WHERE id = :id", soci::use(id));
    for (const auto& r : rows) return row_of(r);
    return std::nullopt;
}

int PasskeyStore::count(soci::session& tx, const std::string& user_id) const {
    int n = 0;
    tx << "SELECT COUNT(*) FROM passkeys WHERE user_id = :u", soci::into(n), soci::use(user_id);
    return n;
}

void PasskeyStore::insert(soci::session& tx, const PasskeyRow& p) const {
    long long count = p.sign_count, created = p.created_at;
    int backed_up = p.backed_up ? 1 : 0;
    tx << "INSERT INTO passkeys (id, user_id, name, public_key, algorithm, sign_count, aaguid, backed_up, created_at) "
          "VALUES (:id, :u, :n, :k, :a, :c, :g, :b, :t)",
        soci::use(p.id), soci::use(p.user_id), soci::use(p.name), soci::use(p.public_key), soci::use(p.algorithm),
        soci::use(count), soci::use(p.aaguid), soci::use(backed_up), soci::use(created);
}

bool PasskeyStore::rename(soci::session& tx, const std::string& user_id, const std::string& id, const std::string& name) const {
    soci::statement st = (tx.prepare << "UPDATE passkeys SET name = :n WHERE id = :id AND user_id = :u", soci::use(name),
                          soci::use(id), soci::use(user_id));
    st.execute(true);
    return st.get_affected_rows() == 1;
}

bool PasskeyStore::remove(soci::session& tx, const std::string& user_id, const std::string& id) const {
    soci::statement st =
        (tx.prepare << "DELETE FROM passkeys WHERE id = :id AND user_id = :u", soci::use(id), soci::use(user_id));
    st.execute(true);
    return st.get_affected_rows() == 1;
}

bool PasskeyStore::used(soci::session& tx, const std::string& id, std::int64_t expected, std::int64_t sign_count, bool backed_up,
                        std::int64_t now) const {
    long long before = expected, after = sign_count, t = now;
    int backed = backed_up ? 1 : 0;
    soci::statement st = (tx.prepare << "UPDATE passkeys SET sign_count = :c, backed_up = :b, last_used_at = :t "
                                        "WHERE id = :id AND sign_count = :before",
                          soci::use(after), soci::use(backed), soci::use(t), soci::use(id), soci::use(before));
    st.execute(true);
    return st.get_affected_rows() == 1;
}

void PasskeyStore::save_challenge(soci::session& tx, const std::string& challenge_hash, const Challenge& c,
                                  std::int64_t now) const {
    long long t = now, expires = c.expires_at;
    soci::indicator user_ind = c.user_id ? soci::i_ok : soci::i_null, ticket_ind = c.ticket_hash ? soci::i_ok : soci::i_null;
    const std::string user = c.user_id.value_or(""), ticket = c.ticket_hash.value_or("");
    tx << "DELETE FROM webauthn_challenges WHERE expires_at < :now", soci::use(t);
    tx << "INSERT INTO webauthn_challenges (challenge_hash, purpose, user_id, ticket_hash, expires_at, created_at) "
          "VALUES (:h, :p, :u, :k, :e, :t)",
        soci::use(challenge_hash), soci::use(c.purpose), soci::use(user, user_ind), soci::use(ticket, ticket_ind),
        soci::use(expires), soci::use(t);
}

std::optional<Challenge> PasskeyStore::take_challenge(soci::session& tx, const std::string& challenge_hash) const {
    Challenge c;
    std::string user, ticket;
    soci::indicator user_ind = soci::i_null, ticket_ind = soci::i_null;
    long long expires = 0;
    tx << "SELECT purpose, user_id, ticket_hash, expires_at FROM webauthn_challenges WHERE challenge_hash = :h",
        soci::into(c.purpose), soci::into(user, user_ind), soci::into(ticket, ticket_ind), soci::into(expires),
        soci::use(challenge_hash);
    if (!tx.got_data()) return std::nullopt;
    // Whoever deletes the row uses the challenge; a concurrent request deletes nothing.
    soci::statement st = (tx.prepare << "DELETE FROM webauthn_challenges WHERE challenge_hash = :h", soci::use(challenge_hash));
    st.execute(true);
    if (st.get_affected_rows() != 1) return std::nullopt;
    if (user_ind == soci::i_ok) c.user_id = user;
    if (ticket_ind == soci::i_ok) c.ticket_hash = ticket;
    c.expires_at = expires;
    return c;
}

}  // namespace mfa
