#pragma once
// Passkeys (WebAuthn): registration for a signed-in user, the user's list, and the
// assertions that sign in without a password or serve as the second factor of one.
// Challenges are single use, live five minutes and are bound to their user or sign-in.
#include "accounts/service.hpp"
#include "db/pool.hpp"
#include "mfa/passkey_store.hpp"
#include "sessions/session_store.hpp"
#include "webauthn/webauthn.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

namespace mfa {

struct Passkey {
    std::string id;  // the credential id, base64url
    std::string name;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> last_used_at;
};

// After a factor was removed in `tx`: when no confirmed one is left (authenticator app or
// passkey), sign-in stops asking for one and the recovery codes, which only stand in for a
// factor, go too.
void after_factor_removed(db::Transaction& tx, const accounts::UserRepository& users, const std::string& user_id,
                          std::int64_t now);

class Passkeys {
public:
    Passkeys(db::Pool& pool, accounts::AccountService& accounts, webauthn::RelyingParty rp)
        : pool_(pool), accounts_(accounts), rp_(std::move(rp)) {}

    // PublicKeyCredentialCreationOptions (JSON, base64url) for the caller; needs a recent sign-in.
    boost::json::object creation_options(const sessions::Authenticated& viewer);
    // Registers the credential navigator.credentials.create() returned for those options.
    Passkey add(const sessions::Authenticated& viewer, const std::optional<std::string>& name,
                const boost::json::object& credential, const sessions::RequestMeta& meta);
    std::vector<Passkey> list(const std::string& user_id);
    Passkey rename(const sessions::Authenticated& viewer, const std::string& id, const std::string& name);
    // Needs a recent sign-in. The last factor gone, sign-in asks for none.
    void remove(const sessions::Authenticated& viewer, const std::string& id, const sessions::RequestMeta& meta);
    int count(const std::string& user_id);

    // PublicKeyCredentialRequestOptions: for a passwordless sign-in (any discoverable
    // passkey), or, given a second-factor ticket, for that sign-in's user's passkeys.
    boost::json::object request_options(const std::optional<std::string>& mfa_ticket);
    // A passwordless sign-in: the passkey names its user, who must have been verified.
    accounts::SignedIn sign_in(const boost::json::object& credential, const sessions::RequestMeta& meta);
    // Checks an assertion by one of `user_id`'s passkeys, for the challenge of `ticket_hash`
    // (a second factor) or an unbound one (reauthentication), and records its use. Throws
    // common::Refusal (invalid_input, field "passkey"). Runs its own transactions: call it
    // outside any.
    void verify_for(const std::string& user_id, const std::optional<std::string>& ticket_hash,
                    const boost::json::object& credential);

private:
    // The checked assertion's user id. The challenge is used up first, in its own transaction,
    // so that a failed attempt cannot try it again.
    std::string verify(const boost::json::object& credential, const std::optional<std::string>& user_id,
                       const std::optional<std::string>& ticket_hash, bool require_user_verification);
    std::string new_challenge(const Challenge& c);
    // The challenge a response's client data names, and what it was issued for (nullopt:
    // unknown or used). Used up here, in its own transaction, whatever the response's fate.
    std::pair<std::string, std::optional<Challenge>> use_challenge(const std::string& client_data);

    db::Pool& pool_;
    accounts::AccountService& accounts_;
    webauthn::RelyingParty rp_;
    PasskeyStore store_;
    FactorStore factors_;
    accounts::UserRepository users_;
};

}  // namespace mfa
