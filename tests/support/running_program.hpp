#pragma once
// A `gatesim` process running in the background for end-to-end tests of long-running commands
// (a dashboard that serves until interrupted): its stdout and stderr go to files the test can
// read while it runs; stop() sends SIGTERM and returns the exit status.

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <spawn.h>
#include <sys/wait.h>

#include "tests/support/run_command.hpp"

extern char** environ;

namespace gatesim::testing {

class RunningProgram {
 public:
  // Runs GATESIM_BINARY with `args` from the test data folder; output into `folder`.
  RunningProgram(const std::vector<std::string>& args, const std::filesystem::path& folder)
      : out_(folder / "program.out"), err_(folder / "program.err") {
    std::string command = concat("cd ", shell_quote(GATESIM_TEST_DATA), " && exec ", shell_quote(GATESIM_BINARY));
    for (const auto& a : args) command += concat(" ", shell_quote(a));
    command += concat(" >", shell_quote(out_.string()), " 2>", shell_quote(err_.string()), " </dev/null");
    const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
    if (::posix_spawn(&pid_, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ) != 0)
      throw std::runtime_error("cannot start " + command);
  }
  ~RunningProgram() { stop(); }
  RunningProgram(const RunningProgram&) = delete;
  RunningProgram& operator=(const RunningProgram&) = delete;

  // ensures: the program's process id (the shell execs it); 0 once it has ended and been reaped.
  pid_t pid() const { return pid_; }
  std::string out() const { return slurp(out_); }
  std::string err() const { return slurp(err_); }

  // ensures: the first match of `pattern` in stderr (its first group when it has one), waiting
  //          up to `limit` for it; empty when it did not appear or the program ended first.
  std::string wait_for_stderr(const std::string& pattern, std::chrono::seconds limit = std::chrono::seconds(300)) {
    const std::regex re(pattern);
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      std::smatch m;
      const std::string text = err();
      if (std::regex_search(text, m, re)) return m.size() > 1 ? m[1].str() : m[0].str();
      if (ended()) return {};
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return {};
  }

  // ensures: the program's exit status once it ended by itself (waiting up to `limit`); -1 when
  //          it is still running then.
  int wait(std::chrono::seconds limit = std::chrono::seconds(300)) {
    for (const auto until = std::chrono::steady_clock::now() + limit; !ended();) {
      if (std::chrono::steady_clock::now() > until) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return status_;
  }

  // ensures: the program has ended (SIGTERM if still running) and is reaped; its exit status
  //          (128 + signal when a signal ended it). Idempotent.
  int stop() {
    if (pid_ > 0 && !ended()) {
      ::kill(pid_, SIGTERM);
      int raw = 0;
      ::waitpid(pid_, &raw, 0);
      record(raw);
    }
    return status_;
  }

 private:
  bool ended() {
    if (pid_ <= 0) return true;
    int raw = 0;
    if (::waitpid(pid_, &raw, WNOHANG) != pid_) return false;
    record(raw);
    return true;
  }
  void record(int raw) {
    status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
    pid_ = 0;
  }
  static std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::filesystem::path out_, err_;
  pid_t pid_ = 0;
  int status_ = -1;
};

}  // namespace gatesim::testing
