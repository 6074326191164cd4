#include "biometrics/liveness.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <cstdio>

#include "models/input_error.hpp"

namespace gatesim::biometrics {
namespace {

std::string fixed(double value, int digits) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

int digits_for(LivenessCue cue) { return cue == LivenessCue::temporal ? 4 : 2; }

bool uses_passive(LivenessMode mode) { return mode == LivenessMode::passive || mode == LivenessMode::both; }
bool uses_temporal(LivenessMode mode) { return mode == LivenessMode::temporal || mode == LivenessMode::both; }

}  // namespace

std::string_view to_string(LivenessMode mode) {
  switch (mode) {
    case LivenessMode::off: return "off";
    case LivenessMode::passive: return "passive";
    case LivenessMode::temporal: return "temporal";
    case LivenessMode::both: return "both";
  }
  return "?";
}

std::string_view to_string(LivenessCue cue) {
  switch (cue) {
    case LivenessCue::none: return "none";
    case LivenessCue::passive: return "passive";
    case LivenessCue::temporal: return "temporal";
    case LivenessCue::frozen: return "frozen";
  }
  return "?";
}

std::string_view to_string(LivenessVerdict verdict) {
  switch (verdict) {
    case LivenessVerdict::undecided: return "undecided";
    case LivenessVerdict::live: return "live";
    case LivenessVerdict::attack: return "attack";
  }
  return "?";
}

std::string_view to_string(UndecidedReason reason) {
  switch (reason) {
    case UndecidedReason::none: return "none";
    case UndecidedReason::collecting: return "collecting";
    case UndecidedReason::too_few_frames: return "too_few_frames";
    case UndecidedReason::no_face: return "no_face";
  }
  return "?";
}

LivenessMode parse_liveness_mode(std::string_view text) {
  for (auto mode : {LivenessMode::off, LivenessMode::passive, LivenessMode::temporal, LivenessMode::both})
    if (text == to_string(mode)) return mode;
  throw models::InputError("liveness mode '" + std::string(text) + "': expected off, passive, temporal or both");
}

void LivenessConfig::validate() const {
  auto fail = [](const std::string& field, double value, const std::string& expected) {
    throw models::InputError("liveness " + field + " " + fixed(value, 4) + ": expected " + expected);
  };
  if (!(passive_threshold >= 0 && passive_threshold <= 1)) fail("passive_threshold", passive_threshold, "0 to 1");
  if (!(temporal_threshold >= 0)) fail("temporal_threshold", temporal_threshold, "0 or more");
  if (min_frames < 1) fail("min_frames", min_frames, "1 or more");
  if (max_frames < min_frames) fail("max_frames", max_frames, "at least min_frames (" + std::to_string(min_frames) + ")");
  if (!(time_budget_s > 0)) fail("time_budget_s", time_budget_s, "more than 0 seconds");
}

std::string describe(const LivenessEvidence& e, const LivenessConfig& config) {
  const std::string verdict(to_string(e.verdict));
  if (!e.decided()) {
    if (e.undecided_reason == UndecidedReason::no_face) return verdict + ": no face in any frame";
    const std::string count = " (" + std::to_string(e.frames) + " of " + std::to_string(config.min_frames) + " frames)";
    if (e.undecided_reason == UndecidedReason::too_few_frames) return verdict + ": too few frames" + count;
    return verdict + ": collecting" + count;
  }
  if (e.cue == LivenessCue::none) return verdict + ": liveness off";
  if (e.cue == LivenessCue::frozen)
    return verdict + ": frozen (the face crop did not change over " + std::to_string(e.frames) + " frames)";
  const int digits = digits_for(e.cue);
  std::string line = verdict + ": " + std::string(to_string(e.cue)) + " " + fixed(e.value, digits) +
                     (e.live() ? " >= " : " < ") + fixed(e.threshold, digits);
  if (e.live()) {
    if (e.cue != LivenessCue::passive && e.passive)
      line += ", passive " + fixed(*e.passive, 2) + " >= " + fixed(config.passive_threshold, 2);
    return line;
  }
  return line + (e.cue == LivenessCue::passive ? " (the crop looks like a print or a screen)"
                                               : " (the face moves as one plane)");
}

double liveness_score(const LivenessEvidence& e, const LivenessConfig& config) {
  if (config.mode == LivenessMode::off) return 2;
  if (!e.decided() || e.cue == LivenessCue::frozen) return 0;
  double score = std::numeric_limits<double>::infinity();
  if (uses_passive(config.mode) && e.passive)
    score = std::min(score, config.passive_threshold > 0 ? *e.passive / config.passive_threshold : 2.0);
  if (uses_temporal(config.mode))
    score = std::min(score, config.temporal_threshold > 0 ? e.temporal.value_or(0.0) / config.temporal_threshold : 2.0);
  return std::isfinite(score) ? score : 0;
}

LivenessDetector::LivenessDetector(const PadModelStore& store) : passive_(store) {}
LivenessDetector::LivenessDetector(PassiveLiveness passive) : passive_(std::move(passive)) {}

LivenessSession::LivenessSession(const LivenessDetector& detector, LivenessConfig config)
    : detector_(&detector), config_(config) {
  config_.validate();
  if (config_.mode == LivenessMode::off) {
    evidence_.verdict = LivenessVerdict::live;
    evidence_.undecided_reason = UndecidedReason::none;
  }
}

LivenessEvidence LivenessSession::add(const cv::Mat& bgr, const DetectedFace& face, double seconds) {
  if (evidence_.decided() || finished_) return evidence_;
  assert(!bgr.empty() && bgr.type() == CV_8UC3);
  if (!first_seconds_) first_seconds_ = seconds;
  last_seconds_ = seconds;
  ++evidence_.frames;
  if (uses_passive(config_.mode)) {
    passive_sum_ += detector_->passive().score(bgr, face.box).live;
    ++passive_frames_;
  }
  if (uses_temporal(config_.mode)) temporal_.add(bgr, face.box);
  return evidence_ = decide(false);
}

LivenessEvidence LivenessSession::add_without_face(double seconds) {
  if (evidence_.decided() || finished_) return evidence_;
  if (!first_seconds_) first_seconds_ = seconds;
  last_seconds_ = seconds;
  temporal_.reset_tracks();
  return evidence_ = decide(false);
}

LivenessEvidence LivenessSession::finish() {
  if (!evidence_.decided() && !finished_) evidence_ = decide(true);
  finished_ = true;
  return evidence_;
}

LivenessEvidence LivenessSession::decide(bool final) {
  LivenessEvidence e;
  e.frames = evidence_.frames;
  if (passive_frames_ > 0) e.passive = passive_sum_ / passive_frames_;
  if (uses_temporal(config_.mode)) {
    e.temporal = temporal_.non_rigidity();
    e.frozen = temporal_.frozen();
  }
  if (e.frames < config_.min_frames) {
    e.undecided_reason = !final ? UndecidedReason::collecting
                                : (e.frames == 0 ? UndecidedReason::no_face : UndecidedReason::too_few_frames);
    return e;
  }
  const bool enough = final || e.frames >= config_.max_frames ||
                      (first_seconds_ && last_seconds_ - *first_seconds_ >= config_.time_budget_s);
  auto conclude = [&](LivenessVerdict verdict, LivenessCue cue, double value, double threshold) {
    e.verdict = verdict;
    e.undecided_reason = UndecidedReason::none;
    e.cue = cue;
    e.value = value;
    e.threshold = threshold;
    return e;
  };
  // A frozen image is an attack at once. Live as soon as every cue of the mode passes; an
  // attack on a low passive mean or a planar motion only when the frames or the time are spent:
  // the first frames of a live traveller may score low (motion blur, turning to the camera)
  // and a traveller may hold still at first.
  if (e.frozen) return conclude(LivenessVerdict::attack, LivenessCue::frozen, 0, 0);
  const bool passive_live = !e.passive || *e.passive >= config_.passive_threshold;
  const double moved = e.temporal.value_or(0.0);
  const bool temporal_live = !uses_temporal(config_.mode) || moved >= config_.temporal_threshold;
  if (passive_live && temporal_live) {
    if (uses_temporal(config_.mode))
      return conclude(LivenessVerdict::live, LivenessCue::temporal, moved, config_.temporal_threshold);
    return conclude(LivenessVerdict::live, LivenessCue::passive, *e.passive, config_.passive_threshold);
  }
  if (enough) {
    if (!passive_live) return conclude(LivenessVerdict::attack, LivenessCue::passive, *e.passive, config_.passive_threshold);
    return conclude(LivenessVerdict::attack, LivenessCue::temporal, moved, config_.temporal_threshold);
  }
  e.undecided_reason = UndecidedReason::collecting;
  return e;
}

}  // namespace gatesim::biometrics
