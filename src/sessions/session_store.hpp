#pragma once
// Sessions and their bearer tokens: 32 CSPRNG bytes as 64 hex characters, of which only the
// sha256 is stored. A token lives as long as its session is neither logged out, revoked,
// idle past the idle timeout, nor older than the maximum age.
#include "db/pool.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sessions {

// Where a request came from; stored on sessions and shown in security emails.
struct RequestMeta {
    std::string ip;
    std::string user_agent;
    std::string device = "Unknown device";
    std::string device_key;                    // browser|os|device families
    std::optional<std::string> country_code;   // when the IP has a known location
    std::optional<std::string> location_json;  // {"city",...} or nullopt when unknown
    std::string location_text = "Unknown";
    std::string locale = "en";  // the best of the email languages for its Accept-Language

    // As JSON, for a sign-in that finishes in a later request (social sign-in, second factor).
    std::string to_json() const;
    // Missing or malformed members keep their defaults.
    static RequestMeta from_json(std::string_view json);
};

struct SessionRecord {
    std::string id;
    std::string user_id;
    std::string ip_address;
    std::string user_agent;
    std::string device;
    std::optional<std::string> location_json;
    std::int64_t created_at = 0;
    std::int64_t last_active_at = 0;
    std::optional<std::int64_t> logged_out_at;
};

// The session a valid token belongs to.
struct Authenticated {
    std::string session_id;
    std::string user_id;
    std::int64_t created_at = 0;  // the login time ("recent login" checks)
    std::int64_t last_active_at = 0;
};

struct SessionPolicy {
    std::chrono::milliseconds idle_timeout{std::chrono::hours(24 * 14)};
    std::chrono::milliseconds max_age{std::chrono::hours(24 * 30)};
    std::chrono::milliseconds activity_resolution{std::chrono::minutes(1)};  // last_active_at granularity
};

class SessionStore {
public:
    SessionStore(db::Pool& pool, SessionPolicy policy) : pool_(pool), policy_(policy) {}

    // Creates a session in the caller's transaction; returns {session id, plaintext token}.
    std::pair<std::string, std::string> create(soci::session& tx, const std::string& user_id, const RequestMeta& meta,
                                               std::int64_t now);
    // True when none of the user's earlier sessions was on this device (browser, OS and
    // device families) or, when the country is known, in this country.
    bool is_new_device(soci::session& tx, const std::string& user_id, const RequestMeta& meta);
    // The live session of a token, refreshing last_active_at at most once per minute.
    std::optional<Authenticated> authenticate(std::string_view token);
    // The policy half of authenticate() for a session row read by someone else's query (the
    // accounts module reads session and user in one statement): nullopt when it is idle
    // past the timeout or too old; refreshes last_active_at when due.
    std::optional<Authenticated> admit(db::Lease& lease, std::string id, std::string user_id, std::int64_t created,
                                       std::int64_t last_active);
    std::vector<SessionRecord> list(const std::string& user_id);
    // Logs out one of the user's sessions.
    enum class Revoked { not_theirs, already_ended, ended };
    Revoked revoke(db::Transaction& tx, const std::string& user_id, const std::string& session_id, std::int64_t now);
    // Logout: the token dies; the record stays (remember) or goes.
    void logout(db::Transaction& tx, const Authenticated& session, bool remember, std::int64_t now);
    // Kills every token of the user except `keep_session_id` (password change/reset, "sign
    // out everywhere else"); how many sessions ended.
    std::size_t revoke_all(db::Transaction& tx, const std::string& user_id, const std::string& keep_session_id, std::int64_t now);
    // The session's owner proved themselves again (password or second factor) at `now`.
    void mark_reauthenticated(db::Transaction& tx, const std::string& session_id, std::int64_t now);
    // When the session's owner last proved who they are: the later of its sign-in and its
    // last reauthentication (the "recent authentication" checks).
    std::int64_t last_proven_at(const Authenticated& session);
    const SessionPolicy& policy() const { return policy_; }
    // True when a session read earlier (created, last active) is still live at `now` and
    // needs no last_active_at refresh: admit() would accept it without touching the database.
    bool current(std::int64_t created, std::int64_t last_active, std::int64_t now) const;
    // Told the user's id once a revoke(), logout() or revoke_all() committed (the accounts
    // module keeps a cache of who a token belongs to).
    void on_change(std::function<void(const std::string& user_id)> hook) { changed_ = std::move(hook); }

private:
    db::Pool& pool_;
    SessionPolicy policy_;
    std::function<void(const std::string&)> changed_;
};

// True when `token` has the shape of one of ours (64 lowercase hex characters).
bool plausible_token(std::string_view token);

}  // namespace sessions
