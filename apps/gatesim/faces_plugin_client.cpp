// The program's side of the gatesim-faces plugin (faces_plugin.hpp): load it, call it.
#include <iostream>

#include "apps/gatesim/command.hpp"
#include "apps/gatesim/faces_plugin.hpp"
#include "models/plugin.hpp"

namespace gatesim::app {

namespace {
constexpr const char* kPlugin = "gatesim-faces";
}

int run_faces_plugin_command(int argc, char** argv) {
  try {
    using Main = int(int, char**);
    auto* main = models::plugin_function<Main>(kPlugin, "gatesim_faces_main", std::string("gatesim ") + argv[1]);
    return main(argc, argv);
  } catch (const models::PluginMissing& e) {
    std::cerr << "gatesim: " << one_line(e.what()) << '\n';
    return kBadInput;
  }
}

std::unique_ptr<LiveGates> open_live_gates(const std::vector<std::string>& specs, const sim::Scenario& scenario,
                                           const std::filesystem::path& out, const LiveGateView* view) {
  if (specs.empty()) return nullptr;
  using Open = LiveGates*(const std::vector<std::string>&, const sim::Scenario&, const std::filesystem::path&, const LiveGateView*);
  auto* open = models::plugin_function<Open>(kPlugin, "gatesim_open_live_gates", "--live-gate");
  return std::unique_ptr<LiveGates>(open(specs, scenario, out, view));
}

}  // namespace gatesim::app
