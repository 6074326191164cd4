#include "gate/pad_liveness_probe.hpp"

#include <cassert>

namespace gatesim::gate {

PadLivenessProbe::PadLivenessProbe(std::shared_ptr<const biometrics::LivenessDetector> detector,
                                   biometrics::LivenessConfig config)
    : detector_(std::move(detector)), config_(config) {
  assert(detector_ && config_.mode != biometrics::LivenessMode::off);
  restart();
}

void PadLivenessProbe::restart() {
  session_.emplace(*detector_, config_);
  started_ = std::chrono::steady_clock::now();
}

biometrics::LivenessMeasurements PadLivenessProbe::observe(const cv::Mat& frame, const biometrics::DetectedFace& face) {
  // The session stops measuring once its own judgement is made; the controller, judging the
  // same measurements with the same rule and settings, reaches the same verdict.
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  session_->add(frame, face, seconds);
  return session_->measurements();
}

}  // namespace gatesim::gate
