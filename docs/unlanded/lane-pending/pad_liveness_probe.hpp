#pragma once
// PadLivenessProbe: the LivenessProbe (gate/liveness_probe.hpp) of biometrics' presentation-
// attack detector. Each face step is one biometrics::LivenessSession, set up from the lane's
// GateConfig (mode, thresholds, frames and time), so its cue values rest on the frames the
// controller asks for; the probe passes the values on and the controller judges them.
//
// Thread safety: one thread at a time (the driver's service thread); the detector may be
// shared with other probes.

#include <chrono>
#include <memory>
#include <optional>

#include "biometrics/liveness.hpp"
#include "gate/gate_controller.hpp"
#include "gate/liveness_probe.hpp"

namespace gatesim::gate {

// ensures: the detector's session settings for a lane configured with `config`.
// requires: config.liveness != off.
biometrics::LivenessConfig session_config(const GateConfig& config);

class PadLivenessProbe final : public LivenessProbe {
 public:
  // requires: `detector` outlives the probe; config.liveness != off.
  PadLivenessProbe(std::shared_ptr<const biometrics::LivenessDetector> detector, const GateConfig& config);

  void restart() override;
  LivenessEvidence observe(const cv::Mat& frame, const biometrics::DetectedFace& face) override;

 private:
  std::shared_ptr<const biometrics::LivenessDetector> detector_;
  biometrics::LivenessConfig config_;
  std::optional<biometrics::LivenessSession> session_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace gatesim::gate
