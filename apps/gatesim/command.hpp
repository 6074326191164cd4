#pragma once
// How a subcommand plugs into the `gatesim` program.
//
// Each command lives in its own cmd_<name>.cpp and exposes add_<name>_command(), which adds a
// CLI11 subcommand whose callback does the work and stores the exit status in `exit_status`:
// 0 success, 1 a negative result where one makes sense, 2 bad input or usage. A callback
// reports bad input by throwing models::InputError; run_commands() prints its one-line message.
//
// Where a command runs: the program itself holds the commands that need neither OpenCV nor dlib
// nor libfprint (simulate, sweep, merge, check, ports), so they start in milliseconds; the
// others are in the gatesim-faces plugin (faces_plugin.hpp), which main() loads when one of
// them is asked for. commands() lists them all, in --help order, with the one description each
// has. The plugin's commands include face_command.hpp for the options they share.

#include <chrono>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "gate/policy_data.hpp"

namespace gatesim::app {

enum ExitStatus : int { kSuccess = 0, kNegative = 1, kBadInput = 2 };

struct CommandContext {
  int exit_status = kSuccess;
};

// Options give times in seconds: one conversion, to and from std::chrono, for every command.
template <class Rep, class Period>
double in_seconds(std::chrono::duration<Rep, Period> d) {
  return std::chrono::duration<double>(d).count();
}
template <class Duration>
Duration from_seconds(double s) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}

// --policy DIR, shared by the commands that apply the rules: the shipped data unless given.
struct PolicyOption {
  std::string dir;  // empty: gate::PolicyData::default_dir()

  void add_to(CLI::App& command);
  // throws models::InputError naming the file and field of bad policy data.
  gate::PolicyData load() const;
};

enum class CommandHome { program, faces_plugin };
struct CommandInfo {
  const char* name;
  const char* description;  // one line for --help
  CommandHome home;
};
// ensures: every subcommand, in the order `gatesim --help` lists them.
const std::vector<CommandInfo>& commands();
// requires: `name` is one of commands().
const char* command_description(std::string_view name);

// ensures: `argv` parsed by `root` and the chosen command run; returns the exit status: the
//          command's, 2 with one line on stderr for a usage error, bad input
//          (models::InputError), a missing plugin or any other error, 0 for --help.
int run_commands(CLI::App& root, CommandContext& context, int argc, char** argv);

// Prints `value` as one line of JSON on stdout.
void print_json(const nlohmann::json& value);

void add_faces_command(CLI::App& root, CommandContext& context);
void add_verify_command(CLI::App& root, CommandContext& context);
void add_simulate_command(CLI::App& root, CommandContext& context);
void add_gate_command(CLI::App& root, CommandContext& context);
void add_soak_command(CLI::App& root, CommandContext& context);
void add_sweep_command(CLI::App& root, CommandContext& context);
void add_merge_command(CLI::App& root, CommandContext& context);
void add_bench_command(CLI::App& root, CommandContext& context);
void add_check_command(CLI::App& root, CommandContext& context);
void add_ports_command(CLI::App& root, CommandContext& context);
void add_device_server_command(CLI::App& root, CommandContext& context);
void add_pki_command(CLI::App& root, CommandContext& context);
void add_fingerprint_synth_command(CLI::App& root, CommandContext& context);
void add_enroll_command(CLI::App& root, CommandContext& context);
void add_identify_command(CLI::App& root, CommandContext& context);
void add_gallery_command(CLI::App& root, CommandContext& context);

void add_eval_faces_command(CLI::App& root, CommandContext& context);
void add_eval_pad_command(CLI::App& root, CommandContext& context);

// Errors are one line on stderr: library messages (dlib's, OpenCV's) may span several.
std::string one_line(std::string message);

}  // namespace gatesim::app
