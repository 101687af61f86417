#include "support/process.hpp"

#include "security/random.hpp"
#include "support/test_server.hpp"

#include <boost/asio.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace testing_support {

ChildProcess::ChildProcess(std::vector<std::string> argv, const std::map<std::string, std::string>& env,
                           const std::filesystem::path& log) {
    std::map<std::string, std::string> merged;
    for (char** e = environ; *e; ++e) {
        std::string kv(*e);
        auto eq = kv.find('=');
        if (eq != std::string::npos) merged[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto& [k, v] : env) merged[k] = v;
    std::vector<std::string> env_strings;
    for (const auto& [k, v] : merged) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp, args;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("posix_spawn failed for " + argv[0]);
}

ChildProcess::~ChildProcess() {
    if (!reaped_) {
        ::kill(pid_, SIGKILL);
        wait();
    }
}

void ChildProcess::kill(int signal) {
    if (!reaped_) ::kill(pid_, signal);  // once reaped, the pid may be another process's
}

int ChildProcess::wait() {
    if (reaped_) return status_;
    int st = 0;
    waitpid(pid_, &st, 0);
    reaped_ = true;
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return status_;
}

bool ChildProcess::exited() {
    if (reaped_) return true;
    int st = 0;
    if (waitpid(pid_, &st, WNOHANG) != pid_) return false;
    reaped_ = true;
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return true;
}

std::string process_state(pid_t pid) {
    const std::filesystem::path proc = "/proc/" + std::to_string(pid);
    auto first_line = [](const std::filesystem::path& p) {
        std::ifstream in(p);
        std::string line;
        std::getline(in, line);
        return line;
    };
    std::string state = "gone";
    std::ifstream status(proc / "status");
    for (std::string line; std::getline(status, line);)
        if (line.starts_with("State:")) state = line.substr(line.find_first_not_of(" \t", 6));
    std::string threads;
    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator(proc / "task", ec)) {
        // stat is "tid (comm) S ...": the state follows the last ')'.
        auto stat = first_line(task.path() / "stat");
        auto paren = stat.rfind(')');
        threads += (threads.empty() ? "" : ", ") + task.path().filename().string() + " " +
                   (paren == std::string::npos ? "?" : stat.substr(paren + 2, 1)) + " " + first_line(task.path() / "wchan");
    }
    return state + "; threads: " + threads;
}

std::pair<int, std::string> run_command(std::vector<std::string> argv, const std::map<std::string, std::string>& env) {
    auto log = std::filesystem::temp_directory_path() / ("starter-cmd-" + security::random_hex(6) + ".log");
    int status;
    {
        ChildProcess p(std::move(argv), env, log);
        status = p.wait();
    }
    auto out = read_file(log);
    std::filesystem::remove(log);
    return {status, out};
}

std::uint16_t free_port() {
    boost::asio::io_context io;
    const auto loopback = boost::asio::ip::make_address("127.0.0.1");
    int ephemeral_low = 0;
    std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> ephemeral_low;
    constexpr int kLowest = 10000;
    if (ephemeral_low > kLowest + 1000) {
        std::mt19937 pick(std::random_device{}());
        std::uniform_int_distribution<int> below(kLowest, ephemeral_low - 1);
        for (int attempt = 0; attempt < 100; ++attempt) {
            const auto port = static_cast<std::uint16_t>(below(pick));
            boost::system::error_code ec;
            boost::asio::ip::tcp::acceptor a(io);
            a.open(boost::asio::ip::tcp::v4(), ec);
            if (!ec) a.bind({loopback, port}, ec);
            if (!ec) return port;
        }
    }
    boost::asio::ip::tcp::acceptor a(io, {loopback, 0});
    return a.local_endpoint().port();
}

std::string starter_binary() { return STARTER_BINARY; }

TempDir::TempDir(const std::string& prefix) : path_(std::filesystem::temp_directory_path() / (prefix + security::random_hex(6))) {
    std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

SmtpSink::SmtpSink(std::uint16_t port) : port_(port ? port : free_port()) {}

SmtpSink::~SmtpSink() { stop(); }

void SmtpSink::start() {
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/bin/python3", std::string(STARTER_TEST_SUPPORT_DIR) + "/smtp_sink.py", "--port",
                                 std::to_string(port_), "--maildir", (dir_.path() / "maildir").string(), "--delay", "3"},
        std::map<std::string, std::string>{}, dir_.path() / "sink.log");
    bool up = wait_until([&] {
        try {
            boost::asio::io_context io;
            boost::asio::ip::tcp::socket s(io);
            s.connect({boost::asio::ip::make_address("127.0.0.1"), port_});
            return true;
        } catch (...) {
            return false;
        }
    });
    if (!up) throw std::runtime_error("the SMTP sink did not start; see " + (dir_.path() / "sink.log").string());
}

void SmtpSink::stop() {
    if (!process_) return;
    process_->kill(SIGTERM);
    process_->wait();
    process_.reset();
}

std::vector<std::string> SmtpSink::message_ids() const {
    std::vector<std::string> ids;
    std::error_code ec;
    for (const auto& sub : {"new", "cur"}) {
        auto d = dir_.path() / "maildir" / sub;
        if (!std::filesystem::exists(d, ec)) continue;
        for (const auto& entry : std::filesystem::directory_iterator(d, ec)) {
            std::ifstream in(entry.path());
            std::string line;
            while (std::getline(in, line)) {
                if (!line.empty() && line.back() == '\r') line.pop_back();
                if (line.rfind("Message-ID: ", 0) == 0) {
                    ids.push_back(line.substr(12));
                    break;
                }
                if (line.empty()) break;
            }
        }
    }
    return ids;
}

}  // namespace testing_support
