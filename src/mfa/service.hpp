#pragma once
// Second factors: a TOTP authenticator app (enrol, confirm, remove), single-use recovery
// codes, the second step of a sign-in, and reauthentication for the calls that need a
// recent proof of who the caller is. Secrets are sealed with the data-encryption key;
// every change that concerns the owner emails them in its transaction.
#include "accounts/service.hpp"
#include "db/pool.hpp"
#include "mfa/passkeys.hpp"
#include "mfa/store.hpp"
#include "security/sealed.hpp"
#include "sessions/session_store.hpp"

#include <optional>
#include <string>
#include <vector>

namespace mfa {

inline constexpr int kRecoveryCodes = 10;

struct Enrolment {
    std::string secret;  // base32
    std::string otpauth_uri;
    std::string qr_svg;
};

struct Status {
    bool totp = false;  // confirmed
    int passkeys = 0;
    int recovery_codes_left = 0;
};

// What a caller offers as proof; exactly one member is set.
struct Proof {
    std::optional<std::string> password;
    std::optional<std::string> totp_code;
    std::optional<std::string> recovery_code;
    std::optional<boost::json::object> passkey;  // a WebAuthn assertion (PublicKeyCredential JSON)
};

class SecondFactor {
public:
    // `issuer`: the name authenticator apps show (APP_NAME).
    SecondFactor(db::Pool& pool, accounts::AccountService& accounts, Passkeys& passkeys, const security::DataKey& key,
                 std::string issuer)
        : pool_(pool), accounts_(accounts), passkeys_(passkeys), key_(key), issuer_(std::move(issuer)) {}

    // Needs a recent authentication. Refused when an authenticator is already confirmed.
    Enrolment start_totp(const sessions::Authenticated& viewer);
    // The first code from the app confirms the enrolment (the factor counts from now on);
    // returns a new set of recovery codes when the user had none, else an empty list.
    std::vector<std::string> confirm_totp(const sessions::Authenticated& viewer, const std::string& code,
                                          const sessions::RequestMeta& meta);
    // Needs a recent authentication.
    void remove_totp(const sessions::Authenticated& viewer, const sessions::RequestMeta& meta);
    // Needs a recent authentication and a confirmed factor. The old set dies.
    std::vector<std::string> new_recovery_codes(const sessions::Authenticated& viewer, const sessions::RequestMeta& meta);
    Status status(const std::string& user_id);

    // After a key rotation: every authenticator secret sealed under a previous key is opened
    // and sealed again under the current one, each in its own transaction. Returns how many
    // moved. Throws security::SealError for a value no configured key opens.
    int reseal_secrets();
    // How many secrets each key id seals (the current key's id included).
    std::vector<std::pair<std::string, int>> secrets_by_key();

    // The second step of a sign-in: the ticket of the first and one factor, from the client
    // (its user agent) that proved the first.
    accounts::SignedIn complete_sign_in(const std::string& ticket, const Proof& proof, const sessions::RequestMeta& client);
    // Proves the caller again (password, authenticator code or passkey) for the calls that need it.
    void reauthenticate(const sessions::Authenticated& viewer, const Proof& proof, const sessions::RequestMeta& meta);

private:
    // The step of an accepted code, recorded as used; nullopt when wrong or replayed.
    std::optional<std::int64_t> use_totp(db::Transaction& tx, const std::string& user_id, const std::string& code,
                                         std::int64_t now);
    std::vector<std::string> issue_recovery_codes(db::Transaction& tx, const std::string& user_id, std::int64_t now);
    std::string context(const std::string& user_id) const { return "totp:" + user_id; }

    db::Pool& pool_;
    accounts::AccountService& accounts_;
    Passkeys& passkeys_;
    const security::DataKey& key_;
    std::string issuer_;
    FactorStore factors_;
    accounts::UserRepository users_;
};

// A recovery code as users type it ("k7pq-2mxz-vd"): case and dashes do not matter.
std::string normalize_recovery_code(std::string_view code);

}  // namespace mfa
