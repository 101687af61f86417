#include "sessions/session_store.hpp"

#include "common/time.hpp"
#include "security/hash.hpp"
#include "security/random.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <soci/soci.h>

namespace sessions {

std::string RequestMeta::to_json() const {
    const auto& m = *this;
    boost::json::object o{{"ip", m.ip},
                          {"user_agent", m.user_agent},
                          {"device", m.device},
                          {"device_key", m.device_key},
                          {"location_text", m.location_text},
                          {"locale", m.locale}};
    if (m.country_code) o["country_code"] = *m.country_code;
    if (m.location_json) o["location_json"] = *m.location_json;
    return boost::json::serialize(o);
}

RequestMeta RequestMeta::from_json(std::string_view text) {
    RequestMeta m;
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec || !v.is_object()) return m;
    const auto& o = v.as_object();
    auto get = [&](const char* name) -> std::optional<std::string> {
        auto it = o.find(name);
        if (it == o.end() || !it->value().is_string()) return std::nullopt;
        return std::string(it->value().as_string());
    };
    m.ip = get("ip").value_or("");
    m.user_agent = get("user_agent").value_or("");
    m.device = get("device").value_or(m.device);
    m.device_key = get("device_key").value_or("");
    m.locale = get("locale").value_or(m.locale);
    m.location_text = get("location_text").value_or(m.location_text);
    m.country_code = get("country_code");
    m.location_json = get("location_json");
    return m;
}
namespace {

// token hash -> live session: runs on every authenticated request, so it is prepared once
// per connection.
struct SessionByToken : db::Prepared {
    std::string hash, id, user_id;
    long long created = 0, active = 0;
    soci::statement st;
    explicit SessionByToken(soci::session& s)
        : st((s.prepare << "SELECT id, user_id, created_at, last_active_at FROM sessions "
                           "WHERE token_hash = :h AND logged_out_at IS NULL",
              soci::use(hash), soci::into(id), soci::into(user_id), soci::into(created), soci::into(active))) {}
};

}  // namespace

