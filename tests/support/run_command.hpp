#pragma once
// Runs the real `gatesim` program (or any command) for end-to-end tests and captures its
// exit status, standard output and standard error.

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace gatesim::testing {

struct CommandResult {
  int exit_status = -1;
  std::string out;
  std::string err;
};

// ensures: the pieces one after another. (g++ 12 -O3 warns falsely, -Wrestrict, on
//          "literal" + std::string&&; appending does not.)
template <class... Pieces>
std::string concat(const Pieces&... pieces) {
  std::string text;
  (text.append(std::string_view(pieces)), ...);
  return text;
}

inline std::string shell_quote(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// requires: `command` is a shell command line.
inline CommandResult run_shell(const std::string& command) {
  const auto dir = std::filesystem::temp_directory_path();
  const std::string stem = "gatesim-test-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand());
  const auto out_file = dir / (stem + ".out"), err_file = dir / (stem + ".err");
  const std::string line = command + " >" + shell_quote(out_file) + " 2>" + shell_quote(err_file) + " </dev/null";
  const int raw = std::system(line.c_str());
  auto slurp = [](const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  CommandResult result{WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw), slurp(out_file), slurp(err_file)};
  std::filesystem::remove(out_file);
  std::filesystem::remove(err_file);
  return result;
}

// Runs gatesim with `args` (each word quoted) from the test data folder.
inline CommandResult run_gatesim(const std::vector<std::string>& args) {
  // Appended piece by piece: g++ 12 -O3 gives a false -Wrestrict on "literal" + std::string&&.
  std::string command = "cd ";
  command += shell_quote(GATESIM_TEST_DATA);
  command += " && ";
  command += shell_quote(GATESIM_BINARY);
  for (const auto& a : args) {
    command += ' ';
    command += shell_quote(a);
  }
  return run_shell(command);
}

inline std::filesystem::path test_data(const std::string& relative) {
  return std::filesystem::path(GATESIM_TEST_DATA) / relative;
}

}  // namespace gatesim::testing
