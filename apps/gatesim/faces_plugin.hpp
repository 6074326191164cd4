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
#include <memory>
#include <string>
#include <vector>

#include "sim/port_model.hpp"
#include "sim/scenario.hpp"

namespace gatesim::app {

// ensures: the plugin's command argv[1] run on `argv`; its exit status (run_commands). A plugin
//          that is not installed: one line on stderr naming it, status 2.
int run_faces_plugin_command(int argc, char** argv);

// The real lanes of `simulate --live-gate`, one per value, in the order given.
class LiveGates {
 public:
  virtual ~LiveGates() = default;
  // ensures: the lanes as the port sees them (they replace its first document gates).
  virtual std::vector<sim::ExternalGate*> gates() = 0;
  // requires: run_simulation has returned.
  // ensures: every lane stopped; the transactions each completed.
  virtual std::vector<std::size_t> close() = 0;
};

// ensures: a lane per value of `specs` (KEY=VALUE,... as `gatesim gate`'s options), each with its
//          audit log in `out` unless audit= says otherwise; nothing loaded when `specs` is empty.
// throws models::InputError "--live-gate VALUE: ..." for a bad value; models::PluginMissing.
std::unique_ptr<LiveGates> open_live_gates(const std::vector<std::string>& specs, const sim::Scenario& scenario,
                                           const std::filesystem::path& out);

// "live gate", "live gate 2", ...: the lane's name in console lines, audit logs and the summary.
inline std::string live_gate_name(std::size_t index) {
  return index == 0 ? "live gate" : "live gate " + std::to_string(index + 1);
}

}  // namespace gatesim::app
