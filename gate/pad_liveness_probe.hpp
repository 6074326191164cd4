#pragma once
// PadLivenessProbe: the LivenessProbe (gate/liveness_probe.hpp) of biometrics' presentation-
// attack detector. Each face step is one biometrics::LivenessSession with the lane's
// GateConfig::liveness, so the cues are measured on the frames and with the settings the
// controller judges them by; the probe passes the measurements on, the controller decides.
//
// Thread safety: one thread at a time (the driver's service thread); the detector may be
// shared with other probes (LivenessDetector is safe to share).

#include <chrono>
#include <memory>
#include <optional>

#include "biometrics/liveness.hpp"
#include "gate/liveness_probe.hpp"

namespace gatesim::gate {

class PadLivenessProbe final : public LivenessProbe {
 public:
  // requires: detector != nullptr; config.mode != off; config.validate() passes.
  PadLivenessProbe(std::shared_ptr<const biometrics::LivenessDetector> detector, biometrics::LivenessConfig config);

  void restart() override;
  biometrics::LivenessMeasurements observe(const cv::Mat& frame, const biometrics::DetectedFace& face) override;

 private:
  std::shared_ptr<const biometrics::LivenessDetector> detector_;
  biometrics::LivenessConfig config_;
  std::optional<biometrics::LivenessSession> session_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace gatesim::gate
