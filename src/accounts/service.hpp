#pragma once
// The account rules (docs/api.md): registration with an emailed code, login, password change,
// set and reset, username and email change. Every change that must notify someone writes
// its email job in the same transaction.
#include "accounts/users.hpp"
#include "audit/security_log.hpp"
#include "accounts/viewer_cache.hpp"
#include "codes/email_codes.hpp"
#include "db/pool.hpp"
#include "jobs/worker.hpp"
#include "mfa/passkey_store.hpp"
#include "mfa/store.hpp"
#include "notify/email.hpp"
#include "ratelimit/limiter.hpp"
#include "security/password_hasher.hpp"
#include "security/breached.hpp"
#include "security/strength.hpp"
#include "sessions/session_store.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace accounts {

// The job that answers a code request (verification, reset, email change) off the
// request path: it decides what to send, makes the code and mails it.
inline constexpr const char* kCodeRequestJob = "code-request";

// A code request as its job carries it: what for, to which address, for which user (an
// email change), and where the request came from.
struct CodeRequest {
    codes::Purpose purpose = codes::Purpose::verify;
    std::string email;
    std::optional<std::string> user_id;
    notify::Origin origin;      // the requester, for the email and the security event
    std::string locale = "en";  // the requester's language (a registration's email)

    boost::json::object to_json() const;
    // Throws on a payload that is not one (the job then fails for good).
    static CodeRequest from_json(std::string_view payload);
};

// Where a request came from, as security emails show it.
notify::Origin origin(const sessions::RequestMeta& meta);

struct AccountPolicy {
    std::chrono::milliseconds verification_code_ttl{std::chrono::minutes(10)};
    std::chrono::milliseconds reset_code_ttl{std::chrono::minutes(5)};
    std::chrono::milliseconds recent_login_window{std::chrono::minutes(10)};
    std::chrono::milliseconds mfa_ticket_ttl{std::chrono::minutes(5)};
    int mfa_ticket_attempts = 5;  // wrong second factors before the ticket dies
    int min_password_score = 3;
    std::chrono::milliseconds deletion_grace{std::chrono::hours(24 * 7)};  // 0: erased at once
    std::optional<ratelimit::Limit> login_failures;                        // per account (login string), e.g. 10/15minute
};

struct Registration {
    std::string email;
    std::string code;
    std::string username;
    std::string password;
};

// Who acts on an account that is not theirs: an operator through /api/admin (their user
// id), or the command line (no id).
struct Actor {
    std::optional<std::string> admin_id;
    sessions::RequestMeta meta;
};

// A page of users for operators, by username.
struct UserPage {
    std::vector<User> users;
    std::optional<std::string> next_cursor;  // the last username; none: this was the last page
};

struct SignedIn {
    std::string token;
    User user;
    std::uint64_t password_breach_count = 0;  // the password just used appears in breaches this often
};

// A sign-in whose first factor was proven and whose second is owed: the ticket to finish
// it with (POST /api/auth/login/mfa) and the factors the account has.
struct MfaChallenge {
    std::string ticket;
    std::vector<std::string> methods;         // "totp", "recovery_code", "passkey"
    std::uint64_t password_breach_count = 0;  // as SignedIn's
};
using SignInOutcome = std::variant<SignedIn, MfaChallenge>;

// What a second-factor ticket remembers of the sign-in's first step.
struct TicketOrigin {
    sessions::RequestMeta meta;               // the client that proved the first factor
    std::string method = "password";          // sign_in's `method`: password, or the provider
    std::uint64_t password_breach_count = 0;  // the first step's flag, repeated on the last answer
};

// The refusal of a sign-in that reached a disabled account: the answer of a wrong password,
// carrying what its sign_in_failed event says. Thrown inside the sign-in's transaction; the
// event is written by AccountService::recording_disabled once that transaction rolled back.
class DisabledAccount : public common::Refusal {
public:
    DisabledAccount(std::string user_id, sessions::RequestMeta meta, std::string method);
    std::string user_id;
    sessions::RequestMeta meta;
    std::string method;
};

class AccountService {
public:
    AccountService(db::Pool& pool, const security::PasswordHasher& hasher, const security::StrengthEstimator& strength,
                   sessions::SessionStore& sessions, codes::EmailCodes& codes, AccountPolicy policy,
                   ratelimit::RateLimiter* limiter = nullptr)
        : pool_(pool),
          hasher_(hasher),
          strength_(strength),
          sessions_(sessions),
          codes_(codes),
          policy_(std::move(policy)),
          limiter_(limiter),
          log_(pool) {}

