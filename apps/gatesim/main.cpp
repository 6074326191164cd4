// gatesim: the one command-line program. Each subcommand is in cmd_<name>.cpp; the program holds
// those that need neither OpenCV nor dlib nor libfprint, and hands the others to the
// gatesim-faces plugin (command.hpp, faces_plugin.hpp), so that `gatesim --help`, `check`,
// `ports` and `simulate` start without loading those libraries.
#include <map>
#include <string_view>

#include "apps/gatesim/command.hpp"
#include "apps/gatesim/faces_plugin.hpp"
#include "apps/gatesim/line_sink.hpp"

int main(int argc, char** argv) {
  using namespace gatesim::app;
  install_line_sinks();
  // The root takes no options of its own but --help, so the command is the first argument.
  if (argc > 1) {
    for (const auto& command : commands())
      if (command.home == CommandHome::faces_plugin && std::string_view(argv[1]) == command.name)
        return run_faces_plugin_command(argc, argv);
  }
  using Add = void (*)(CLI::App&, CommandContext&);
  const std::map<std::string_view, Add> here = {
      {"simulate", add_simulate_command}, {"sweep", add_sweep_command}, {"merge", add_merge_command},
      {"check", add_check_command},       {"ports", add_ports_command}, {"pki", add_pki_command},
  };
  CLI::App root{"gatesim: border-gate smart-channel clearance simulator"};
  root.require_subcommand(1);
  CommandContext context;
  for (const auto& command : commands()) {
    if (command.home == CommandHome::program)
      here.at(command.name)(root, context);
    else
      root.add_subcommand(command.name, command.description);  // listed by --help; run by the plugin
  }
  return run_commands(root, context, argc, argv);
}
