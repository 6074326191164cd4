// The gatesim-faces plugin's entry points (faces_plugin.hpp, sim/face_images.hpp): its commands,
// the lanes of `simulate --live-gate` and the image-level mode's face pipeline.
#include <iostream>
#include <map>
#include <string_view>

#include "apps/gatesim/command.hpp"
#include "apps/gatesim/face_command.hpp"
#include "apps/gatesim/faces_plugin.hpp"
#include "apps/gatesim/lane_dashboard.hpp"
#include "models/input_error.hpp"
#include "models/plugin.hpp"
#include "sim/face_images_pipeline.hpp"
#include "sim/live_gate.hpp"
#include "web/metrics.hpp"

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
    if (dashboard_) dashboard_->finished();
    return transactions;
  }
  nlohmann::json lanes() const override { return dashboard_ ? dashboard_->state()["lanes"] : nlohmann::json::array(); }
  std::optional<std::string> frame_jpeg(const std::string& name) override {
    for (std::size_t i = 0; dashboard_ && i < gates_.size(); ++i)
      if (live_gate_web_name(i) == name) return dashboard_->frame_jpeg(i);
    return std::nullopt;
  }

  // With a view: the lanes' dashboard (its metric series in a registry of its own, so that the
  // port's /metrics keeps its own meaning). Shared with what watches each lane's devices, which
  // may outlive the gates (a device call abandoned by a stopped lane).
  std::shared_ptr<web::MetricsRegistry> metrics_;
  std::shared_ptr<LaneDashboard> dashboard_;
  std::vector<std::unique_ptr<sim::LiveGate>> gates_;  // last: stopped before what watches them goes
};

// What the driver calls instead of lane `index`'s devices: the dashboard's ObservedLane, which
// keeps the dashboard alive with it.
class WatchedDevices {
 public:
  WatchedDevices(std::shared_ptr<LaneDashboard> dashboard, gate::LaneDevices& devices, std::size_t index)
      : dashboard_(std::move(dashboard)), observed_(devices, *dashboard_, index) {}
  static std::shared_ptr<gate::LaneDevices> around(std::shared_ptr<LaneDashboard> dashboard, gate::LaneDevices& devices,
                                                   std::size_t index) {
    auto watched = std::make_shared<WatchedDevices>(std::move(dashboard), devices, index);
    return std::shared_ptr<gate::LaneDevices>(watched, &watched->observed_);
  }

 private:
  std::shared_ptr<LaneDashboard> dashboard_;
  ObservedLane observed_;
};

// The lane's driver tells `dashboard` of its outcomes and frames too, and its devices are watched.
void watch(sim::LiveGateSetup& setup, const std::shared_ptr<LaneDashboard>& dashboard, std::size_t index) {
  setup.driver.on_outcome = [dashboard, index, also = std::move(setup.driver.on_outcome)](const gate::TransactionOutcome& o) {
    if (also) also(o);
    dashboard->outcome(index, o);
  };
  setup.driver.on_frame = [dashboard, index, also = std::move(setup.driver.on_frame)](const gate::FrameView& view) {
    if (also) also(view);
    dashboard->frame(index, view);
  };
  setup.observe = [dashboard, index](gate::LaneDevices& devices) { return WatchedDevices::around(dashboard, devices, index); };
}

// One sim::LiveGate per --live-gate value. Bad values are bad input naming the value.
std::unique_ptr<LiveLanes> live_lanes(const std::vector<std::string>& specs, const sim::Scenario& scenario,
                                      const std::filesystem::path& out, const LiveGateView* view) {
  auto lanes = std::make_unique<LiveLanes>();
  if (view) {
    lanes->metrics_ = std::make_shared<web::MetricsRegistry>();
    lanes->dashboard_ = std::make_shared<LaneDashboard>(*lanes->metrics_, scenario.port, view->frames);
    lanes->dashboard_->on_change(view->changed);
  }
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
      if (lanes->dashboard_) watch(setup, lanes->dashboard_, lanes->dashboard_->add_lane(live_gate_web_name(i), gate::Channel::document));
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
                                                                      const std::filesystem::path& out,
                                                                      const gatesim::app::LiveGateView* view) {
  return gatesim::app::live_lanes(specs, scenario, out, view).release();
}

GATESIM_PLUGIN_EXPORT gatesim::sim::FaceImages* gatesim_open_face_images(const std::filesystem::path& folder,
                                                                        const gatesim::biometrics::ModelStore& models) {
  return new gatesim::sim::FaceImagesPipeline(folder, models);
}
