#include "audit/security_log.hpp"

#include "common/refusal.hpp"
#include "common/time.hpp"
#include "observe/log.hpp"
#include "security/random.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <soci/soci.h>

#include <cctype>

namespace audit {
namespace {

constexpr const char* kColumns = "id, kind, user_id, actor_id, ip_address, device, location, details, created_at";

// A page's cursor is its last event's id: ids are UUIDv7s, which sort by time, so the next
// page starts strictly after it whatever was recorded meanwhile.
bool plausible_id(std::string_view text) {
    if (text.size() != 36) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? text[i] != '-'
                 : !std::isxdigit(static_cast<unsigned char>(text[i])) || std::isupper(static_cast<unsigned char>(text[i])))
            return false;
    }
    return true;
}

std::optional<std::string> optional_text(const soci::row& r, std::size_t i) {
    if (r.get_indicator(i) != soci::i_ok) return std::nullopt;
    return r.get<std::string>(i);
}

}  // namespace

std::string_view name(Kind kind) {
    for (const auto& k : kKinds)
        if (k.kind == kind) return k.name;
    return "unknown";
}

void record(db::Transaction& tx, Kind kind, const std::optional<std::string>& user_id, const sessions::RequestMeta& meta,
            const boost::json::object& details, std::int64_t now, const std::optional<std::string>& actor_id) {
    long long at = now ? now : common::now_ms();
    const std::string id = security::uuid7(at), kind_name(name(kind)), details_text = boost::json::serialize(details);
    soci::indicator user_ind = user_id ? soci::i_ok : soci::i_null, actor_ind = actor_id ? soci::i_ok : soci::i_null,
                    location_ind = meta.location_json ? soci::i_ok : soci::i_null;
    const std::string user = user_id.value_or(""), actor = actor_id.value_or(""), location = meta.location_json.value_or("");
    tx.session() << "INSERT INTO security_events (id, kind, user_id, actor_id, ip_address, device, location, details, "
                    "created_at) VALUES (:id, :kind, :user, :actor, :ip, :device, :location, :details, :at)",
        soci::use(id), soci::use(kind_name), soci::use(user, user_ind), soci::use(actor, actor_ind), soci::use(meta.ip),
        soci::use(meta.device), soci::use(location, location_ind), soci::use(details_text), soci::use(at);
    tx.after_commit(
        [id, kind_name, user, actor, ip = meta.ip, device = meta.device, country = meta.country_code.value_or(""), details_text] {
            observe::info("security." + kind_name, {{"event_id", id},
                                                    {"user_id", user},
                                                    {"actor_id", actor},
                                                    {"ip", ip},
                                                    {"device", device},
                                                    {"country", country},
                                                    {"details", details_text}});
        });
}

std::optional<std::int64_t> last_recorded(soci::session& sql, const std::string& user_id, Kind kind) {
    long long at = 0;
    soci::indicator ind = soci::i_null;
    const std::string kind_name(name(kind));
    sql << "SELECT MAX(created_at) FROM security_events WHERE user_id = :u AND kind = :k", soci::into(at, ind),
        soci::use(user_id), soci::use(kind_name);
    if (ind != soci::i_ok) return std::nullopt;
    return at;
}

void anonymise(db::Transaction& tx, const std::string& user_id) {
    tx.session() << "UPDATE security_events SET ip_address = NULL, device = NULL, location = NULL, details = '{}' "
                    "WHERE user_id = :u",
        soci::use(user_id);
}

void SecurityLog::record(Kind kind, const std::optional<std::string>& user_id, const sessions::RequestMeta& meta,
                         const boost::json::object& details) {
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    audit::record(tx, kind, user_id, meta, details);
    tx.commit();
}

Page SecurityLog::list(const std::string& user_id, const std::optional<std::string>& cursor, int limit) {
    if (cursor && !plausible_id(*cursor)) throw common::invalid_input("cursor is not one this API gave out", "cursor");
    // Past every id: "g" sorts after any hex digit.
    const std::string after = cursor.value_or("g");
    const int fetch = limit + 1;  // one more tells whether another page follows
    auto lease = pool_.acquire();
    soci::rowset<soci::row> rows = (lease->prepare << "SELECT " << kColumns
                                                   << " FROM security_events WHERE user_id = :u AND id < :after "
                                                      "ORDER BY id DESC LIMIT :n",
                                    soci::use(user_id), soci::use(after), soci::use(fetch));
    Page page;
    for (const auto& r : rows) {
        Event e;
        e.id = r.get<std::string>(0);
        e.kind = r.get<std::string>(1);
        e.user_id = optional_text(r, 2);
        e.actor_id = optional_text(r, 3);
        e.ip = optional_text(r, 4).value_or("");
        e.device = optional_text(r, 5).value_or("");
        e.location_json = optional_text(r, 6);
        boost::system::error_code ec;
        auto parsed = boost::json::parse(optional_text(r, 7).value_or("{}"), ec);
        if (!ec && parsed.is_object()) e.details = std::move(parsed.as_object());
        e.created_at = r.get<long long>(8);
        page.events.push_back(std::move(e));
    }
    if (static_cast<int>(page.events.size()) > limit) {
        page.events.pop_back();
        page.next_cursor = page.events.back().id;
    }
    return page;
}

std::size_t SecurityLog::purge(std::int64_t before) {
    auto lease = pool_.acquire();
    long long t = before;
    soci::statement st = (lease->prepare << "DELETE FROM security_events WHERE created_at < :t", soci::use(t));
    st.execute(true);
    return static_cast<std::size_t>(st.get_affected_rows());
}

}  // namespace audit
