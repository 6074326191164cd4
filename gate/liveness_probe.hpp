#pragma once
// LivenessProbe: the lane driver's view of a liveness (presentation-attack) detector. The
// driver feeds it, in order, every analysed frame of a face step with the face the step looks
// at (the largest), and hands the evidence it returns to the controller in FrameAnalysed; the
// controller judges it (gate::judge_liveness). Backends adapt a detector in biometrics/.
//
// Thread safety: one thread at a time (the driver's service thread).

#include <opencv2/core/mat.hpp>

#include "biometrics/face_types.hpp"
#include "gate/transaction_outcome.hpp"

namespace gatesim::gate {

class LivenessProbe {
 public:
  virtual ~LivenessProbe() = default;
  // ensures: the frames seen so far are forgotten (a new face step begins).
  virtual void restart() = 0;
  // requires: `face` was found in `frame` (8-bit BGR).
  // ensures: the evidence over the frames since restart(), this one included.
  virtual LivenessEvidence observe(const cv::Mat& frame, const biometrics::DetectedFace& face) = 0;
};

}  // namespace gatesim::gate
