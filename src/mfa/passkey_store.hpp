#pragma once
// The passkeys table and the WebAuthn challenges, in the caller's transaction.
#include <soci/session.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mfa {

struct PasskeyRow {
    std::string id;  // credential id, base64url
    std::string user_id;
    std::string name;
    std::string public_key;  // COSE key, base64url
    int algorithm = 0;
    std::int64_t sign_count = 0;
    std::string aaguid;  // hex
    bool backed_up = false;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> last_used_at;
};

struct Challenge {
    std::string purpose;  // "register" | "sign_in"
    std::optional<std::string> user_id;
    std::optional<std::string> ticket_hash;
    std::int64_t expires_at = 0;
};

class PasskeyStore {
public:
    std::vector<PasskeyRow> of_user(soci::session& tx, const std::string& user_id) const;
    std::optional<PasskeyRow> by_id(soci::session& tx, const std::string& id) const;
    int count(soci::session& tx, const std::string& user_id) const;
    void insert(soci::session& tx, const PasskeyRow& row) const;
    // false when the user has no such passkey.
    bool rename(soci::session& tx, const std::string& user_id, const std::string& id, const std::string& name) const;
    bool remove(soci::session& tx, const std::string& user_id, const std::string& id) const;
    // Records a use; false when the stored counter moved on meanwhile (a concurrent use of
    // a cloned authenticator): `expected` is the counter the signature was checked against.
    bool used(soci::session& tx, const std::string& id, std::int64_t expected, std::int64_t sign_count, bool backed_up,
              std::int64_t now) const;

    // Challenges are stored by the sha256 of their base64url text; expired ones are swept on save.
    void save_challenge(soci::session& tx, const std::string& challenge_hash, const Challenge& c, std::int64_t now) const;
    // Deletes and returns it; nullopt when unknown or already taken.
    std::optional<Challenge> take_challenge(soci::session& tx, const std::string& challenge_hash) const;
};

}  // namespace mfa
