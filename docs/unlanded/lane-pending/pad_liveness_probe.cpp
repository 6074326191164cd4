#include "gate/pad_liveness_probe.hpp"

#include <algorithm>
#include <cassert>

namespace gatesim::gate {

biometrics::LivenessConfig session_config(const GateConfig& c) {
  assert(c.liveness != LivenessMode::off);
  biometrics::LivenessConfig s;
  switch (c.liveness) {
    case LivenessMode::off:
    case LivenessMode::both: s.mode = biometrics::LivenessMode::both; break;
    case LivenessMode::passive: s.mode = biometrics::LivenessMode::passive; break;
    case LivenessMode::temporal: s.mode = biometrics::LivenessMode::temporal; break;
  }
  s.passive_threshold = c.passive_threshold;
  s.temporal_threshold = c.temporal_threshold;
  // The session reports a cue's value once it has its frames: the most the mode's cues need.
  s.min_frames = c.liveness == LivenessMode::passive    ? c.passive_frames
                 : c.liveness == LivenessMode::temporal ? c.temporal_frames
                                                        : std::max(c.passive_frames, c.temporal_frames);
  s.max_frames = std::max(s.min_frames, c.liveness_max_frames);
  s.time_budget_s = std::chrono::duration<double>(c.liveness_window).count();
  return s;
}

PadLivenessProbe::PadLivenessProbe(std::shared_ptr<const biometrics::LivenessDetector> detector, const GateConfig& config)
    : detector_(std::move(detector)), config_(session_config(config)) {
  config_.validate();
  restart();
}

void PadLivenessProbe::restart() {
  session_.emplace(*detector_, config_);
  started_ = std::chrono::steady_clock::now();
}

LivenessEvidence PadLivenessProbe::observe(const cv::Mat& frame, const biometrics::DetectedFace& face) {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const biometrics::LivenessEvidence e = session_->add(frame, face, seconds);
  LivenessEvidence out;
  if (e.passive) out.passive = LivenessCue{"passive", *e.passive, e.frames};
  if (e.frozen) out.temporal = LivenessCue{"temporal.frozen", 0.0, e.frames};
  else if (e.temporal) out.temporal = LivenessCue{"temporal", *e.temporal, e.frames};
  return out;
}

}  // namespace gatesim::gate