    void request_email_verification(const std::string& email, const sessions::RequestMeta& meta);
    // A queued code request's email (kCodeRequestJob): the code is made here, in memory,
    // and only its hash stored; nullopt when nothing is to be sent (an unknown address for
    // a reset, a taken address for an email change).
    std::optional<notify::Outgoing> fulfil(const CodeRequest& request);
    SignedIn register_user(const Registration& r, const sessions::RequestMeta& meta);
    SignInOutcome login(const std::string& login, const std::string& password, const sessions::RequestMeta& meta);

    // Creates `user` in the caller's transaction and queues the onboarding email: the one
    // way an account is made (registration, social sign-in). Throws what the insert throws
    // (a unique violation when a concurrent request took the username or email).
    void create_user(soci::session& tx, const User& user);
    // An identity was linked to or unlinked from the user in `tx` (oauth_accounts): their
    // linked_providers changed, so, as with every account write, updated_at moves and the
    // servers' cached copies of the user are forgotten at commit.
    void identities_changed(db::Transaction& tx, const std::string& user_id, std::int64_t now);
    // Starts a session for `user` in `tx` as every sign-in does: records the login time and
    // the signed_in event (`how`: its details, e.g. {"method": "passkey"}), and emails the
    // new-login-device alert when this device or country is new for them.
    SignedIn open_session(db::Transaction& tx, User user, const sessions::RequestMeta& meta, std::int64_t now,
                          boost::json::object how);
    // Finishes a sign-in whose first factor was proven (`method`: password, or the social
    // provider): a session, or a second-factor ticket when the account has a factor. A
    // breached password's count goes on the answer, and on the ticket for the last answer.
    SignInOutcome sign_in(db::Transaction& tx, User user, const sessions::RequestMeta& meta, std::int64_t now,
                          std::string_view method, std::uint64_t password_breach_count = 0);
    // What a second-factor ticket's saved JSON says of the sign-in's first step.
    static TicketOrigin ticket_origin(std::string_view ticket_json);
    // Refuses (reauthentication_required) unless the session proved its owner within the
    // recent-login window: signed in, or reauthenticated, in the last 10 minutes.
    void require_recent_authentication(const sessions::Authenticated& viewer) const;
    // True when `password` is the user's (false for an account without one). Argon2.
    bool password_matches(const User& user, const std::string& password) const;
    const AccountPolicy& policy() const { return policy_; }
    // One attempt at signing in to the account (a password or a second factor), taken from
    // its failed-login allowance before the check; refused (429) when that is used up.
    // give_back() it when the attempt succeeded, so that only failures count.
    ratelimit::RateLimiter::Attempt take_attempt(const std::string& user_id);
    void give_back(const ratelimit::RateLimiter::Attempt& attempt);

    // The caller behind a bearer token and their user, read in one statement (the
    // authenticated GET /api/users/@me); nullopt when the token is not a live session's.
    // Answered from `cache` when one is set and holds the token.
    std::optional<std::pair<sessions::Authenticated, User>> viewer(std::string_view token);
    // viewer() from the cache alone, never blocking: nullopt when the cache cannot answer
    // (no cache, not cached, due a last_active_at refresh, or not a live token at all).
    std::optional<std::pair<sessions::Authenticated, User>> cached_viewer(std::string_view token);
    // Keeps viewer() answers in `cache`, which the user and session stores then tell of
    // every change they commit (other servers hear of it through the database). Null: none
    // (the default).
    void use_cache(ViewerCache* cache);
    // Checks new passwords against known breaches (refused) and flags breached ones at login.
    void use_breach_check(security::BreachedPasswords* breaches) { breaches_ = breaches; }
    User get(const std::string& user_id);
    std::optional<User> find(const std::string& user_id);
    User change_username(const std::string& user_id, const std::string& username);
    // One of notify::kLocales (the API checks it first).
    void change_locale(const std::string& user_id, const std::string& locale);

