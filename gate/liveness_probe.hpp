#pragma once
// LivenessProbe: the lane driver's view of a liveness (presentation-attack) detector. The
// driver feeds it, in order, every analysed frame of a face step with the face the step looks
// at (the largest), and hands what it has measured to the controller in FrameAnalysed; the
// controller judges it (biometrics::judge_liveness, the one liveness rule). PadLivenessProbe
// (gate/pad_liveness_probe.hpp) adapts biometrics' detector; tests script their own.
//
// Thread safety: one thread at a time (the driver's service thread).

#include <opencv2/core/mat.hpp>

#include "biometrics/face_types.hpp"
#include "biometrics/liveness_rule.hpp"

namespace gatesim::gate {

class LivenessProbe {
 public:
  virtual ~LivenessProbe() = default;
  // ensures: the frames seen so far are forgotten (a new face step begins).
  virtual void restart() = 0;
  // requires: `face` was found in `frame` (8-bit BGR).
  // ensures: the measurements over the frames since restart(), this one included.
  virtual biometrics::LivenessMeasurements observe(const cv::Mat& frame, const biometrics::DetectedFace& face) = 0;
};

}  // namespace gatesim::gate
