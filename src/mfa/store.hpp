#pragma once
// The second-factor tables: each user's TOTP authenticator, their recovery codes, and the
// tickets of sign-ins that still owe a second factor. Every call runs in the caller's
// transaction; secrets arrive sealed and codes hashed.
#include <soci/session.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mfa {

struct TotpFactor {
    std::string secret_sealed;
    std::optional<std::int64_t> confirmed_at;  // nullopt: enrolment not yet confirmed
    std::optional<std::int64_t> last_used_step;
};

struct Ticket {
    std::string user_id;
    std::string meta_json;  // the sign-in request's device (sessions::RequestMeta)
    int failures = 0;
    std::int64_t expires_at = 0;
};

class FactorStore {
public:
    std::optional<TotpFactor> totp(soci::session& tx, const std::string& user_id) const;
    // A new, unconfirmed authenticator (replacing any earlier one of the user).
    void start_totp(soci::session& tx, const std::string& user_id, const std::string& secret_sealed, std::int64_t now) const;
    void confirm_totp(soci::session& tx, const std::string& user_id, std::int64_t step, std::int64_t now) const;
    // Records `step` as used; false when it (or a later one) was used already, by a
    // concurrent request too: whoever moves last_used_step forward owns the code.
    bool use_totp_step(soci::session& tx, const std::string& user_id, std::int64_t step) const;
    void delete_totp(soci::session& tx, const std::string& user_id) const;
    // How many authenticator secrets each data-encryption key id seals, counted by the
    // database (a start-up check: no secret leaves it).
    std::vector<std::pair<std::string, int>> totp_count_by_key_id(soci::session& tx) const;
    // Every authenticator secret not sealed under `key_id`: (user id, sealed value).
    std::vector<std::pair<std::string, std::string>> totp_not_sealed_under(soci::session& tx, const std::string& key_id) const;
    // Swaps one sealed value for another; false when the row changed meanwhile.
    bool reseal_totp(soci::session& tx, const std::string& user_id, const std::string& old_sealed,
                     const std::string& new_sealed) const;

    // The user's unused codes become `code_hashes` (the old set dies).
    void replace_recovery_codes(soci::session& tx, const std::string& user_id, const std::vector<std::string>& code_hashes,
                                std::int64_t now) const;
    int recovery_codes_left(soci::session& tx, const std::string& user_id) const;
    // Marks the unused code with this hash as used; false when there is none.
    bool use_recovery_code(soci::session& tx, const std::string& user_id, const std::string& code_hash, std::int64_t now) const;
    void delete_recovery_codes(soci::session& tx, const std::string& user_id) const;

    // Tickets are stored by the sha256 of their value; expired ones are swept on save.
    void save_ticket(soci::session& tx, const std::string& ticket_hash, const Ticket& ticket, std::int64_t now) const;
    std::optional<Ticket> ticket(soci::session& tx, const std::string& ticket_hash) const;
    // One more wrong factor; returns the failures so far.
    int ticket_failed(soci::session& tx, const std::string& ticket_hash) const;
    // Deletes it; false when a concurrent request did first.
    bool take_ticket(soci::session& tx, const std::string& ticket_hash) const;
};

}  // namespace mfa
