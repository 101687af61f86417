// What operators may do to an account (the command line's `starter users`, and /api/admin):
// find it, disable or enable it, end its sessions, erase it, send a reset code, change its
// role. Each change is a security event that names the operator.
#include "accounts/service.hpp"

#include "common/refusal.hpp"
#include "common/time.hpp"
#include "observe/log.hpp"

namespace accounts {

User AccountService::require_user(soci::session& s, const std::string& user_id) const {
    auto user = users_.by_id(s, user_id);
    if (!user) throw common::Refusal(common::Refusal::Kind::not_found, "not_found", "No such user");
    return *user;
}

UserPage AccountService::search(const std::string& prefix, int limit, const std::optional<std::string>& cursor) {
    auto lease = pool_.acquire();
    UserPage page;
    page.users = users_.search(*lease, prefix, cursor.value_or(""), limit + 1);
    if (static_cast<int>(page.users.size()) > limit) {
        page.users.pop_back();
        page.next_cursor = page.users.back().username;
    }
    return page;
}

std::optional<User> AccountService::lookup(const std::string& key) {
    auto lease = pool_.acquire();
    if (auto by_id = users_.by_id(*lease, key)) return by_id;
    if (key.find('@') != std::string::npos) return users_.by_email(*lease, key);
    return users_.by_username(*lease, key);
}

User AccountService::set_disabled(const std::string& user_id, bool disabled, const Actor& actor) {
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    const auto now = common::now_ms();
    auto user = require_user(tx.session(), user_id);
    if (user.disabled_at.has_value() != disabled) {
        users_.set_disabled(tx, user.id, disabled ? std::optional(now) : std::nullopt, now);
        std::size_t ended = 0;
        if (disabled) ended = sessions_.revoke_all(tx, user.id, "", now);
        audit::record(tx, disabled ? audit::Kind::account_disabled : audit::Kind::account_enabled, user.id, actor.meta,
                      disabled ? boost::json::object{{"sessions_ended", ended}} : boost::json::object{}, now, actor.admin_id);
    }
    tx.commit();
    return *users_.by_id(*lease, user_id);
}

std::size_t AccountService::sign_out_everywhere(const std::string& user_id, const Actor& actor) {
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    const auto now = common::now_ms();
    auto user = require_user(tx.session(), user_id);
    const auto ended = sessions_.revoke_all(tx, user.id, "", now);
    audit::record(tx, audit::Kind::signed_out_everywhere, user.id, actor.meta, {{"count", ended}}, now, actor.admin_id);
    tx.commit();
    return ended;
}

void AccountService::erase_now(const std::string& user_id, const Actor& actor) {
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    auto user = require_user(tx.session(), user_id);
    erase(tx, user, common::now_ms(), &actor);
    tx.commit();
}

void AccountService::send_password_reset(const std::string& user_id, const Actor& actor) {
    User user;
    {
        auto lease = pool_.acquire();
        user = require_user(*lease, user_id);
    }
    request_code({codes::Purpose::reset, user.email, std::nullopt, origin(actor.meta)});
}

User AccountService::set_role(const std::string& user_id, const std::string& role, const Actor& actor) {
    if (role != "user" && role != "admin") throw common::invalid_input("role is user or admin", "role");
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    const auto now = common::now_ms();
    auto user = require_user(tx.session(), user_id);
    if (user.role != role) {
        users_.set_role(tx, user.id, role, now);
        audit::record(tx, audit::Kind::role_changed, user.id, actor.meta, {{"role", role}}, now, actor.admin_id);
    }
    tx.commit();
    return *users_.by_id(*lease, user_id);
}

}  // namespace accounts
