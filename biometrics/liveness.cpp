#include "biometrics/liveness.hpp"

#include <cassert>

namespace gatesim::biometrics {

LivenessDetector::LivenessDetector(const PadModelStore& store) : passive_(store) {}
LivenessDetector::LivenessDetector(PassiveLiveness passive) : passive_(std::move(passive)) {}

LivenessSession::LivenessSession(const LivenessDetector& detector, LivenessConfig config)
    : detector_(&detector), config_(config) {
  config_.validate();
  evidence_ = judge_liveness(measured_, config_, 0, false);
}

double LivenessSession::elapsed_s() const { return first_seconds_ ? last_seconds_ - *first_seconds_ : 0.0; }

LivenessEvidence LivenessSession::add(const cv::Mat& bgr, const DetectedFace& face, double seconds) {
  if (evidence_.decided() || finished_) return evidence_;
  assert(!bgr.empty() && bgr.type() == CV_8UC3);
  if (!first_seconds_) first_seconds_ = seconds;
  last_seconds_ = seconds;
  ++measured_.frames;
  if (uses_passive(config_.mode) && config_.passive_frame(measured_.frames)) {
    passive_sum_ += detector_->passive().score(bgr, face.box).live;
    measured_.passive = passive_sum_ / ++passive_scored_;
  }
  if (uses_moire(config_)) {
    moire_.add(bgr, face.box);
    measured_.moire = moire_.peak();
  }
  if (uses_temporal(config_.mode)) {
    temporal_.add(bgr, face.box);
    measured_.temporal = temporal_.non_rigidity();
    measured_.frozen = temporal_.frozen();
  }
  return evidence_ = judge_liveness(measured_, config_, elapsed_s(), false);
}

LivenessEvidence LivenessSession::add_without_face(double seconds) {
  if (evidence_.decided() || finished_) return evidence_;
  if (!first_seconds_) first_seconds_ = seconds;
  last_seconds_ = seconds;
  temporal_.reset_tracks();
  return evidence_ = judge_liveness(measured_, config_, elapsed_s(), false);
}

LivenessEvidence LivenessSession::finish() {
  if (!evidence_.decided() && !finished_) evidence_ = judge_liveness(measured_, config_, elapsed_s(), true);
  finished_ = true;
  return evidence_;
}

}  // namespace gatesim::biometrics
