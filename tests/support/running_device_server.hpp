#pragma once
// A running `gatesim device-server ... --listen 127.0.0.1:0 --json` for end-to-end tests: its
// pid and the address it printed; stopped with SIGTERM when destroyed.

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/run_command.hpp"

namespace gatesim::testing {

class RunningServer {
 public:
  // `arguments`: the devices to serve (and TLS options), shell-quoted by the caller.
  // throws std::runtime_error when the server does not start or prints no address.
  explicit RunningServer(const std::string& arguments) {
    const std::string command = "echo $$; exec " + shell_quote(GATESIM_BINARY) + " device-server " + arguments +
                                " --listen 127.0.0.1:0 --json";
    pipe_ = ::popen(command.c_str(), "r");
    if (!pipe_) throw std::runtime_error("device-server did not start");
    // A constructor that throws runs no destructor: a server that started is stopped here.
    char line[512] = {};
    if (!std::fgets(line, sizeof line, pipe_)) fail("device-server did not start");
    pid_ = std::stoi(line);
    if (!std::fgets(line, sizeof line, pipe_)) fail("device-server printed no address");
    served_ = nlohmann::json::parse(line, nullptr, false);
    if (served_.is_discarded() || !served_.contains("uri")) fail(std::string("device-server printed no address: ") + line);
  }
  ~RunningServer() { stop(); }
  RunningServer(const RunningServer&) = delete;
  RunningServer& operator=(const RunningServer&) = delete;
  // ensures: the server process has ended (SIGTERM) and is reaped; idempotent.
  void stop() {
    if (!pipe_) return;
    if (pid_ > 0) ::kill(pid_, SIGTERM);
    ::pclose(pipe_);
    pipe_ = nullptr;
  }
  std::string uri() const { return served_["uri"].get<std::string>(); }
  // The tls:// URI by which a lane of a `gatesim pki init` folder `pki` (its `lane`.pem and
  // .key) reaches this server, trusting the CA certificate `ca`.
  std::string uri_for(const std::filesystem::path& ca, const std::filesystem::path& pki, const std::string& lane) const {
    return uri() + "#ca=" + ca.string() + ",cert=" + (pki / (lane + ".pem")).string() +
           ",key=" + (pki / (lane + ".key")).string();
  }
  const nlohmann::json& served() const { return served_; }

 private:
  [[noreturn]] void fail(const std::string& what) {
    stop();
    throw std::runtime_error(what);
  }
  FILE* pipe_ = nullptr;
  int pid_ = 0;
  nlohmann::json served_;
};

}  // namespace gatesim::testing
