#include "app/users_command.hpp"

#include "api/views.hpp"
#include "app/app.hpp"
#include "common/refusal.hpp"
#include "db/migrations.hpp"

#include <boost/json/serialize.hpp>

#include <iomanip>
#include <iostream>

namespace app {
namespace {

std::string state_of(const accounts::User& u) {
    if (u.disabled_at) return "disabled";
    if (u.erase_after) return "deleting " + api::rfc3339(*u.erase_after).substr(0, 10);
    return "active";
}

void print_table(const std::vector<accounts::User>& users) {
    std::cout << std::left << std::setw(24) << "USERNAME" << std::setw(36) << "EMAIL" << std::setw(7) << "ROLE" << std::setw(22)
              << "STATE" << std::setw(22) << "LAST LOGIN"
              << "ID\n";
    for (const auto& u : users)
        std::cout << std::setw(24) << u.username << std::setw(36) << u.email << std::setw(7) << u.role << std::setw(22)
                  << state_of(u) << std::setw(22) << (u.last_login_at ? api::rfc3339(*u.last_login_at) : std::string("never"))
                  << u.id << "\n";
}

}  // namespace

UsersCommand::UsersCommand(CLI::App& cli) {
    command_ = cli.add_subcommand("users", "Find and administer accounts (each change is a security event)");
    command_->require_subcommand(1);
    auto add = [this](const char* name, const char* help, bool takes_user) {
        auto* sub = command_->add_subcommand(name, help);
        sub->callback([this, name] { action_ = name; });
        if (takes_user) sub->add_option("user", user_, "The user's id, email or username")->required();
        sub->add_flag("--json", json_, "Print JSON instead of a table");
        return sub;
    };
    auto* list = add("list", "Users by username, optionally those whose email or username starts with --search", false);
    list->add_option("--search", search_, "An email or username prefix");
    list->add_option("--limit", limit_, "At most this many")->check(CLI::Range(1, 10000))->capture_default_str();
    add("show", "One user, with their sessions and last 20 security events", true);
    add("create-admin", "Give a registered user the admin role (they may then use /api/admin)", true);
    add("remove-admin", "Take the admin role away", true);
    add("disable", "Disable: every session ends, every sign-in is refused", true);
    add("enable", "Enable a disabled user again", true);
    add("logout", "End every session of the user", true);
    add("delete", "Erase the user and their data now (asks first unless --yes)", true)->add_flag("--yes", yes_, "Do not ask");
    add("set-password-reset", "Email the user a password reset code", true);
}

int UsersCommand::run(const config::Settings& settings) {
    App application(settings);
    db::migrate_up(application.pool());
    auto& accounts = application.accounts();
    const accounts::Actor actor{std::nullopt, [] {
                                    sessions::RequestMeta m;
                                    m.ip = "127.0.0.1";
                                    m.device = "starter command line";
                                    return m;
                                }()};
    auto print = [this](const accounts::User& u) {
        if (json_)
            std::cout << boost::json::serialize(api::admin_user_json(u)) << "\n";
        else
            print_table({u});
    };
    try {
        if (action_ == "list") {
            auto page = accounts.search(search_, limit_, std::nullopt);
            if (json_) {
                boost::json::array out;
                for (const auto& u : page.users) out.push_back(api::admin_user_json(u));
                std::cout << boost::json::serialize(out) << "\n";
            } else {
                print_table(page.users);
                if (page.next_cursor) std::cout << "(more: raise --limit or narrow --search)\n";
            }
            return 0;
        }
        auto user = accounts.lookup(user_);
        if (!user) {
            std::cerr << "starter: no user with the id, email or username '" << user_ << "'\n";
            return 1;
        }
        if (action_ == "show") {
            const auto sessions = application.sessions().list(user->id);
            const auto events = accounts.activity(user->id, std::nullopt, 20).events;
            if (json_) {
                boost::json::array s, e;
                for (const auto& x : sessions) s.push_back(api::session_json(x, ""));
                for (const auto& x : events) e.push_back(api::security_event_json(x));
                std::cout << boost::json::serialize(boost::json::object{
                                 {"user", api::admin_user_json(*user)}, {"sessions", std::move(s)}, {"activity", std::move(e)}})
                          << "\n";
                return 0;
            }
            print_table({*user});
            std::cout << "\nSessions (" << sessions.size() << "):\n";
            for (const auto& x : sessions)
                std::cout << "  " << api::rfc3339(x.created_at) << "  " << (x.logged_out_at ? "ended " : "live  ") << x.ip_address
                          << "  " << x.device << "\n";
            std::cout << "\nLast security events:\n";
            for (const auto& x : events)
                std::cout << "  " << api::rfc3339(x.created_at) << "  " << x.kind << "  " << x.ip << "  "
                          << boost::json::serialize(x.details) << "\n";
            return 0;
        }
        if (action_ == "create-admin" || action_ == "remove-admin") {
            print(accounts.set_role(user->id, action_ == "create-admin" ? "admin" : "user", actor));
        } else if (action_ == "disable" || action_ == "enable") {
            print(accounts.set_disabled(user->id, action_ == "disable", actor));
        } else if (action_ == "logout") {
            const auto ended = accounts.sign_out_everywhere(user->id, actor);
            std::cout << (json_ ? "{\"revoked\":" + std::to_string(ended) + "}"
                                : "ended " + std::to_string(ended) + " session(s)")
                      << "\n";
        } else if (action_ == "delete") {
            if (!yes_) {
                std::cout << "Erase " << user->username << " <" << user->email << "> and all their data now? Type the username: ";
                std::string answer;
                std::getline(std::cin, answer);
                if (answer != user->username) {
                    std::cerr << "starter: not erased\n";
                    return 1;
                }
            }
            accounts.erase_now(user->id, actor);
            std::cout << (json_ ? "{\"erased\":true}" : "erased " + user->username) << "\n";
        } else if (action_ == "set-password-reset") {
            accounts.send_password_reset(user->id, actor);
            std::cout << (json_ ? "{\"queued\":true}" : "a reset code is on its way to " + user->email) << "\n";
        }
    } catch (const common::Refusal& r) {
        std::cerr << "starter: " << r.what() << "\n";
        return 1;
    }
    return 0;
}

}  // namespace app
