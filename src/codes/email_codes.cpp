#include "codes/email_codes.hpp"

#include "common/text.hpp"
#include "security/hash.hpp"
#include "security/random.hpp"

#include <openssl/rand.h>
#include <soci/soci.h>

#include <stdexcept>

namespace codes {

const char* purpose_name(Purpose p) {
    switch (p) {
        case Purpose::verify:
            return "verify";
        case Purpose::reset:
            return "reset";
        case Purpose::email_change:
            return "email_change";
    }
    return "?";
}

std::optional<Purpose> purpose_from(std::string_view name) {
    for (auto p : {Purpose::verify, Purpose::reset, Purpose::email_change})
        if (name == purpose_name(p)) return p;
    return std::nullopt;
}

bool well_formed_code(std::string_view code) {
    if (code.size() != 8) return false;
    for (char c : code)
        if (c < '0' || c > '9') return false;
    return true;
}

std::string generate_code() {
    // Rejection sampling keeps every 8-digit value equally likely.
    for (;;) {
        std::uint32_t v = 0;
        if (RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v) != 1) throw std::runtime_error("CSPRNG failure");
        if (v >= 4'200'000'000u) continue;  // 42 * 10^8, the largest multiple of 10^8 below 2^32
        std::string out = std::to_string(v % 100'000'000u);
        return std::string(8 - out.size(), '0') + out;
    }
}

std::string EmailCodes::issue(soci::session& tx, Purpose purpose, const std::string& email,
                              const std::optional<std::string>& user_id, std::chrono::milliseconds ttl, std::int64_t now) {
    std::string p = purpose_name(purpose), key = common::ascii_lower(email), id = security::uuid4();
    std::string code = generate_code();
    std::string hash = key_.keyed_hash("email code", code);
    std::string uid = user_id.value_or("");
    soci::indicator uid_ind = user_id ? soci::i_ok : soci::i_null;
    long long expires = now + ttl.count(), created = now;
    tx << "DELETE FROM email_codes WHERE purpose = :p AND email_key = :k", soci::use(p), soci::use(key);
    tx << "INSERT INTO email_codes (id, purpose, email_key, user_id, code_hash, attempts, expires_at, created_at) "
          "VALUES (:id, :p, :k, :u, :h, 0, :e, :c)",
        soci::use(id), soci::use(p), soci::use(key), soci::use(uid, uid_ind), soci::use(hash), soci::use(expires),
        soci::use(created);
    return code;
}

Check EmailCodes::check(soci::session& tx, Purpose purpose, const std::string& email, const std::optional<std::string>& user_id,
                        std::string_view code, std::int64_t now) {
    std::string p = purpose_name(purpose), key = common::ascii_lower(email);
    std::string id, hash, uid;
    int attempts = 0;
    long long expires = 0;
    soci::indicator id_ind = soci::i_null, uid_ind = soci::i_null;
    tx << "SELECT id, code_hash, user_id, attempts, expires_at FROM email_codes WHERE purpose = :p AND email_key = :k",
        soci::use(p), soci::use(key), soci::into(id, id_ind), soci::into(hash), soci::into(uid, uid_ind), soci::into(attempts),
        soci::into(expires);
    if (id_ind != soci::i_ok || expires <= now || attempts >= kMaxAttempts) return {CheckResult::missing, {}};
    if (user_id && (uid_ind != soci::i_ok || uid != *user_id)) return {CheckResult::missing, {}};
    // Hash first, then compare digests in constant time.
    if (!well_formed_code(code) || !security::constant_time_equal(key_.keyed_hash("email code", code), hash))
        return {CheckResult::wrong, id};
    return {CheckResult::ok, id};
}

void EmailCodes::record_failure(const std::string& code_id) {
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    int max = kMaxAttempts;
    *lease << "UPDATE email_codes SET attempts = attempts + 1 WHERE id = :id", soci::use(code_id);
    *lease << "DELETE FROM email_codes WHERE id = :id AND attempts >= :max", soci::use(code_id), soci::use(max);
    tx.commit();
}

bool EmailCodes::consume(soci::session& tx, const std::string& code_id) {
    std::string id = code_id;
    soci::statement st = (tx.prepare << "DELETE FROM email_codes WHERE id = :id", soci::use(id));
    st.execute(true);
    return st.get_affected_rows() == 1;
}

}  // namespace codes
