#pragma once
// One-time 8-digit codes sent by email (verification, password reset, email change): from
// the CSPRNG, stored as sha256, expiring, single use, dead after 5 wrong tries, and a new
// request replaces older codes for the same purpose and address.
#include "db/pool.hpp"
#include "security/sealed.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace codes {

enum class Purpose { verify, reset, email_change };
// "verify", "reset", "email_change": as stored in email_codes.purpose and job payloads.
const char* purpose_name(Purpose p);
std::optional<Purpose> purpose_from(std::string_view name);

inline constexpr int kMaxAttempts = 5;

enum class CheckResult { ok, wrong, missing };

struct Check {
    CheckResult result = CheckResult::missing;
    std::string code_id;
};

class EmailCodes {
public:
    // Codes are stored as a keyed hash under `key` (8 digits have too few values for a
    // plain hash to hide them from whoever reads a database dump).
    EmailCodes(db::Pool& pool, const security::DataKey& key) : pool_(pool), key_(key) {}

    // Issues a fresh code in the caller's transaction; returns the plaintext code.
    std::string issue(soci::session& tx, Purpose purpose, const std::string& email, const std::optional<std::string>& user_id,
                      std::chrono::milliseconds ttl, std::int64_t now);
    // Checks a code in the caller's transaction without consuming it.
    Check check(soci::session& tx, Purpose purpose, const std::string& email, const std::optional<std::string>& user_id,
                std::string_view code, std::int64_t now);
    // Counts a wrong try in its own transaction (so it sticks even though the request
    // fails); the fifth kills the code.
    void record_failure(const std::string& code_id);
    // Deletes the code in the caller's transaction; false when another request consumed it
    // first (the row lock makes a concurrent consumer wait, then find nothing).
    [[nodiscard]] bool consume(soci::session& tx, const std::string& code_id);

private:
    db::Pool& pool_;
    const security::DataKey& key_;
};

// Exactly 8 ASCII digits.
bool well_formed_code(std::string_view code);
std::string generate_code();

}  // namespace codes
