// The gatesim-faces plugin's entry points (faces_plugin.hpp, sim/face_images.hpp): its commands,
// the lanes of `simulate --live-gate` and the image-level mode's face pipeline.
#include <iostream>
#include <map>
#include <string_view>

#include "apps/gatesim/command.hpp"
#include "apps/gatesim/face_command.hpp"
#include "apps/gatesim/faces_plugin.hpp"
#include "models/input_error.hpp"
#include "models/plugin.hpp"
#include "sim/face_images_pipeline.hpp"
#include "sim/live_gate.hpp"

namespace gatesim::app {
namespace {

class LiveLanes final : public LiveGates {
 public:
  std::vector<sim::ExternalGate*> gates() override {
    std::vector<sim::ExternalGate*> out;
    for (const auto& gate : gates_) out.push_back(gate.get());
    return out;
  }
  std::vector<std::size_t> close() override {
    std::vector<std::size_t> transactions;
    for (const auto& gate : gates_) transactions.push_back(gate->close());
    return transactions;
  }
  std::vector<std::unique_ptr<sim::LiveGate>> gates_;
};

// One sim::LiveGate per --live-gate value. Bad values are bad input naming the value.
std::unique_ptr<LiveLanes> live_lanes(const std::vector<std::string>& specs, const sim::Scenario& scenario,
                                      const std::filesystem::path& out) {
  auto lanes = std::make_unique<LiveLanes>();
  for (std::size_t i = 0; i < specs.size(); ++i) {
    LaneOptions defaults;
    defaults.audit = (out / (i == 0 ? std::string("live-gate-audit.db") : "live-gate-" + std::to_string(i + 1) + "-audit.db")).string();
    LaneOptions lane = LaneOptions::parse(specs[i], "--live-gate", defaults);
    if (lane.camera.empty())
      throw models::InputError("--live-gate " + specs[i] + ": camera= is required (a camera URI, or faces for the scenario's faces folder)");
    if (lane.camera == "faces") lane.camera.clear();  // LiveGate's scripted camera
    try {
      sim::LiveGateSetup setup;
      setup.devices = lane.open_devices(std::cerr);
      setup.enrolment = lane.db;
      setup.audit = lane.audit;
      setup.config = lane.gate_config(gate::Channel::document);
      setup.driver = lane.driver_options();
      setup.name = live_gate_name(i);
      setup.console = &std::cerr;
      lanes->gates_.push_back(
          std::make_unique<sim::LiveGate>(scenario, biometrics::ModelStore::from_environment(), std::move(setup)));
    } catch (const models::InputError& e) {
      throw models::InputError("--live-gate " + specs[i] + ": " + e.what());
    }
  }
  return lanes;
}

}  // namespace
}  // namespace gatesim::app

GATESIM_PLUGIN_EXPORT int gatesim_faces_main(int argc, char** argv) {
  using namespace gatesim::app;
  using Add = void (*)(CLI::App&, CommandContext&);
  const std::map<std::string_view, Add> here = {
      {"faces", add_faces_command},
      {"verify", add_verify_command},
      {"gate", add_gate_command},
      {"soak", add_soak_command},
      {"bench", add_bench_command},
      {"device-server", add_device_server_command},
      {"fingerprint-synth", add_fingerprint_synth_command},
      {"enroll", add_enroll_command},
      {"identify", add_identify_command},
      {"gallery", add_gallery_command},
      {"eval-faces", add_eval_faces_command},
      {"eval-pad", add_eval_pad_command},
  };
  CLI::App root{"gatesim: border-gate smart-channel clearance simulator"};
  root.require_subcommand(1);
  CommandContext context;
  for (const auto& command : commands())
    if (command.home == CommandHome::faces_plugin) here.at(command.name)(root, context);
  return run_commands(root, context, argc, argv);
}

GATESIM_PLUGIN_EXPORT gatesim::app::LiveGates* gatesim_open_live_gates(const std::vector<std::string>& specs,
                                                                      const gatesim::sim::Scenario& scenario,
                                                                      const std::filesystem::path& out) {
  return gatesim::app::live_lanes(specs, scenario, out).release();
}

GATESIM_PLUGIN_EXPORT gatesim::sim::FaceImages* gatesim_open_face_images(const std::filesystem::path& folder,
                                                                        const gatesim::biometrics::ModelStore& models) {
  return new gatesim::sim::FaceImagesPipeline(folder, models);
}