    // Sessions: logout, one revoked, every other one ended (needs a recent sign-in; how
    // many ended). Each is a security event.
    void logout(const sessions::Authenticated& viewer, bool remember, const sessions::RequestMeta& meta);
    // False when the session is not the caller's.
    bool revoke_session(const sessions::Authenticated& viewer, const std::string& session_id, const sessions::RequestMeta& meta);
    std::size_t revoke_other_sessions(const sessions::Authenticated& viewer, const sessions::RequestMeta& meta);
    // The session's owner proved themselves again (`method`: password, totp or passkey).
    void mark_reauthenticated(const sessions::Authenticated& viewer, const sessions::RequestMeta& meta, std::string_view method);
    // DELETE /api/users/@me (needs a recent sign-in): every session ends at once and the
    // account's data is erased after the grace period, unless a sign-in comes first. When
    // it will be erased (nullopt: it was, now).
    std::optional<std::int64_t> request_deletion(const sessions::Authenticated& viewer, const sessions::RequestMeta& meta);
    // Erases the accounts whose grace period is over (the worker runs it); how many.
    std::size_t erase_due(std::int64_t now);
    // Operators (src/accounts/administration.cpp). Each change is a security event naming
    // the actor; each throws common::Refusal not_found for an unknown user.
    // Users whose username or email starts with `prefix` (empty: everyone).
    UserPage search(const std::string& prefix, int limit, const std::optional<std::string>& cursor);
    // A user by id, email or username (the command line's way to name one).
    std::optional<User> lookup(const std::string& id_email_or_username);
    // Disabled: every session ends and every sign-in is refused as a wrong password would be.
    User set_disabled(const std::string& user_id, bool disabled, const Actor& actor);
    // Ends every session; how many.
    std::size_t sign_out_everywhere(const std::string& user_id, const Actor& actor);
    // Erases the account now.
    void erase_now(const std::string& user_id, const Actor& actor);
    // Emails the user a password reset code, as if they had asked.
    void send_password_reset(const std::string& user_id, const Actor& actor);
    User set_role(const std::string& user_id, const std::string& role, const Actor& actor);

    // The user's security activity, newest first (audit::SecurityLog::list).
    audit::Page activity(const std::string& user_id, const std::optional<std::string>& cursor, int limit);
    // A wrong password or second factor for `user_id` (none: the login named no account).
    void record_failed_sign_in(const std::optional<std::string>& user_id, const sessions::RequestMeta& meta,
                               std::string_view method);
    // Runs `attempt`, a sign-in (passkey, provider, second step) whose transaction may meet a
    // disabled account (sign_in and open_session throw DisabledAccount): the failure is
    // recorded after that transaction has rolled back, since the event takes a connection
    // of its own, and the refusal goes on to the caller.
    template <class Attempt>
    auto recording_disabled(Attempt&& attempt) -> decltype(attempt()) {
        try {
            return attempt();
        } catch (const DisabledAccount& refused) {
            record_failed_sign_in(refused.user_id, refused.meta, refused.method);
            throw;
        }
    }
    User change_password(const sessions::Authenticated& viewer, const std::optional<std::string>& current,
                         const std::string& next, const sessions::RequestMeta& meta);

    void request_password_reset(const std::string& email, const sessions::RequestMeta& meta);
    void reset_password(const std::string& email, const std::string& code, const std::string& new_password,
                        const sessions::RequestMeta& meta);

    void request_email_change(const sessions::Authenticated& viewer, const std::string& email,
                              const std::optional<std::string>& current_password, const sessions::RequestMeta& meta);
    User change_email(const sessions::Authenticated& viewer, const std::string& email, const std::string& code,
                      const sessions::RequestMeta& meta);

private:
    // Erases one account in `tx`: the user's row and everything that references it, the
    // jobs that name them, codes sent to their address; their events lose IP and device.
    // `actor`: the operator who erased it (null: its owner's request).
    void erase(db::Transaction& tx, const User& user, std::int64_t now, const Actor* actor = nullptr);
    User require_user(soci::session& s, const std::string& user_id) const;
    std::string require_email(const std::string& raw, const char* field) const;
    void require_password_rules(const std::string& password, const char* field, const std::vector<std::string>& inputs) const;
    void require_reauthentication(const sessions::Authenticated& viewer, const User& user,
                                  const std::optional<std::string>& current_password) const;
    // Queues the code request's job; `also` writes in the same transaction (its security event).
    void request_code(const CodeRequest& request, const std::function<void(db::Transaction&)>& also = nullptr);
    ratelimit::RateLimiter::Attempt take_attempt_of(const std::string& who);
    // A sign-in used a breached password: the event, and the owner's email unless one went
    // out in the last week.
    void flag_breached_password(db::Transaction& tx, const User& user, const sessions::RequestMeta& meta, std::int64_t now,
                                std::uint64_t breach_count);
    void require_code(db::Transaction& tx, codes::Purpose purpose, const std::string& email,
                      const std::optional<std::string>& user_id, const std::string& code, const char* field, std::int64_t now);

    db::Pool& pool_;
    const security::PasswordHasher& hasher_;
    const security::StrengthEstimator& strength_;
    sessions::SessionStore& sessions_;
    codes::EmailCodes& codes_;
    AccountPolicy policy_;
    ratelimit::RateLimiter* limiter_;
    audit::SecurityLog log_;
    UserRepository users_;
    mfa::FactorStore factors_;
    mfa::PasskeyStore passkeys_;
    ViewerCache* cache_ = nullptr;
    security::BreachedPasswords* breaches_ = nullptr;
};

// The worker's handler for kCodeRequestJob jobs.
jobs::JobHandler code_request_handler(AccountService& accounts, const notify::EmailSender& sender);

}  // namespace accounts
