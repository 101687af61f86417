#include "oauth/store.hpp"

#include "security/random.hpp"

#include <soci/soci.h>

namespace oauth {
namespace {

// Both tables hold short-lived one-time rows; each write sweeps out the expired ones.
void prune_expired(soci::session& s, const std::string& table, std::int64_t now) {
    long long t = now;
    s << "DELETE FROM " + table + " WHERE expires_at < :now", soci::use(t);
}

// Whoever deletes the row redeems it: a concurrent redeemer deletes nothing.
bool delete_once(soci::session& s, const std::string& table, const std::string& key_column, const std::string& key) {
    soci::statement st = (s.prepare << "DELETE FROM " + table + " WHERE " + key_column + " = :k", soci::use(key));
    st.execute(true);
    return st.get_affected_rows() == 1;
}

}  // namespace

void OAuthStore::save_state(soci::session& s, const std::string& state_hash, const PendingSignIn& p, std::int64_t now) const {
    prune_expired(s, "oauth_states", now);
    long long expires = p.expires_at;
    const std::string link = p.link_user_id.value_or("");
    soci::indicator link_ind = p.link_user_id ? soci::i_ok : soci::i_null;
    s << "INSERT INTO oauth_states (state_hash, provider, browser_hash, redirect_to, expires_at, link_user_id) "
         "VALUES (:h, :p, :b, :r, :e, :l)",
        soci::use(state_hash), soci::use(p.provider), soci::use(p.browser_hash), soci::use(p.redirect_to), soci::use(expires),
        soci::use(link, link_ind);
}

std::optional<PendingSignIn> OAuthStore::find_state(soci::session& s, const std::string& state_hash) const {
    PendingSignIn p;
    long long expires = 0;
    std::string link;
    soci::indicator link_ind = soci::i_null;
    s << "SELECT provider, browser_hash, redirect_to, expires_at, link_user_id FROM oauth_states WHERE state_hash = :h",
        soci::into(p.provider), soci::into(p.browser_hash), soci::into(p.redirect_to), soci::into(expires),
        soci::into(link, link_ind), soci::use(state_hash);
    if (!s.got_data()) return std::nullopt;
    p.expires_at = expires;
    if (link_ind == soci::i_ok) p.link_user_id = link;
    return p;
}

bool OAuthStore::delete_state(soci::session& s, const std::string& state_hash) const {
    return delete_once(s, "oauth_states", "state_hash", state_hash);
}

void OAuthStore::save_login_code(soci::session& s, const std::string& code_hash, const LoginGrant& g, std::int64_t expires_at,
                                 std::int64_t now) const {
    prune_expired(s, "oauth_login_codes", now);
    long long expires = expires_at;
    s << "INSERT INTO oauth_login_codes (code_hash, user_id, provider, meta, expires_at) VALUES (:h, :u, :p, :m, :e)",
        soci::use(code_hash), soci::use(g.user_id), soci::use(g.provider), soci::use(g.meta_json), soci::use(expires);
}

std::optional<LoginGrant> OAuthStore::take_login_code(soci::session& s, const std::string& code_hash, std::int64_t now) const {
    LoginGrant g;
    long long expires = 0;
    s << "SELECT user_id, provider, meta, expires_at FROM oauth_login_codes WHERE code_hash = :h", soci::into(g.user_id),
        soci::into(g.provider), soci::into(g.meta_json), soci::into(expires), soci::use(code_hash);
    if (!s.got_data()) return std::nullopt;
    if (!delete_once(s, "oauth_login_codes", "code_hash", code_hash) || expires <= now) return std::nullopt;
    return g;
}

std::optional<std::string> OAuthStore::linked_user(soci::session& s, const std::string& provider,
                                                   const std::string& subject) const {
    std::string user_id;
    s << "SELECT user_id FROM oauth_accounts WHERE provider = :p AND "
         "provider_user_id = :s",
        soci::into(user_id), soci::use(provider), soci::use(subject);
    if (!s.got_data()) return std::nullopt;
    return user_id;
}

void OAuthStore::link(soci::session& s, const std::string& user_id, const std::string& provider, const std::string& subject,
                      const std::string& email, std::int64_t now) const {
    std::string id = security::uuid4();
    long long t = now;
    soci::indicator email_ind = email.empty() ? soci::i_null : soci::i_ok;
    s << "INSERT INTO oauth_accounts (id, user_id, provider, provider_user_id, email, created_at) "
         "VALUES (:id, :u, :p, :s, :e, :t)",
        soci::use(id), soci::use(user_id), soci::use(provider), soci::use(subject), soci::use(email, email_ind), soci::use(t);
}

bool OAuthStore::unlink(soci::session& s, const std::string& user_id, const std::string& provider) const {
    soci::statement st =
        (s.prepare << "DELETE FROM oauth_accounts WHERE user_id = :u AND provider = :p", soci::use(user_id), soci::use(provider));
    st.execute(true);
    return st.get_affected_rows() > 0;
}

}  // namespace oauth
