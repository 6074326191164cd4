#pragma once
// How much longer the sanitizer builds take than the others for the real face pipeline. A test
// whose time window must hold real pipeline work (and cannot simply be made long, because the
// test waits the window out) multiplies it by this factor.
#include <chrono>
#include <string>

#include "gate/gate_controller.hpp"

namespace gatesim::testing {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr int kSanitizerSlowdown = 4;
#else
inline constexpr int kSanitizerSlowdown = 1;
#endif

// ensures: the gate's default face window in whole seconds times kSanitizerSlowdown, as text for
//          `gatesim gate --face-window` or `--live-gate face-window=`.
inline std::string patient_face_window() {
  const auto window = std::chrono::duration_cast<std::chrono::seconds>(gate::GateConfig{}.face_window);
  return std::to_string(window.count() * kSanitizerSlowdown);
}

}  // namespace gatesim::testing
