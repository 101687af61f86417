#pragma once
// `starter users ...`: the operator's command line for accounts (list, show, create-admin,
// disable, enable, logout, delete, set-password-reset), printing a table or JSON.
#include "config/settings.hpp"

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

namespace app {

class UsersCommand {
public:
    // Declares `users` and its subcommands on `cli`.
    explicit UsersCommand(CLI::App& cli);
    bool chosen() const { return command_->parsed(); }
    // Runs the chosen subcommand; the process's exit code.
    int run(const config::Settings& settings);

private:
    CLI::App* command_;
    std::string action_;
    std::string user_;
    std::string search_;
    int limit_ = 50;
    bool json_ = false;
    bool yes_ = false;
};

}  // namespace app
