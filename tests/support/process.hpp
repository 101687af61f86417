#pragma once
// Child processes for tests: the real `starter` binary and the SMTP sink.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace testing_support {

class ChildProcess {
public:
    // Starts argv[0] with the current environment plus `env`; output goes to `log`.
    ChildProcess(std::vector<std::string> argv, const std::map<std::string, std::string>& env, const std::filesystem::path& log);
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // Signals it, unless it has exited and been reaped already.
    void kill(int signal);
    // Waits for exit; returns the exit status (or 128+signal).
    int wait();
    // Whether it has exited (then wait() returns its status at once); does not block.
    bool exited();
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
    bool reaped_ = false;
    int status_ = 0;
};

// What the kernel says a process is doing, for a test's output when it hangs: its state
// and, for each thread, its state and the kernel function it waits in, e.g.
// "S (sleeping); threads: 123 S ep_poll, 124 S futex_wait_queue".
std::string process_state(pid_t pid);

// Runs a command to completion and returns {exit status, stdout+stderr}.
std::pair<int, std::string> run_command(std::vector<std::string> argv, const std::map<std::string, std::string>& env);

// A port on 127.0.0.1 that is free now, for a server the test starts next. Taken at random
// below the kernel's ephemeral range where there is room: a port bind(0) handed out could be
// taken by any outgoing connection before the server binds it (a busy suite makes many),
// one below that range only by another test picking the same number.
std::uint16_t free_port();
std::string starter_binary();

// A fresh directory under the system's temp directory, named `prefix` and random hex; it is
// removed with all it holds when this goes, also when the constructor of its holder throws.
class TempDir {
public:
    explicit TempDir(const std::string& prefix);
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// tests/support/smtp_sink.py on a port of its own, storing into a maildir.
class SmtpSink {
public:
    explicit SmtpSink(std::uint16_t port = 0);
    ~SmtpSink();
    void start();
    void stop();
    std::uint16_t port() const { return port_; }
    std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
    // Message-ID header of every stored message (with repeats).
    std::vector<std::string> message_ids() const;

private:
    std::uint16_t port_;
    TempDir dir_{"starter-sink-"};
    std::unique_ptr<ChildProcess> process_;
};

}  // namespace testing_support