bool plausible_token(std::string_view token) {
    if (token.size() != 64) return false;
    for (char c : token)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

std::pair<std::string, std::string> SessionStore::create(soci::session& tx, const std::string& user_id, const RequestMeta& meta,
                                                         std::int64_t now) {
    std::string id = security::uuid4();
    std::string token = security::random_hex(32);
    std::string hash = security::sha256_hex(token);
    std::string location = meta.location_json.value_or("");
    soci::indicator loc_ind = meta.location_json ? soci::i_ok : soci::i_null;
    long long t = now;
    std::string country = meta.country_code.value_or("");
    soci::indicator country_ind = meta.country_code ? soci::i_ok : soci::i_null;
    tx << "INSERT INTO sessions (id, user_id, token_hash, ip_address, user_agent, device, device_key, country_code, location, "
          "created_at, last_active_at) "
          "VALUES (:id, :user_id, :hash, :ip, :ua, :device, :key, :country, :location, :created, :active)",
        soci::use(id), soci::use(user_id), soci::use(hash), soci::use(meta.ip), soci::use(meta.user_agent),
        soci::use(meta.device), soci::use(meta.device_key), soci::use(country, country_ind), soci::use(location, loc_ind),
        soci::use(t), soci::use(t);
    return {id, token};
}

bool SessionStore::is_new_device(soci::session& tx, const std::string& user_id, const RequestMeta& meta) {
    int same_device = 0;
    tx << "SELECT COUNT(*) FROM sessions WHERE user_id = :u AND device_key = :k", soci::use(user_id), soci::use(meta.device_key),
        soci::into(same_device);
    if (same_device == 0) return true;
    if (!meta.country_code) return false;
    int same_country = 0;
    tx << "SELECT COUNT(*) FROM sessions WHERE user_id = :u AND country_code = :c", soci::use(user_id),
        soci::use(*meta.country_code), soci::into(same_country);
    return same_country == 0;
}

std::optional<Authenticated> SessionStore::authenticate(std::string_view token) {
    if (!plausible_token(token)) return std::nullopt;
    auto lease = pool_.acquire();
    auto& q = lease.prepared<SessionByToken>();
    q.hash = security::sha256_hex(token);
    if (!q.st.execute(true)) return std::nullopt;  // no row: the into variables keep stale values
    std::string id = q.id, user_id = q.user_id;
    const std::int64_t created = q.created, active = q.active;
    db::finish(q.st);
    return admit(lease, std::move(id), std::move(user_id), created, active);
}

std::optional<Authenticated> SessionStore::admit(db::Lease& lease, std::string id, std::string user_id, std::int64_t created,
                                                 std::int64_t last_active) {
    const long long now = common::now_ms();
    if (now - last_active > policy_.idle_timeout.count() || now - created > policy_.max_age.count()) return std::nullopt;
    if (now - last_active >= policy_.activity_resolution.count()) {
        *lease << "UPDATE sessions SET last_active_at = :now WHERE id = :id", soci::use(now), soci::use(id);
        last_active = now;
    }
    return Authenticated{std::move(id), std::move(user_id), created, last_active};
}

bool SessionStore::current(std::int64_t created, std::int64_t last_active, std::int64_t now) const {
    return now - last_active < policy_.activity_resolution.count() && now - last_active <= policy_.idle_timeout.count() &&
           now - created <= policy_.max_age.count();
}

std::vector<SessionRecord> SessionStore::list(const std::string& user_id) {
    auto lease = pool_.acquire();
    soci::rowset<soci::row> rows =
        (lease->prepare
             << "SELECT id, user_id, ip_address, user_agent, device, location, created_at, last_active_at, logged_out_at "
                "FROM sessions WHERE user_id = :u ORDER BY created_at DESC, id",
         soci::use(user_id));
    std::vector<SessionRecord> out;
    for (const auto& r : rows) {
        SessionRecord s;
        s.id = r.get<std::string>(0);
        s.user_id = r.get<std::string>(1);
        s.ip_address = r.get<std::string>(2);
        s.user_agent = r.get<std::string>(3);
        s.device = r.get<std::string>(4);
        if (r.get_indicator(5) == soci::i_ok) s.location_json = r.get<std::string>(5);
        s.created_at = r.get<long long>(6);
        s.last_active_at = r.get<long long>(7);
        if (r.get_indicator(8) == soci::i_ok) s.logged_out_at = r.get<long long>(8);
        out.push_back(std::move(s));
    }
    return out;
}

SessionStore::Revoked SessionStore::revoke(db::Transaction& tx, const std::string& user_id, const std::string& session_id,
                                           std::int64_t now) {
    long long t = now;
    soci::statement st = (tx.session().prepare << "UPDATE sessions SET token_hash = NULL, logged_out_at = :now "
                                                  "WHERE id = :id AND user_id = :u AND logged_out_at IS NULL",
                          soci::use(t), soci::use(session_id), soci::use(user_id));
    st.execute(true);
    if (st.get_affected_rows() > 0) {
        if (changed_) tx.after_commit([hook = changed_, user_id] { hook(user_id); });
        return Revoked::ended;
    }
    int found = 0;
    tx.session() << "SELECT COUNT(*) FROM sessions WHERE id = :id AND user_id = :u", soci::into(found), soci::use(session_id),
        soci::use(user_id);
    return found ? Revoked::already_ended : Revoked::not_theirs;
}

void SessionStore::logout(db::Transaction& tx, const Authenticated& session, bool remember, std::int64_t now) {
    long long t = now;
    if (remember)
        tx.session() << "UPDATE sessions SET token_hash = NULL, logged_out_at = :now WHERE id = :id", soci::use(t),
            soci::use(session.session_id);
    else
        tx.session() << "DELETE FROM sessions WHERE id = :id", soci::use(session.session_id);
    if (changed_) tx.after_commit([hook = changed_, user_id = session.user_id] { hook(user_id); });
}

std::size_t SessionStore::revoke_all(db::Transaction& tx, const std::string& user_id, const std::string& keep_session_id,
                                     std::int64_t now) {
    long long t = now;
    if (changed_) tx.after_commit([hook = changed_, user_id] { hook(user_id); });
    soci::statement st = (tx.session().prepare << "UPDATE sessions SET token_hash = NULL, logged_out_at = :now "
                                                  "WHERE user_id = :u AND id <> :keep AND logged_out_at IS NULL",
                          soci::use(t), soci::use(user_id), soci::use(keep_session_id));
    st.execute(true);
    return static_cast<std::size_t>(st.get_affected_rows());
}

void SessionStore::mark_reauthenticated(db::Transaction& tx, const std::string& session_id, std::int64_t now) {
    long long t = now;
    tx.session() << "UPDATE sessions SET reauthenticated_at = :t WHERE id = :id", soci::use(t), soci::use(session_id);
}

std::int64_t SessionStore::last_proven_at(const Authenticated& session) {
    auto lease = pool_.acquire();
    long long at = 0;
    soci::indicator ind = soci::i_null;
    *lease << "SELECT reauthenticated_at FROM sessions WHERE id = :id", soci::into(at, ind), soci::use(session.session_id);
    return ind == soci::i_ok ? std::max<std::int64_t>(at, session.created_at) : session.created_at;
}

}  // namespace sessions
