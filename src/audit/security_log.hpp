#pragma once
// The security activity of accounts, append-only: what happened to an account, when, from
// where (IP, device, location, as sessions keep them) and, for an operator's action, by
// whom. An event is written in the transaction of the change it records and, once that
// commits, logged as one JSON line ("security.<kind>") for whoever follows the logs.
// Passwords, codes and tokens never appear in an event.
#include "db/pool.hpp"
#include "sessions/session_store.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace audit {

enum class Kind {
    registered,
    signed_in,
    sign_in_failed,
    signed_out,
    reauthenticated,
    session_revoked,
    other_sessions_revoked,
    password_changed,
    password_reset_requested,
    password_reset,
    email_change_requested,
    email_changed,
    second_factor_added,
    second_factor_removed,
    recovery_codes_renewed,
    account_deletion_requested,
    account_deletion_cancelled,
    account_deleted,
    account_disabled,
    account_enabled,
    signed_out_everywhere,
    role_changed,
    breached_password_used,
    provider_linked,
    provider_unlinked,
};

// The one list of event kinds: stored by name, documented in OpenAPI and docs/api.md.
struct KindInfo {
    Kind kind;
    std::string_view name;
    std::string_view description;
};
inline constexpr KindInfo kKinds[] = {
    {Kind::registered, "registered", "The account was made (details.method: password, or the provider)"},
    {Kind::signed_in, "signed_in",
     "A session began (details.method: password, passkey or the provider; details.second_factor: totp, recovery_code "
     "or passkey when one was asked for)"},
    {Kind::sign_in_failed, "sign_in_failed",
     "A wrong password or second factor for this account, or any sign-in of it while disabled (details.method)"},
    {Kind::signed_out, "signed_out", "A session ended by logging out"},
    {Kind::reauthenticated, "reauthenticated", "The session's owner confirmed it was them (details.method)"},
    {Kind::session_revoked, "session_revoked", "A session was ended from another one (details.session_id)"},
    {Kind::other_sessions_revoked, "other_sessions_revoked", "Every other session was ended (details.count)"},
    {Kind::password_changed, "password_changed", "The password was changed, or set for the first time (details.first)"},
    {Kind::password_reset_requested, "password_reset_requested", "A reset code was emailed"},
    {Kind::password_reset, "password_reset", "The password was reset with an emailed code; every session ended"},
    {Kind::email_change_requested, "email_change_requested", "A code was asked for to move the account to a new address"},
    {Kind::email_changed, "email_changed", "The account's email address changed"},
    {Kind::second_factor_added, "second_factor_added", "details.factor: totp or passkey (details.name)"},
    {Kind::second_factor_removed, "second_factor_removed", "details.factor: totp or passkey"},
    {Kind::recovery_codes_renewed, "recovery_codes_renewed", "A new set of recovery codes replaced the old one"},
    {Kind::account_deletion_requested, "account_deletion_requested",
     "Its owner asked for the account's deletion; every session ended (details.erase_after)"},
    {Kind::account_deletion_cancelled, "account_deletion_cancelled", "A sign-in during the grace period kept the account"},
    {Kind::account_deleted, "account_deleted",
     "The account's data was erased (this event keeps no IP or device; details.by: admin when an operator did it)"},
    {Kind::account_disabled, "account_disabled",
     "An operator disabled the account: every session ended, every sign-in is refused"},
    {Kind::account_enabled, "account_enabled", "An operator enabled the account again"},
    {Kind::signed_out_everywhere, "signed_out_everywhere", "An operator ended every session (details.count)"},
    {Kind::role_changed, "role_changed", "An operator changed the account's role (details.role)"},
    {Kind::breached_password_used, "breached_password_used",
     "A sign-in used a password found in data breaches (details.breach_count); the owner is emailed (once a week at most)"},
    {Kind::provider_linked, "provider_linked", "A sign-in provider was linked to the account (details.provider, details.email)"},
    {Kind::provider_unlinked, "provider_unlinked", "A sign-in provider was unlinked from the account (details.provider)"},
};
std::string_view name(Kind kind);

struct Event {
    std::string id;
    std::string kind;
    std::optional<std::string> user_id;   // none: a failed sign-in that named no account
    std::optional<std::string> actor_id;  // an operator acting on the account
    std::string ip;
    std::string device;
    std::optional<std::string> location_json;
    boost::json::object details;
    std::int64_t created_at = 0;
};

// Writes the event in `tx`, the transaction of the change it records; logs it once `tx`
// commits. `actor_id`: the operator who acted on the account.
void record(db::Transaction& tx, Kind kind, const std::optional<std::string>& user_id, const sessions::RequestMeta& meta,
            const boost::json::object& details = {}, std::int64_t now = 0,
            const std::optional<std::string>& actor_id = std::nullopt);

// When the user's latest event of `kind` was recorded (epoch ms), if there is one.
std::optional<std::int64_t> last_recorded(soci::session& sql, const std::string& user_id, Kind kind);

// Erasing the account: its events keep what happened and when, and lose where from and
// their details (a passkey's name...).
void anonymise(db::Transaction& tx, const std::string& user_id);

// A page of a user's events, newest first.
struct Page {
    std::vector<Event> events;
    std::optional<std::string> next_cursor;  // for the next (older) page; none: this was the last
};

class SecurityLog {
public:
    explicit SecurityLog(db::Pool& pool) : pool_(pool) {}
    // An event that changes nothing else (a failed sign-in), in a transaction of its own.
    void record(Kind kind, const std::optional<std::string>& user_id, const sessions::RequestMeta& meta,
                const boost::json::object& details = {});
    // Up to `limit` of the user's events older than `cursor` (a previous page's
    // next_cursor). Throws common::Refusal (invalid_input, field "cursor") for a cursor
    // that is not one.
    Page list(const std::string& user_id, const std::optional<std::string>& cursor, int limit);
    // Deletes the events recorded before `before` (epoch ms); how many went.
    std::size_t purge(std::int64_t before);

private:
    db::Pool& pool_;
};

}  // namespace audit
