#include "mfa/service.hpp"

#include "common/refusal.hpp"
#include "common/time.hpp"
#include "mfa/qr.hpp"
#include "notify/email.hpp"
#include "security/hash.hpp"
#include "security/random.hpp"
#include "security/totp.hpp"

#include <cctype>

namespace mfa {
namespace {

using common::Refusal;

// No 0/o, 1/i/l: codes are read off paper.
constexpr std::string_view kRecoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789";

std::int64_t unix_seconds(std::int64_t ms) { return ms / 1000; }

Refusal invalid_ticket() {
    return common::invalid_input("The sign-in ticket is invalid, used or expired. Sign in again.", "mfa_ticket");
}

}  // namespace

std::string normalize_recovery_code(std::string_view code) {
    std::string out;
    for (char c : code)
        if (c != '-' && c != ' ') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

Enrolment SecondFactor::start_totp(const sessions::Authenticated& viewer) {
    accounts_.require_recent_authentication(viewer);
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    auto user = users_.by_id(tx.session(), viewer.user_id);
    if (!user) throw Refusal(Refusal::Kind::unauthenticated, "unauthenticated", "The account no longer exists");
    if (auto existing = factors_.totp(tx.session(), user->id); existing && existing->confirmed_at)
        throw common::invalid_input("An authenticator app is already set up; remove it first to set up another");
    const auto secret = security::random_bytes(security::totp::kSecretBytes);
    factors_.start_totp(tx.session(), user->id, key_.seal(secret, context(user->id)), common::now_ms());
    tx.commit();
    Enrolment e;
    e.secret = security::totp::base32_encode(secret);
    e.otpauth_uri = security::totp::otpauth_uri(secret, issuer_, user->email);
    e.qr_svg = qr_svg(e.otpauth_uri);
    return e;
}

int SecondFactor::reseal_secrets() {
    std::vector<std::pair<std::string, std::string>> stale;
    {
        auto lease = pool_.acquire();
        stale = factors_.totp_not_sealed_under(*lease, key_.id());
    }
    int moved = 0;
    for (const auto& [user_id, sealed] : stale) {
        auto lease = pool_.acquire();
        db::Transaction tx(lease);
        const auto secret = key_.open(sealed, context(user_id));
        if (factors_.reseal_totp(tx.session(), user_id, sealed, key_.seal(secret, context(user_id)))) ++moved;
        tx.commit();  // a row that changed meanwhile was re-enrolled under the current key
    }
    return moved;
}

std::vector<std::pair<std::string, int>> SecondFactor::secrets_by_key() {
    auto lease = pool_.acquire();
    return factors_.totp_count_by_key_id(*lease);
}

std::optional<std::int64_t> SecondFactor::use_totp(db::Transaction& tx, const std::string& user_id, const std::string& code,
                                                   std::int64_t now) {
    auto factor = factors_.totp(tx.session(), user_id);
    if (!factor) return std::nullopt;
    const auto secret = key_.open(factor->secret_sealed, context(user_id));
    auto step = security::totp::accept(secret, code, unix_seconds(now), factor->last_used_step);
    if (!step) return std::nullopt;
    // Two requests with the same code: the one that moves last_used_step forward wins.
    if (!factors_.use_totp_step(tx.session(), user_id, *step)) return std::nullopt;
    return step;
}

std::vector<std::string> SecondFactor::issue_recovery_codes(db::Transaction& tx, const std::string& user_id, std::int64_t now) {
    std::vector<std::string> codes, hashes;
    for (int i = 0; i < kRecoveryCodes; ++i) {
        const auto raw = security::random_text(12, kRecoveryAlphabet);
        codes.push_back(raw.substr(0, 4) + "-" + raw.substr(4, 4) + "-" + raw.substr(8));
        hashes.push_back(security::sha256_hex(raw));
    }
    factors_.replace_recovery_codes(tx.session(), user_id, hashes, now);
    return codes;
}

std::vector<std::string> SecondFactor::confirm_totp(const sessions::Authenticated& viewer, const std::string& code,
                                                    const sessions::RequestMeta& meta) {
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    const auto now = common::now_ms();
    auto factor = factors_.totp(tx.session(), viewer.user_id);
    if (!factor) throw common::invalid_input("Start setting up an authenticator app first");
    if (factor->confirmed_at) throw common::invalid_input("The authenticator app is already confirmed");
    auto step = use_totp(tx, viewer.user_id, code, now);
    if (!step) throw common::invalid_input("The code is incorrect; check the app's clock and try the current code", "code");
    factors_.confirm_totp(tx.session(), viewer.user_id, *step, now);
    users_.set_mfa_enabled(tx, viewer.user_id, true, now);
    std::vector<std::string> codes;
    if (factors_.recovery_codes_left(tx.session(), viewer.user_id) == 0) codes = issue_recovery_codes(tx, viewer.user_id, now);
    auto user = users_.by_id(tx.session(), viewer.user_id);
    notify::enqueue(tx.session(), user->email, notify::emails::MfaEnabled{accounts::origin(meta)}, user->locale);
    audit::record(tx, audit::Kind::second_factor_added, viewer.user_id, meta, {{"factor", "totp"}}, now);
    tx.commit();
    return codes;
}

void SecondFactor::remove_totp(const sessions::Authenticated& viewer, const sessions::RequestMeta& meta) {
    accounts_.require_recent_authentication(viewer);
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    const auto now = common::now_ms();
    auto factor = factors_.totp(tx.session(), viewer.user_id);
    if (!factor) throw Refusal(Refusal::Kind::not_found, "not_found", "No authenticator app is set up");
    factors_.delete_totp(tx.session(), viewer.user_id);
    if (factor->confirmed_at) {
        after_factor_removed(tx, users_, viewer.user_id, now);  // passkeys may still be there
        auto user = users_.by_id(tx.session(), viewer.user_id);
        notify::enqueue(tx.session(), user->email, notify::emails::MfaDisabled{accounts::origin(meta), std::nullopt},
                        user->locale);
    }
    audit::record(tx, audit::Kind::second_factor_removed, viewer.user_id, meta, {{"factor", "totp"}}, now);
    tx.commit();
}

std::vector<std::string> SecondFactor::new_recovery_codes(const sessions::Authenticated& viewer,
                                                          const sessions::RequestMeta& meta) {
    accounts_.require_recent_authentication(viewer);
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    auto user = users_.by_id(tx.session(), viewer.user_id);
    if (!user || !user->mfa_enabled) throw common::invalid_input("Set up a second factor first");
    const auto now = common::now_ms();
    auto codes = issue_recovery_codes(tx, viewer.user_id, now);
    audit::record(tx, audit::Kind::recovery_codes_renewed, viewer.user_id, meta, {}, now);
    tx.commit();
    return codes;
}

Status SecondFactor::status(const std::string& user_id) {
    auto lease = pool_.acquire();
    Status s;
    auto factor = factors_.totp(*lease, user_id);
    s.totp = factor && factor->confirmed_at;
    s.recovery_codes_left = factors_.recovery_codes_left(*lease, user_id);
    s.passkeys = PasskeyStore().count(*lease, user_id);
    return s;
}

accounts::SignedIn SecondFactor::complete_sign_in(const std::string& ticket, const Proof& proof,
                                                  const sessions::RequestMeta& client) {
    const int given = (proof.totp_code ? 1 : 0) + (proof.recovery_code ? 1 : 0) + (proof.passkey ? 1 : 0);
    if (given != 1) throw common::invalid_input("Send one second factor: totp_code, recovery_code or passkey");
    const char* second = proof.passkey ? "passkey" : proof.totp_code ? "totp" : "recovery_code";
    const auto hash = security::sha256_hex(ticket);
    const auto now = common::now_ms();
    // The ticket, its account's attempt, and (a passkey runs its own transactions) the
    // assertion, before the transaction that opens the session. No connection is held
    // meanwhile: the assertion takes connections of its own.
    std::optional<Ticket> t;
    {
        auto reading = pool_.acquire();
        t = factors_.ticket(*reading, hash);
    }
    if (!t || t->expires_at <= now || t->failures >= accounts_.policy().mfa_ticket_attempts) throw invalid_ticket();
    const auto origin = accounts::AccountService::ticket_origin(t->meta_json);
    const sessions::RequestMeta& meta = origin.meta;
    // Bound to the client that proved the first factor: a ticket lifted from it is no use elsewhere.
    if (meta.user_agent != client.user_agent) throw invalid_ticket();
    // Wrong second factors count with the account's failed logins (one lock for both).
    const auto attempt = accounts_.take_attempt(t->user_id);
    std::optional<std::string> passkey_refused;
    if (proof.passkey) {
        try {
            passkeys_.verify_for(t->user_id, hash, *proof.passkey);
        } catch (const Refusal& r) {
            passkey_refused = r.what();
        }
    }
    auto lease = pool_.acquire();
    std::optional<accounts::SignedIn> signed_in;
    accounts_.recording_disabled([&] {
        db::Transaction tx(lease);
        auto user = users_.by_id(tx.session(), t->user_id);
        if (!user) throw invalid_ticket();
        bool ok = false;
        std::optional<int> codes_left;
        if (proof.passkey) {
            ok = !passkey_refused;
        } else if (proof.totp_code) {
            ok = use_totp(tx, user->id, *proof.totp_code, now).has_value();
        } else if (factors_.use_recovery_code(tx.session(), user->id,
                                              security::sha256_hex(normalize_recovery_code(*proof.recovery_code)), now)) {
            ok = true;
            codes_left = factors_.recovery_codes_left(tx.session(), user->id);
        }
        if (ok) {
            if (!factors_.take_ticket(tx.session(), hash)) throw invalid_ticket();  // a concurrent request finished it
            if (codes_left)
                notify::enqueue(tx.session(), user->email, notify::emails::RecoveryCodeUsed{accounts::origin(meta), *codes_left},
                                user->locale);
            signed_in = accounts_.open_session(tx, *user, meta, now, {{"method", origin.method}, {"second_factor", second}});
            signed_in->password_breach_count = origin.password_breach_count;
            tx.commit();
        }
    });
    if (signed_in) {
        accounts_.give_back(attempt);
        return *signed_in;
    }
    // A wrong factor counts against the ticket, in its own transaction (the one above rolled back).
    {
        db::Transaction tx(lease);
        const int failures = factors_.ticket_failed(tx.session(), hash);
        if (failures >= accounts_.policy().mfa_ticket_attempts) factors_.take_ticket(tx.session(), hash);
        audit::record(tx, audit::Kind::sign_in_failed, t->user_id, client, {{"method", second}, {"failures", failures}});
        tx.commit();
    }
    if (passkey_refused) throw common::invalid_input(*passkey_refused, "passkey");
    throw common::invalid_input("The code is incorrect", proof.totp_code ? "totp_code" : "recovery_code");
}

void SecondFactor::reauthenticate(const sessions::Authenticated& viewer, const Proof& proof, const sessions::RequestMeta& meta) {
    const int given = (proof.password ? 1 : 0) + (proof.totp_code ? 1 : 0) + (proof.passkey ? 1 : 0);
    if (given != 1) throw common::invalid_input("Send one proof: password, totp_code or passkey");
    bool ok = false;
    if (proof.passkey) {
        passkeys_.verify_for(viewer.user_id, std::nullopt, *proof.passkey);
    } else if (proof.password) {
        std::optional<accounts::User> user;
        {
            auto lease = pool_.acquire();  // not held while Argon2 runs
            user = users_.by_id(*lease, viewer.user_id);
        }
        ok = user && accounts_.password_matches(*user, *proof.password);
        if (!ok) throw common::invalid_input("The password is incorrect", "password");
    } else {
        auto lease = pool_.acquire();
        db::Transaction tx(lease);
        ok = use_totp(tx, viewer.user_id, *proof.totp_code, common::now_ms()).has_value();
        if (!ok) throw common::invalid_input("The code is incorrect", "totp_code");
        tx.commit();
    }
    accounts_.mark_reauthenticated(viewer, meta, proof.passkey ? "passkey" : proof.password ? "password" : "totp");
}

}  // namespace mfa
