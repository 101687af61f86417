#include "accounts/service.hpp"

#include "accounts/validation.hpp"
#include "common/time.hpp"
#include "common/refusal.hpp"
#include "common/text.hpp"
#include "jobs/outbox.hpp"
#include "notify/email.hpp"
#include "notify/locale.hpp"
#include "observe/log.hpp"
#include "security/hash.hpp"
#include "security/random.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <soci/soci.h>

#include <ctime>

namespace accounts {
namespace {

using sessions::RequestMeta;

int minutes(std::chrono::milliseconds d) { return static_cast<int>(d.count() / 60'000); }

common::Refusal invalid_code(const char* field) {
    return common::invalid_input("The code is invalid or has expired. Request a new one.", field);
}

common::Refusal reauthentication_required() {
    return common::Refusal(common::Refusal::Kind::needs_confirmation, "reauthentication_required",
                           "Confirm with your current password, or log in again within the last 10 minutes");
}

common::Refusal invalid_credentials() {
    return common::Refusal(common::Refusal::Kind::invalid, "invalid_credentials", "Incorrect login or password");
}

// What the sign_in_failed event of a refused disabled account says of how it tried.
std::string method_of(const boost::json::object& how) {
    const auto* method = how.if_contains("method");
    return method && method->is_string() ? std::string(method->as_string()) : "unknown";
}

// A unique-key race lost to a concurrent request: report it like the pre-check would.
bool is_unique_violation(const std::exception& e) {
    std::string m = e.what();
    return m.find("UNIQUE") != std::string::npos || m.find("unique") != std::string::npos ||
           m.find("duplicate") != std::string::npos;
}

// The failed-login counter's name for a login string that names no account: an email
// as accounts store it (case-insensitive), anything else lower-cased.
std::string login_key(const std::string& login) {
    if (login.find('@') != std::string::npos)
        if (auto email = normalize_email(login)) return common::ascii_lower(*email);
    return common::ascii_lower(login);
}

}  // namespace

DisabledAccount::DisabledAccount(std::string user_id, sessions::RequestMeta meta, std::string method)
    : common::Refusal(invalid_credentials()), user_id(std::move(user_id)), meta(std::move(meta)), method(std::move(method)) {}

std::string AccountService::require_email(const std::string& raw, const char* field) const {
    auto email = normalize_email(raw);
    if (!email) throw common::invalid_field(field, "value is not a valid email address", "value_error");
    return *email;
}

void AccountService::require_password_rules(const std::string& password, const char* field,
                                            const std::vector<std::string>& inputs) const {
    auto n = common::utf8_length(password);
    if (n < kPasswordMin) throw common::invalid_field(field, "String should have at least 8 characters", "string_too_short");
    if (n > kPasswordMax) throw common::invalid_field(field, "String should have at most 128 characters", "string_too_long");
    auto s = strength_.estimate(password, inputs);
    if (s.score < policy_.min_password_score) {
        boost::json::array suggestions;
        for (const auto& x : s.suggestions) suggestions.emplace_back(x);
        throw common::Refusal(
            common::Refusal::Kind::invalid, "invalid_input", "The password is too easy to guess",
            {{"field", field}, {"feedback", {{"warning", s.warning}, {"suggestions", std::move(suggestions)}}}});
    }
    if (!breaches_) return;
    const auto verdict = breaches_->check(password);
    if (verdict.breached())
        throw common::Refusal(common::Refusal::Kind::invalid, "password_breached",
                              "This password appears in known data breaches; choose one you use nowhere else",
                              {{"field", field}, {"breach_count", verdict.count}});
    if (verdict.result == security::BreachVerdict::Result::unknown && breaches_->fail_closed())
        throw common::Refusal(common::Refusal::Kind::unavailable, "unavailable",
                              "New passwords cannot be checked against known breaches right now; retry shortly");
}

void AccountService::require_reauthentication(const sessions::Authenticated& viewer, const User& user,
                                              const std::optional<std::string>& current_password) const {
    if (user.has_password()) {
        if (!current_password || current_password->empty()) throw reauthentication_required();
        if (!hasher_.verify(*user.password_hash, *current_password))
            throw common::invalid_input("The current password is incorrect", "current_password");
        return;
    }
    require_recent_authentication(viewer);
}

void AccountService::require_recent_authentication(const sessions::Authenticated& viewer) const {
    if (common::now_ms() - sessions_.last_proven_at(viewer) > policy_.recent_login_window.count())
        throw reauthentication_required();
}

bool AccountService::password_matches(const User& user, const std::string& password) const {
    if (!user.has_password()) {
        hasher_.verify_dummy(password);  // the same work either way
        return false;
    }
    return hasher_.verify(*user.password_hash, password);
}

void AccountService::require_code(db::Transaction& tx, codes::Purpose purpose, const std::string& email,
                                  const std::optional<std::string>& user_id, const std::string& code, const char* field,
                                  std::int64_t now) {
    auto check = codes_.check(tx.session(), purpose, email, user_id, code, now);
    // Consumed in the transaction of its effect, and only by one of concurrent requests.
    if (check.result == codes::CheckResult::ok && codes_.consume(tx.session(), check.code_id)) return;
    // Release the write lock first: the failed try is recorded in a transaction of its own
    // so it counts even though this request fails.
    tx.rollback();
    if (check.result == codes::CheckResult::wrong) codes_.record_failure(check.code_id);
    throw invalid_code(field);
}

void AccountService::request_email_verification(const std::string& raw_email, const RequestMeta& meta) {
    request_code({codes::Purpose::verify, require_email(raw_email, "email"), std::nullopt, origin(meta), meta.locale});
}

boost::json::object CodeRequest::to_json() const {
    boost::json::object o{
        {"purpose", codes::purpose_name(purpose)}, {"email", email}, {"vars", origin.vars()}, {"locale", locale}};
    if (user_id) o["user_id"] = *user_id;
    return o;
}

CodeRequest CodeRequest::from_json(std::string_view payload) {
    auto o = boost::json::parse(payload).as_object();
    CodeRequest r;
    auto purpose = codes::purpose_from(o.at("purpose").as_string());
    if (!purpose) throw std::invalid_argument("unknown code purpose");
    r.purpose = *purpose;
    r.email = std::string(o.at("email").as_string());
    if (auto* id = o.if_contains("user_id")) r.user_id = std::string(id->as_string());
    if (r.purpose == codes::Purpose::email_change && !r.user_id) throw std::invalid_argument("an email change names its user");
    r.origin = notify::Origin::from_vars(o.at("vars").as_object());
    if (auto* l = o.if_contains("locale"); l && l->is_string() && notify::supported_locale(l->as_string()))
        r.locale = l->as_string();
    return r;
}

// The request path only queues the request: one INSERT whether or not the address is
// registered, so neither the 202 nor its timing tells. The job looks the address up,
// makes the code and mails it, so a code is never written to the database in clear.
void AccountService::request_code(const CodeRequest& request, const std::function<void(db::Transaction&)>& also) {
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    jobs::Outbox::enqueue(tx.session(), kCodeRequestJob, boost::json::serialize(request.to_json()), notify::kEmailMaxAttempts);
    if (also) also(tx);
    tx.commit();
}

std::optional<notify::Outgoing> AccountService::fulfil(const CodeRequest& request) {
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    const auto now = common::now_ms();
    std::optional<notify::Outgoing> out;
    // The code is made here, in memory; only its hash is stored.
    auto code_for = [&](const std::string& to, const std::optional<std::string>& user_id, std::chrono::milliseconds ttl) {
        return codes_.issue(tx.session(), request.purpose, to, user_id, ttl, now);
    };
    switch (request.purpose) {
        case codes::Purpose::verify: {
            const auto ttl = policy_.verification_code_ttl;
            // The owner of a registered address is told someone tried; nobody gets a code.
            if (auto owner = users_.by_email(tx.session(), request.email))
                out = notify::Outgoing::of(request.email, notify::emails::EmailAlreadyRegistered{request.origin}, owner->locale);
            else
                out = notify::Outgoing::of(request.email,
                                           notify::emails::EmailVerificationRequest{
                                               request.origin, code_for(request.email, std::nullopt, ttl), minutes(ttl)},
                                           request.locale);
            break;
        }
        case codes::Purpose::reset:
            if (auto user = users_.by_email(tx.session(), request.email)) {
                const auto ttl = policy_.reset_code_ttl;
                out = notify::Outgoing::of(
                    user->email,
                    notify::emails::ResetPasswordRequest{request.origin, code_for(user->email, user->id, ttl), minutes(ttl)},
                    user->locale);
                sessions::RequestMeta from;
                from.ip = request.origin.ip;
                from.device = request.origin.device;
                audit::record(tx, audit::Kind::password_reset_requested, user->id, from, {}, now);
            }
            break;
        case codes::Purpose::email_change:
            // A taken address gets no code: the change could never complete.
            if (auto user = users_.by_id(tx.session(), *request.user_id); user && !users_.by_email(tx.session(), request.email)) {
                const auto ttl = policy_.verification_code_ttl;
                out = notify::Outgoing::of(request.email,
                                           notify::emails::EmailChangeRequest{
                                               request.origin, code_for(request.email, request.user_id, ttl), minutes(ttl)},
                                           user->locale);
            }
            break;
    }
    tx.commit();
    return out;
}

jobs::JobHandler code_request_handler(AccountService& accounts, const notify::EmailSender& sender) {
    return [&accounts, &sender](const jobs::Job& job) {
        CodeRequest request;
        try {
            request = CodeRequest::from_json(job.payload);
        } catch (const std::exception& e) {
            throw jobs::PermanentFailure(std::string("unreadable code request: ") + e.what());
        }
        // Database errors propagate: the job is retried. A retry after a failed send makes
        // a new code, which replaces the undelivered one.
        if (auto email = accounts.fulfil(request)) sender.send(job.id, *email);
        return jobs::Handled{job.payload};
    };
}

SignedIn AccountService::register_user(const Registration& r, const RequestMeta& meta) {
    // Field rules first (as the reference does), then strength, then the code.
    auto email = require_email(r.email, "email");
    if (!valid_username(r.username))
        throw common::invalid_field("username", "2-32 characters of letters, digits, '_', '.', '-', not only digits",
                                    "value_error");
    require_password_rules(r.password, "password", {email, r.username});
    auto hash = hasher_.hash(r.password);

    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    const auto now = common::now_ms();
    require_code(tx, codes::Purpose::verify, email, std::nullopt, r.code, "email_verification_code", now);
    if (users_.by_username(tx.session(), r.username)) throw common::invalid_input("This username is taken", "username");
    if (users_.by_email(tx.session(), email)) throw common::invalid_input("This email is already registered", "email");
    User u;
    u.id = security::uuid4();
    u.username = r.username;
    u.email = email;
    u.password_hash = hash;
    u.locale = meta.locale;
    u.created_at = u.updated_at = now;
    u.last_login_at = now;
    try {
        create_user(tx.session(), u);
        audit::record(tx, audit::Kind::registered, u.id, meta, {{"method", "password"}}, now);
    } catch (const std::exception& e) {
        if (is_unique_violation(e)) throw common::invalid_input("This username or email is taken", "username");
        throw;
    }
    users_.touch_login(tx, u.id, now);
    auto [session_id, token] = sessions_.create(tx.session(), u.id, meta, now);
    tx.commit();
    observe::info("accounts.registered", {{"user_id", u.id}, {"session_id", session_id}});
    return {token, u};
}

void AccountService::create_user(soci::session& tx, const User& user) {
    users_.insert(tx, user);
    notify::enqueue(tx, user.email, notify::emails::Onboarding{user.username}, user.locale);
}

void AccountService::identities_changed(db::Transaction& tx, const std::string& user_id, std::int64_t now) {
    users_.identities_changed(tx, user_id, now);
}

SignInOutcome AccountService::login(const std::string& login, const std::string& password, const RequestMeta& meta) {
    std::optional<User> user;
    {
        // No connection is held while Argon2 runs.
        auto lookup = pool_.acquire();
        user = login.find('@') != std::string::npos ? users_.by_email(*lookup, login) : users_.by_username(*lookup, login);
    }
    // Failures count per account when the login names one (its username and its email are
    // one counter), else per normalised login string, so unknown logins lock the same way
    // and the 429 says nothing about which accounts exist. The attempt is taken before
    // Argon2 runs, in one atomic step, so concurrent guesses never exceed the limit; a
    // right password gives it back.
    const auto attempt = take_attempt_of(user ? "user:" + user->id : "login:" + login_key(login));
    // Unknown login, password-less account, wrong password: the same answer after the same work.
    const bool ok =
        user && user->has_password() ? hasher_.verify(*user->password_hash, password) : (hasher_.verify_dummy(password), false);
    if (!ok) {
        record_failed_sign_in(user ? std::optional(user->id) : std::nullopt, meta, "password");
        throw invalid_credentials();
    }
    if (limiter_) limiter_->release(attempt);
    if (user->disabled_at) {  // the right password of a disabled account: a wrong password's answer
        record_failed_sign_in(user->id, meta, "password");
        throw invalid_credentials();
    }
    std::optional<std::string> rehashed;
    if (hasher_.needs_rehash(*user->password_hash)) rehashed = hasher_.hash(password);
    // The owner proved the password: whether it is a breached one tells an attacker nothing.
    const std::uint64_t breach_count = breaches_ ? breaches_->check(password).count : 0;
    auto outcome = recording_disabled([&] {
        auto lease = pool_.acquire();
        db::Transaction tx(lease);
        const auto now = common::now_ms();
        // Changed or reset while Argon2 ran: the password just verified is no longer the
        // account's. From here the account's row is locked (FOR UPDATE; SQLite: the write lock).
        if (!users_.password_still(tx.session(), user->id, user->password_hash)) throw invalid_credentials();
        // Disabled while Argon2 ran: sign_in must see the account as it is now, not as read above.
        auto current = users_.by_id(tx.session(), user->id);
        if (!current) throw invalid_credentials();
        if (rehashed) users_.set_password(tx, current->id, *rehashed, now);
        auto signed_in = sign_in(tx, *current, meta, now, "password", breach_count);
        if (breach_count) flag_breached_password(tx, *current, meta, now, breach_count);
        tx.commit();
        return signed_in;
    });
    if (rehashed) observe::info("accounts.password_rehashed", {{"user_id", user->id}});
    return outcome;
}

SignInOutcome AccountService::sign_in(db::Transaction& tx, User user, const RequestMeta& meta, std::int64_t now,
                                      std::string_view method, std::uint64_t password_breach_count) {
    // A disabled account: the same answer as a wrong password, whatever proved who it is.
    if (user.disabled_at) throw DisabledAccount(user.id, meta, std::string(method));
    if (!user.mfa_enabled) {
        auto signed_in = open_session(tx, std::move(user), meta, now, {{"method", method}});
        signed_in.password_breach_count = password_breach_count;
        return signed_in;
    }
    MfaChallenge challenge;
    challenge.ticket = security::random_hex(32);
    challenge.password_breach_count = password_breach_count;
    if (auto totp = factors_.totp(tx.session(), user.id); totp && totp->confirmed_at) challenge.methods.emplace_back("totp");
    if (passkeys_.count(tx.session(), user.id) > 0) challenge.methods.emplace_back("passkey");
    if (factors_.recovery_codes_left(tx.session(), user.id) > 0) challenge.methods.emplace_back("recovery_code");
    auto ticket_json = boost::json::parse(meta.to_json()).as_object();
    ticket_json["sign_in_method"] = method;
    if (password_breach_count) ticket_json["password_breach_count"] = password_breach_count;
    factors_.save_ticket(tx.session(), security::sha256_hex(challenge.ticket),
                         {user.id, boost::json::serialize(ticket_json), 0, now + policy_.mfa_ticket_ttl.count()}, now);
    observe::info("accounts.second_factor_required", {{"user_id", user.id}});
    return challenge;
}

TicketOrigin AccountService::ticket_origin(std::string_view ticket_json) {
    TicketOrigin origin{RequestMeta::from_json(ticket_json)};
    boost::system::error_code ec;
    auto parsed = boost::json::parse(ticket_json, ec);
    if (ec || !parsed.is_object()) return origin;
    const auto& o = parsed.as_object();
    if (const auto* m = o.if_contains("sign_in_method"); m && m->is_string()) origin.method = m->as_string();
    if (const auto* n = o.if_contains("password_breach_count")) {
        boost::system::error_code bad;
        const auto count = n->to_number<std::uint64_t>(bad);
        if (!bad) origin.password_breach_count = count;
    }
    return origin;
}

SignedIn AccountService::open_session(db::Transaction& tx, User user, const RequestMeta& meta, std::int64_t now,
                                      boost::json::object how) {
    // The account as it is now, its row locked until commit: a disable committed since the
    // caller read the account is seen here, and one that comes later waits, then ends this
    // session with the others.
    const auto may_sign_in = users_.lock_for_sign_in(tx.session(), user.id);
    if (!may_sign_in) throw invalid_credentials();  // erased meanwhile
    if (user.disabled_at || !*may_sign_in) throw DisabledAccount(user.id, meta, method_of(how));
    if (user.erase_after) {  // a sign-in keeps an account whose deletion is pending
        users_.set_erase_after(tx, user.id, std::nullopt, now);
        audit::record(tx, audit::Kind::account_deletion_cancelled, user.id, meta, {}, now);
        notify::enqueue(tx.session(), user.email, notify::emails::AccountDeletionCancelled{origin(meta)}, user.locale);
        user.erase_after.reset();
    }
    users_.touch_login(tx, user.id, now);
    const bool new_device = sessions_.is_new_device(tx.session(), user.id, meta);
    auto [session_id, token] = sessions_.create(tx.session(), user.id, meta, now);
    how["session_id"] = session_id;
    how["new_device"] = new_device;
    audit::record(tx, audit::Kind::signed_in, user.id, meta, how, now);
    if (new_device) {
        notify::enqueue(tx.session(), user.email,
                        notify::emails::NewLoginDevice{origin(meta), notify::email_time(now, user.locale)}, user.locale);
    }
    user.last_login_at = now;
    return {token, std::move(user)};
}

ratelimit::RateLimiter::Attempt AccountService::take_attempt_of(const std::string& who) {
    ratelimit::RateLimiter::Attempt attempt;
    if (!limiter_ || !policy_.login_failures) return attempt;
    attempt = limiter_->reserve("login-failures:" + who, *policy_.login_failures);
    if (!attempt.allowed) {
        common::Refusal refusal(common::Refusal::Kind::too_many, "rate_limited",
                                "Too many failed logins for this account; try again later", {{"is_primary", false}});
        refusal.retry_after_seconds = 60;
        throw refusal;
    }
    return attempt;
}

ratelimit::RateLimiter::Attempt AccountService::take_attempt(const std::string& user_id) {
    return take_attempt_of("user:" + user_id);
}

void AccountService::give_back(const ratelimit::RateLimiter::Attempt& attempt) {
    if (limiter_) limiter_->release(attempt);
}

notify::Origin origin(const sessions::RequestMeta& m) { return {m.ip, m.device, m.location_text}; }

void AccountService::use_cache(ViewerCache* cache) {
    cache_ = cache;
    auto forget = [cache](const std::string& user_id) {
        if (cache) cache->forget_user(user_id);
    };
    users_.on_change(forget);
    sessions_.on_change(forget);
}

namespace {
// A cached session that is due a last_active_at refresh, or past a timeout, goes to the
// database like an unknown one: the answer is the same as without the cache.
std::optional<std::pair<sessions::Authenticated, User>> from_cache(ViewerCache& cache, const sessions::SessionStore& sessions,
                                                                   const std::string& hash, bool counted = true) {
    auto hit = cache.find(hash, counted);
    if (!hit || !sessions.current(hit->session_created_at, hit->session_last_active_at, common::now_ms())) return std::nullopt;
    return std::pair{sessions::Authenticated{hit->session_id, hit->user.id, hit->session_created_at, hit->session_last_active_at},
                     hit->user};
}
}  // namespace

std::optional<std::pair<sessions::Authenticated, User>> AccountService::cached_viewer(std::string_view token) {
    if (!cache_ || !sessions::plausible_token(token)) return std::nullopt;
    // Counted only when it answers: otherwise viewer() asks again and counts the miss.
    auto hit = from_cache(*cache_, sessions_, security::sha256_hex(token), false);
    if (hit) cache_->count_hit();
    return hit;
}

std::optional<std::pair<sessions::Authenticated, User>> AccountService::viewer(std::string_view token) {
    if (!sessions::plausible_token(token)) return std::nullopt;
    const std::string hash = security::sha256_hex(token);
    ViewerCache::Ticket ticket;
    if (cache_) {
        if (auto hit = from_cache(*cache_, sessions_, hash)) return hit;
        ticket = cache_->ticket();  // before the read: a change after it keeps the row out
    }
    auto lease = pool_.acquire();
    auto row = users_.by_session_token_hash(lease, hash);
    if (!row) return std::nullopt;
    auto session =
        sessions_.admit(lease, std::move(row->session_id), row->user.id, row->session_created_at, row->session_last_active_at);
    if (!session) return std::nullopt;
    if (cache_) cache_->store(hash, {session->session_id, session->created_at, session->last_active_at, row->user}, ticket);
    return std::pair{std::move(*session), std::move(row->user)};
}

User AccountService::get(const std::string& user_id) {
    auto u = find(user_id);
    if (!u) throw common::Refusal(common::Refusal::Kind::unauthenticated, "unauthenticated", "The account no longer exists");
    return *u;
}

std::optional<User> AccountService::find(const std::string& user_id) {
    auto lease = pool_.acquire();
    return users_.by_id(lease, user_id);
}

User AccountService::change_username(const std::string& user_id, const std::string& username) {
    if (!valid_username(username))
        throw common::invalid_field("username", "2-32 characters of letters, digits, '_', '.', '-', not only digits",
                                    "value_error");
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    if (auto other = users_.by_username(tx.session(), username); other && other->id != user_id)
        throw common::invalid_input("This username is taken", "username");
    try {
        users_.set_username(tx, user_id, username, common::now_ms());
    } catch (const std::exception& e) {
        if (is_unique_violation(e)) throw common::invalid_input("This username is taken", "username");
        throw;
    }
    tx.commit();
    return *users_.by_id(*lease, user_id);
}

void AccountService::logout(const sessions::Authenticated& viewer, bool remember, const RequestMeta& meta) {
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    const auto now = common::now_ms();
    sessions_.logout(tx, viewer, remember, now);
    audit::record(tx, audit::Kind::signed_out, viewer.user_id, meta, {{"session_id", viewer.session_id}}, now);
    tx.commit();
}

bool AccountService::revoke_session(const sessions::Authenticated& viewer, const std::string& session_id,
                                    const RequestMeta& meta) {
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    const auto now = common::now_ms();
    const auto revoked = sessions_.revoke(tx, viewer.user_id, session_id, now);
    if (revoked == sessions::SessionStore::Revoked::ended)
        audit::record(tx, audit::Kind::session_revoked, viewer.user_id, meta, {{"session_id", session_id}}, now);
    tx.commit();
    return revoked != sessions::SessionStore::Revoked::not_theirs;
}

std::size_t AccountService::revoke_other_sessions(const sessions::Authenticated& viewer, const RequestMeta& meta) {
    require_recent_authentication(viewer);
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    const auto now = common::now_ms();
    const auto ended = sessions_.revoke_all(tx, viewer.user_id, viewer.session_id, now);
    audit::record(tx, audit::Kind::other_sessions_revoked, viewer.user_id, meta, {{"count", ended}}, now);
    tx.commit();
    return ended;
}

void AccountService::mark_reauthenticated(const sessions::Authenticated& viewer, const RequestMeta& meta,
                                          std::string_view method) {
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    const auto now = common::now_ms();
    sessions_.mark_reauthenticated(tx, viewer.session_id, now);
    audit::record(tx, audit::Kind::reauthenticated, viewer.user_id, meta, {{"method", method}}, now);
    tx.commit();
}

std::optional<std::int64_t> AccountService::request_deletion(const sessions::Authenticated& viewer, const RequestMeta& meta) {
    require_recent_authentication(viewer);
    auto user = get(viewer.user_id);
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    const auto now = common::now_ms();
    if (policy_.deletion_grace.count() == 0) {
        erase(tx, user, now);
        tx.commit();
        return std::nullopt;
    }
    const auto at = now + policy_.deletion_grace.count();
    users_.set_erase_after(tx, user.id, at, now);
    sessions_.revoke_all(tx, user.id, "", now);  // the caller's too
    audit::record(tx, audit::Kind::account_deletion_requested, user.id, meta, {{"erase_after", at}}, now);
    notify::enqueue(tx.session(), user.email,
                    notify::emails::AccountDeletionScheduled{origin(meta), notify::email_time(at, user.locale)}, user.locale);
    tx.commit();
    return at;
}

std::size_t AccountService::erase_due(std::int64_t now) {
    std::size_t erased = 0;
    for (;;) {
        std::vector<std::string> due;
        {
            auto lease = pool_.acquire();
            due = users_.due_for_erasure(*lease, now, 50);
        }
        if (due.empty()) return erased;
        for (const auto& id : due) {
            auto lease = pool_.acquire();
            db::Transaction tx(lease);
            auto user = users_.by_id(tx.session(), id);
            // Cancelled or erased by someone else meanwhile: nothing to do.
            if (!user || !user->erase_after || *user->erase_after > now) continue;
            erase(tx, *user, now);
            tx.commit();
            ++erased;
        }
    }
}

void AccountService::erase(db::Transaction& tx, const User& user, std::int64_t now, const Actor* actor) {
    // What the person's delivered emails showed: the IPs of their sessions, their username.
    std::vector<std::string> history{user.username};
    {
        soci::rowset<std::string> ips =
            (tx.session().prepare << "SELECT DISTINCT ip_address FROM sessions WHERE user_id = :u", soci::use(user.id));
        for (const auto& ip : ips) history.push_back(ip);
    }
    jobs::Outbox::forget(tx.session(), {user.email, user.id}, history);
    const auto email_key = common::ascii_lower(user.email);
    tx.session() << "DELETE FROM email_codes WHERE email_key = :e", soci::use(email_key);
    audit::anonymise(tx, user.id);
    users_.remove(tx, user.id);  // sessions, links, factors, passkeys, codes and tickets go with it
    sessions::RequestMeta nowhere;
    nowhere.device.clear();
    boost::json::object details;
    if (actor) details["by"] = actor->admin_id ? "admin" : "command line";
    audit::record(tx, audit::Kind::account_deleted, user.id, nowhere, details, now, actor ? actor->admin_id : std::nullopt);
    notify::enqueue(tx.session(), user.email, notify::emails::AccountDeleted{}, user.locale);
}

audit::Page AccountService::activity(const std::string& user_id, const std::optional<std::string>& cursor, int limit) {
    return log_.list(user_id, cursor, limit);
}

void AccountService::flag_breached_password(db::Transaction& tx, const User& user, const RequestMeta& meta, std::int64_t now,
                                            std::uint64_t breach_count) {
    constexpr std::int64_t kWeekMs = 7LL * 24 * 3600 * 1000;
    const auto last = audit::last_recorded(tx.session(), user.id, audit::Kind::breached_password_used);
    audit::record(tx, audit::Kind::breached_password_used, user.id, meta, {{"breach_count", breach_count}}, now);
    if (!last || now - *last >= kWeekMs)
        notify::enqueue(tx.session(), user.email, notify::emails::PasswordBreached{origin(meta), breach_count}, user.locale);
}

void AccountService::record_failed_sign_in(const std::optional<std::string>& user_id, const RequestMeta& meta,
                                           std::string_view method) {
    log_.record(audit::Kind::sign_in_failed, user_id, meta, {{"method", method}});
}

void AccountService::change_locale(const std::string& user_id, const std::string& locale) {
    if (!notify::supported_locale(locale)) throw common::invalid_field("locale", "Input should be a supported language", "enum");
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    users_.set_locale(tx, user_id, locale, common::now_ms());
    tx.commit();
}

User AccountService::change_password(const sessions::Authenticated& viewer, const std::optional<std::string>& current,
                                     const std::string& next, const RequestMeta& meta) {
    auto user = get(viewer.user_id);
    require_reauthentication(viewer, user, current);
    require_password_rules(next, "new_password", {user.email, user.username});
    auto hash = hasher_.hash(next);
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    const auto now = common::now_ms();
    // Compare-and-set on the hash that was verified: of concurrent changes made with the
    // same current password, one wins and the others are told their password is wrong.
    if (!users_.password_still(tx.session(), user.id, user.password_hash)) {
        if (user.has_password()) throw common::invalid_input("The current password is incorrect", "current_password");
        throw reauthentication_required();
    }
    users_.set_password(tx, user.id, hash, now);
    sessions_.revoke_all(tx, user.id, viewer.session_id, now);  // the caller's session stays
    notify::enqueue(tx.session(), user.email, notify::emails::PasswordChanged{origin(meta)}, user.locale);
    audit::record(tx, audit::Kind::password_changed, user.id, meta, {{"first", !user.has_password()}}, now);
    tx.commit();
    return *users_.by_id(*lease, user.id);
}

void AccountService::request_password_reset(const std::string& raw_email, const RequestMeta& meta) {
    request_code({codes::Purpose::reset, require_email(raw_email, "email"), std::nullopt, origin(meta)});
}

void AccountService::reset_password(const std::string& raw_email, const std::string& code, const std::string& new_password,
                                    const RequestMeta& meta) {
    auto email = require_email(raw_email, "email");
    std::optional<User> user;
    {
        auto lease = pool_.acquire();
        user = users_.by_email(*lease, email);
    }
    require_password_rules(new_password, "new_password",
                           user ? std::vector<std::string>{user->email, user->username} : std::vector<std::string>{email});
    if (!user) throw invalid_code("reset_code");
    auto hash = hasher_.hash(new_password);
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    const auto now = common::now_ms();
    require_code(tx, codes::Purpose::reset, user->email, user->id, code, "reset_code", now);
    users_.set_password(tx, user->id, hash, now);
    sessions_.revoke_all(tx, user->id, "", now);  // every session dies
    notify::enqueue(tx.session(), user->email, notify::emails::PasswordReset{origin(meta)}, user->locale);
    audit::record(tx, audit::Kind::password_reset, user->id, meta, {}, now);
    tx.commit();
}

void AccountService::request_email_change(const sessions::Authenticated& viewer, const std::string& raw_email,
                                          const std::optional<std::string>& current_password, const RequestMeta& meta) {
    auto email = require_email(raw_email, "email");
    auto user = get(viewer.user_id);
    require_reauthentication(viewer, user, current_password);
    request_code({codes::Purpose::email_change, email, user.id, origin(meta)},
                 [&](db::Transaction& tx) { audit::record(tx, audit::Kind::email_change_requested, user.id, meta); });
}

User AccountService::change_email(const sessions::Authenticated& viewer, const std::string& raw_email, const std::string& code,
                                  const RequestMeta& meta) {
    auto email = require_email(raw_email, "email");
    auto user = get(viewer.user_id);
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    const auto now = common::now_ms();
    require_code(tx, codes::Purpose::email_change, email, user.id, code, "email_verification_code", now);
    if (auto other = users_.by_email(tx.session(), email); other && other->id != user.id)
        throw common::invalid_input("This email is already registered", "email");
    users_.set_email(tx, user.id, email, now);
    notify::enqueue(tx.session(), user.email, notify::emails::EmailChanged{origin(meta), mask_email(email)},
                    user.locale);  // the OLD address
    audit::record(tx, audit::Kind::email_changed, user.id, meta, {}, now);
    tx.commit();
    return *users_.by_id(*lease, user.id);
}

}  // namespace accounts
