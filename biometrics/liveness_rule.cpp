#include "biometrics/liveness_rule.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "models/input_error.hpp"

namespace gatesim::biometrics {
namespace {

std::string fixed(double value, int digits) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

int digits_for(LivenessCue cue) { return cue == LivenessCue::temporal ? 4 : 2; }

// The display grid (a peak) passes below its threshold, the other cues at or above theirs.
bool lower_is_live(LivenessCue cue) { return cue == LivenessCue::moire; }

// A cue's value against its threshold, oriented so that 1 and above passes; 2 when the
// threshold is 0 (every value passes).
double margin(LivenessCue cue, double value, double threshold) {
  if (threshold <= 0) return 2.0;
  return lower_is_live(cue) ? threshold / std::max(value, 1e-9) : value / threshold;
}

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
    case LivenessCue::moire: return "moire";
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
  if (!(moire_threshold == 0 || moire_threshold > 1)) fail("moire_threshold", moire_threshold, "0 (off) or more than 1");
  if (!(temporal_threshold >= 0)) fail("temporal_threshold", temporal_threshold, "0 or more");
  if (min_frames < 1) fail("min_frames", min_frames, "1 or more");
  if (max_frames < min_frames) fail("max_frames", max_frames, "at least min_frames (" + std::to_string(min_frames) + ")");
  if (passive_frames < 0) fail("passive_frames", passive_frames, "0 or more");
  if (!(time_budget_s > 0)) fail("time_budget_s", time_budget_s, "more than 0 seconds");
}

bool LivenessConfig::passive_frame(int n) const {
  if (passive_frames <= 0 || passive_frames >= min_frames) return true;
  // Frame n of each run of min_frames is scored when it brings the count of scored frames,
  // spread evenly over the run, to a new whole number: exactly passive_frames per run, the run's
  // last frame among them (the frame on which the session may first decide).
  const long k = (n - 1) % min_frames + 1;
  return k * passive_frames / min_frames > (k - 1) * passive_frames / min_frames;
}

LivenessEvidence judge_liveness(const LivenessMeasurements& m, const LivenessConfig& config, double elapsed_s,
                                bool final) {
  LivenessEvidence e;
  e.frames = m.frames;
  if (uses_passive(config.mode)) {
    e.passive = m.passive;
    if (uses_moire(config)) e.moire = m.moire;
  }
  if (uses_temporal(config.mode)) {
    e.temporal = m.temporal;
    e.frozen = m.frozen;
  }
  auto conclude = [&](LivenessVerdict verdict, LivenessCue cue, double value, double threshold) {
    e.verdict = verdict;
    e.undecided_reason = UndecidedReason::none;
    e.cue = cue;
    e.value = value;
    e.threshold = threshold;
    return e;
  };
  if (config.mode == LivenessMode::off) return conclude(LivenessVerdict::live, LivenessCue::none, 0, 0);
  if (e.frames < config.min_frames) {
    e.undecided_reason = !final ? UndecidedReason::collecting
                                : (e.frames == 0 ? UndecidedReason::no_face : UndecidedReason::too_few_frames);
    return e;
  }
  const bool spent = final || e.frames >= config.max_frames || elapsed_s >= config.time_budget_s;
  if (e.frozen) return conclude(LivenessVerdict::attack, LivenessCue::frozen, 0, 0);
  const double live_probability = e.passive.value_or(0.0);
  const double moved = e.temporal.value_or(0.0);
  const bool passive_live = !uses_passive(config.mode) || live_probability >= config.passive_threshold;
  const bool moire_live = !e.moire || *e.moire <= config.moire_threshold;
  const bool temporal_live = !uses_temporal(config.mode) || moved >= config.temporal_threshold;
  if (passive_live && moire_live && temporal_live) {
    if (uses_temporal(config.mode))
      return conclude(LivenessVerdict::live, LivenessCue::temporal, moved, config.temporal_threshold);
    return conclude(LivenessVerdict::live, LivenessCue::passive, live_probability, config.passive_threshold);
  }
  if (spent) {
    if (!moire_live) return conclude(LivenessVerdict::attack, LivenessCue::moire, *e.moire, config.moire_threshold);
    if (!passive_live)
      return conclude(LivenessVerdict::attack, LivenessCue::passive, live_probability, config.passive_threshold);
    return conclude(LivenessVerdict::attack, LivenessCue::temporal, moved, config.temporal_threshold);
  }
  e.undecided_reason = UndecidedReason::collecting;
  return e;
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
  // The display grid passes below its threshold, the other cues at or above theirs.
  const bool lower = lower_is_live(e.cue);
  const std::string passes = lower ? " <= " : " >= ", fails = lower ? " > " : " < ";
  std::string line = verdict + ": " + std::string(to_string(e.cue)) + " " + fixed(e.value, digits) +
                     (e.live() ? passes : fails) + fixed(e.threshold, digits);
  if (e.live()) {
    if (e.cue != LivenessCue::passive && e.passive)
      line += ", passive " + fixed(*e.passive, 2) + " >= " + fixed(config.passive_threshold, 2);
    if (e.moire) line += ", moire " + fixed(*e.moire, 2) + " <= " + fixed(config.moire_threshold, 2);
    return line;
  }
  switch (e.cue) {
    case LivenessCue::moire: return line + " (a periodic pattern around the face: a display's pixel grid, a print's dots, a resampled picture)";
    case LivenessCue::passive: return line + " (the crop looks like a print or a screen)";
    default: return line + " (the face moves as one plane)";
  }
}

std::string describe(const LivenessMeasurements& m) {
  std::string text = std::to_string(m.frames) + " frames";
  if (m.passive) text += ", passive " + fixed(*m.passive, 2);
  if (m.moire) text += ", moire " + fixed(*m.moire, 2);
  if (m.temporal) text += ", temporal " + fixed(*m.temporal, 4);
  if (m.frozen) text += ", frozen";
  return text;
}

double cue_margin(const LivenessEvidence& e) {
  if (!e.decided() || e.cue == LivenessCue::frozen || e.cue == LivenessCue::none) return 0;
  return margin(e.cue, e.value, e.threshold);
}

double liveness_score(const LivenessEvidence& e, const LivenessConfig& config) {
  if (config.mode == LivenessMode::off) return 2;
  if (!e.decided() || e.cue == LivenessCue::frozen) return 0;
  double score = std::numeric_limits<double>::infinity();
  if (uses_passive(config.mode) && e.passive)
    score = std::min(score, margin(LivenessCue::passive, *e.passive, config.passive_threshold));
  if (e.moire) score = std::min(score, margin(LivenessCue::moire, *e.moire, config.moire_threshold));
  if (uses_temporal(config.mode))
    score = std::min(score, margin(LivenessCue::temporal, e.temporal.value_or(0.0), config.temporal_threshold));
  return std::isfinite(score) ? score : 0;
}

}  // namespace gatesim::biometrics
