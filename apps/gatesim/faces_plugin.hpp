#pragma once
// The gatesim-faces plugin (models/plugin.hpp, faces_plugin.cpp): everything of the command line
// that needs the face pipeline, live lanes or devices, and with them dlib and OpenCV — the
// commands of command.hpp whose home is the plugin, and the real lanes of
// `simulate --live-gate`. (The image-level mode's pipeline, sim::open_face_images, is in it too.)
// The program loads it only when one of these is asked for.
//
// Thread safety: call from the main thread.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/port_model.hpp"
#include "sim/scenario.hpp"

namespace gatesim::app {

// ensures: the plugin's command argv[1] run on `argv`; its exit status (run_commands). A plugin
//          that is not installed: one line on stderr naming it, status 2.
int run_faces_plugin_command(int argc, char** argv);

// What `simulate --live-gate ... --http` asks to see of its live lanes: the Lanes page's view of
// each (apps/gatesim/lane_dashboard.hpp), shown beside the hall on the Port page.
struct LiveGateView {
  bool frames = false;            // --http-frames: the lanes' camera frames may leave the process
  std::function<void()> changed;  // a lane's view changed (called on the lane's threads)
};

// The real lanes of `simulate --live-gate`, one per value, in the order given.
// Thread safety: lanes() and frame_jpeg() from any thread; the rest from the one that opened them.
class LiveGates {
 public:
  virtual ~LiveGates() = default;
  // ensures: the lanes as the port sees them (they replace its first document gates).
  virtual std::vector<sim::ExternalGate*> gates() = 0;
  // requires: run_simulation has returned.
  // ensures: every lane stopped; the transactions each completed.
  virtual std::vector<std::size_t> close() = 0;
  // ensures: each lane as the Lanes page draws it (LaneDashboard::state()'s "lanes", named
  //          live_gate_web_name(i)); an empty array when opened without a view.
  virtual nlohmann::json lanes() const = 0;
  // ensures: lane `name`'s latest kept frame as JPEG; nullopt without LiveGateView::frames,
  //          before its first frame, or for no such lane.
  virtual std::optional<std::string> frame_jpeg(const std::string& name) = 0;
};

// ensures: a lane per value of `specs` (KEY=VALUE,... as `gatesim gate`'s options), each with its
//          audit log in `out` unless audit= says otherwise; nothing loaded when `specs` is empty.
//          With `view`, each lane is watched (as `gatesim gate --http` watches its lanes) and
//          `view->changed` told of every change; `view` need not outlive the call.
// throws models::InputError "--live-gate VALUE: ..." for a bad value; models::PluginMissing.
std::unique_ptr<LiveGates> open_live_gates(const std::vector<std::string>& specs, const sim::Scenario& scenario,
                                           const std::filesystem::path& out, const LiveGateView* view = nullptr);

// "live gate", "live gate 2", ...: the lane's name in console lines, audit logs and the summary.
inline std::string live_gate_name(std::size_t index) {
  return index == 0 ? "live gate" : "live gate " + std::to_string(index + 1);
}
// "live-gate", "live-gate-2", ...: the lane's name on the dashboard, where it is part of addresses
// (/frame/NAME.jpg) and element ids.
inline std::string live_gate_web_name(std::size_t index) {
  return index == 0 ? "live-gate" : "live-gate-" + std::to_string(index + 1);
}

}  // namespace gatesim::app
