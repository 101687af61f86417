#include "mfa/passkeys.hpp"

#include "common/refusal.hpp"
#include "common/text.hpp"
#include "common/time.hpp"
#include "notify/email.hpp"
#include "observe/log.hpp"
#include "security/hash.hpp"
#include "security/jwt.hpp"
#include "security/random.hpp"

#include <boost/json/array.hpp>

namespace mfa {
namespace {

using common::Refusal;

constexpr std::int64_t kChallengeTtlMs = 5 * 60'000;
constexpr std::size_t kNameMax = 64;

Refusal refused(const std::string& why) { return common::invalid_input("The passkey was not accepted: " + why, "passkey"); }

// A base64url member of the credential or of its `response`.
std::string b64_member(const boost::json::object& o, const char* name) {
    auto it = o.find(name);
    if (it == o.end() || !it->value().is_string()) throw refused(std::string("it has no ") + name);
    auto bytes = security::base64url_decode(it->value().as_string());
    if (!bytes) throw refused(std::string(name) + " is not base64url");
    return *bytes;
}

const boost::json::object& response_of(const boost::json::object& credential) {
    auto it = credential.find("response");
    if (it == credential.end() || !it->value().is_object()) throw refused("it has no response");
    if (auto type = credential.find("type"); type == credential.end() || type->value() != "public-key")
        throw refused("its type is not public-key");
    return it->value().as_object();
}

Passkey view(const PasskeyRow& r) { return {r.id, r.name, r.created_at, r.last_used_at}; }

boost::json::array descriptors(const std::vector<PasskeyRow>& rows) {
    boost::json::array out;
    for (const auto& r : rows) out.push_back({{"type", "public-key"}, {"id", r.id}});
    return out;
}

}  // namespace

std::pair<std::string, std::optional<Challenge>> Passkeys::use_challenge(const std::string& client_data) {
    std::string challenge;
    try {
        challenge = webauthn::parse_client_data(client_data).challenge;
    } catch (const webauthn::Error& e) {
        throw refused(e.what());
    }
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    auto issued = store_.take_challenge(tx.session(), security::sha256_hex(challenge));
    tx.commit();  // used up, whatever follows
    return {challenge, issued};
}

void after_factor_removed(db::Transaction& tx, const accounts::UserRepository& users, const std::string& user_id,
                          std::int64_t now) {
    const FactorStore factors;
    auto totp = factors.totp(tx.session(), user_id);
    if ((totp && totp->confirmed_at) || PasskeyStore().count(tx.session(), user_id) > 0) return;
    users.set_mfa_enabled(tx, user_id, false, now);
    factors.delete_recovery_codes(tx.session(), user_id);
}

std::string Passkeys::new_challenge(const Challenge& c) {
    auto challenge = security::base64url_encode(security::random_bytes(32));
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    store_.save_challenge(tx.session(), security::sha256_hex(challenge), c, common::now_ms());
    tx.commit();
    return challenge;
}

boost::json::object Passkeys::creation_options(const sessions::Authenticated& viewer) {
    accounts_.require_recent_authentication(viewer);
    std::optional<accounts::User> user;
    std::vector<PasskeyRow> existing;
    {
        auto lease = pool_.acquire();
        user = users_.by_id(*lease, viewer.user_id);
        if (user) existing = store_.of_user(*lease, user->id);
    }
    if (!user) throw Refusal(Refusal::Kind::unauthenticated, "unauthenticated", "The account no longer exists");
    const auto challenge = new_challenge({"register", user->id, std::nullopt, common::now_ms() + kChallengeTtlMs});
    boost::json::array params;
    for (int alg : webauthn::kAlgorithms) params.push_back({{"type", "public-key"}, {"alg", alg}});
    return {{"rp", {{"id", rp_.id}, {"name", rp_.name}}},
            {"user", {{"id", security::base64url_encode(user->id)}, {"name", user->email}, {"displayName", user->username}}},
            {"challenge", challenge},
            {"pubKeyCredParams", std::move(params)},
            {"timeout", kChallengeTtlMs},
            {"attestation", "none"},
            {"excludeCredentials", descriptors(existing)},
            // Discoverable, so that it also signs in without a username.
            {"authenticatorSelection",
             {{"residentKey", "required"}, {"requireResidentKey", true}, {"userVerification", "preferred"}}}};
}

Passkey Passkeys::add(const sessions::Authenticated& viewer, const std::optional<std::string>& name,
                      const boost::json::object& credential, const sessions::RequestMeta& meta) {
    const auto& response = response_of(credential);
    const auto client_data = b64_member(response, "clientDataJSON");
    const auto attestation = b64_member(response, "attestationObject");
    auto [challenge, issued] = use_challenge(client_data);
    const auto now = common::now_ms();
    if (!issued || issued->purpose != "register" || issued->user_id != viewer.user_id || issued->expires_at <= now)
        throw refused("its challenge is unknown, used, expired or not this user's; ask for new options");
    webauthn::NewCredential made;
    try {
        made = webauthn::verify_registration(rp_, challenge, client_data, attestation, false);
    } catch (const webauthn::Error& e) {
        throw refused(e.what());
    }
    PasskeyRow row;
    row.id = security::base64url_encode(made.id);
    row.user_id = viewer.user_id;
    row.name = name && !name->empty() ? *name : "Passkey";
    if (common::utf8_length(row.name) > kNameMax)
        throw common::invalid_field("name", "String should have at most 64 characters", "string_too_long");
    row.public_key = security::base64url_encode(made.key.cose);
    row.algorithm = made.key.alg;
    row.sign_count = made.sign_count;
    row.aaguid = security::to_hex(made.aaguid);
    row.backed_up = made.backed_up;
    row.created_at = now;
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    if (store_.by_id(tx.session(), row.id)) throw refused("this passkey is registered already");
    store_.insert(tx.session(), row);
    users_.set_mfa_enabled(tx, viewer.user_id, true, now);
    auto user = users_.by_id(tx.session(), viewer.user_id);
    notify::enqueue(tx.session(), user->email, notify::emails::PasskeyAdded{accounts::origin(meta), row.name}, user->locale);
    audit::record(tx, audit::Kind::second_factor_added, viewer.user_id, meta,
                  {{"factor", "passkey"}, {"name", row.name}, {"passkey_id", row.id}}, now);
    tx.commit();
    observe::info("mfa.passkey_added", {{"user_id", viewer.user_id}, {"algorithm", row.algorithm}, {"attestation", made.format}});
    return view(row);
}

std::vector<Passkey> Passkeys::list(const std::string& user_id) {
    auto lease = pool_.acquire();
    std::vector<Passkey> out;
    for (const auto& r : store_.of_user(*lease, user_id)) out.push_back(view(r));
    return out;
}

int Passkeys::count(const std::string& user_id) {
    auto lease = pool_.acquire();
    return store_.count(*lease, user_id);
}

Passkey Passkeys::rename(const sessions::Authenticated& viewer, const std::string& id, const std::string& name) {
    if (name.empty() || common::utf8_length(name) > kNameMax)
        throw common::invalid_field("name", "String should have 1 to 64 characters", "string_too_long");
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    if (!store_.rename(tx.session(), viewer.user_id, id, name))
        throw Refusal(Refusal::Kind::not_found, "not_found", "No such passkey");
    auto row = store_.by_id(tx.session(), id);
    tx.commit();
    return view(*row);
}

void Passkeys::remove(const sessions::Authenticated& viewer, const std::string& id, const sessions::RequestMeta& meta) {
    accounts_.require_recent_authentication(viewer);
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    const auto now = common::now_ms();
    auto row = store_.by_id(tx.session(), id);
    if (!row || row->user_id != viewer.user_id || !store_.remove(tx.session(), viewer.user_id, id))
        throw Refusal(Refusal::Kind::not_found, "not_found", "No such passkey");
    after_factor_removed(tx, users_, viewer.user_id, now);
    auto user = users_.by_id(tx.session(), viewer.user_id);
    notify::enqueue(tx.session(), user->email, notify::emails::MfaDisabled{accounts::origin(meta), row->name}, user->locale);
    audit::record(tx, audit::Kind::second_factor_removed, viewer.user_id, meta,
                  {{"factor", "passkey"}, {"name", row->name}, {"passkey_id", row->id}}, now);
    tx.commit();
}

boost::json::object Passkeys::request_options(const std::optional<std::string>& mfa_ticket) {
    Challenge c{"sign_in", std::nullopt, std::nullopt, common::now_ms() + kChallengeTtlMs};
    boost::json::array allowed;
    std::string verification = "required";  // without a password, the passkey must verify its user
    if (mfa_ticket) {
        const auto hash = security::sha256_hex(*mfa_ticket);
        auto lease = pool_.acquire();
        auto ticket = factors_.ticket(*lease, hash);
        if (!ticket || ticket->expires_at <= common::now_ms())
            throw common::invalid_input("The sign-in ticket is invalid, used or expired. Sign in again.", "mfa_ticket");
        allowed = descriptors(store_.of_user(*lease, ticket->user_id));
        c.ticket_hash = hash;
        verification = "preferred";  // the password was the first factor
    }
    const auto challenge = new_challenge(c);
    return {{"challenge", challenge},
            {"rpId", rp_.id},
            {"timeout", kChallengeTtlMs},
            {"userVerification", verification},
            {"allowCredentials", std::move(allowed)}};
}

std::string Passkeys::verify(const boost::json::object& credential, const std::optional<std::string>& user_id,
                             const std::optional<std::string>& ticket_hash, bool require_user_verification) {
    const auto& response = response_of(credential);
    const auto client_data = b64_member(response, "clientDataJSON");
    const auto authenticator_data = b64_member(response, "authenticatorData");
    const auto signature = b64_member(response, "signature");
    const auto raw_id = b64_member(credential, "rawId");
    auto [challenge, issued] = use_challenge(client_data);
    auto lease = pool_.acquire();
    const auto now = common::now_ms();
    if (!issued || issued->purpose != "sign_in" || issued->ticket_hash != ticket_hash || issued->expires_at <= now)
        throw refused("its challenge is unknown, used, expired or for another sign-in; ask for new options");
    db::Transaction tx(lease);
    auto row = store_.by_id(tx.session(), security::base64url_encode(raw_id));
    if (!row || (user_id && row->user_id != *user_id)) throw refused("it is not a passkey of this account");
    if (auto handle = response.find("userHandle"); handle != response.end() && handle->value().is_string()) {
        auto bytes = security::base64url_decode(handle->value().as_string());
        if (!bytes || *bytes != row->user_id) throw refused("its user handle is not its account's");
    }
    webauthn::CheckedAssertion checked;
    try {
        auto cose = security::base64url_decode(row->public_key);
        checked = webauthn::verify_assertion(rp_, challenge, {row->algorithm, cose.value_or("")}, client_data, authenticator_data,
                                             signature, require_user_verification);
    } catch (const webauthn::Error& e) {
        throw refused(e.what());
    }
    // A counter that does not grow betrays a cloned authenticator (both zero: it keeps none).
    if ((checked.sign_count != 0 || row->sign_count != 0) && checked.sign_count <= row->sign_count) {
        observe::warn("mfa.passkey_counter_regressed",
                      {{"user_id", row->user_id}, {"stored", row->sign_count}, {"presented", checked.sign_count}});
        throw refused("its signature counter did not increase (a cloned authenticator?)");
    }
    if (!store_.used(tx.session(), row->id, row->sign_count, checked.sign_count, checked.backed_up, now))
        throw refused("it was used concurrently");
    tx.commit();
    return row->user_id;
}

accounts::SignedIn Passkeys::sign_in(const boost::json::object& credential, const sessions::RequestMeta& meta) {
    const auto user_id = verify(credential, std::nullopt, std::nullopt, true);
    return accounts_.recording_disabled([&] {
        auto lease = pool_.acquire();
        db::Transaction tx(lease);
        auto user = users_.by_id(tx.session(), user_id);
        if (!user) throw refused("it is not a passkey of this account");
        auto signed_in = accounts_.open_session(tx, *user, meta, common::now_ms(), {{"method", "passkey"}});
        tx.commit();
        return signed_in;
    });
}

void Passkeys::verify_for(const std::string& user_id, const std::optional<std::string>& ticket_hash,
                          const boost::json::object& credential) {
    (void)verify(credential, user_id, ticket_hash, false);
}

}  // namespace mfa
