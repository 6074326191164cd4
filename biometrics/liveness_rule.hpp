#pragma once
// The liveness (presentation-attack) rule and its vocabulary, apart from any detector: which
// cues a lane uses (LivenessMode), its thresholds and budget (LivenessConfig), what a detector
// measured (LivenessMeasurements) and what the rule makes of it (LivenessEvidence). Plain
// values and pure functions, no OpenCV: the gate controller judges measurements with the same
// function the detector's own session uses (biometrics/liveness.hpp), so a lane and
// `gatesim eval-pad` decide alike.
//
// Thread safety: values; the functions are pure.

#include <optional>
#include <string>
#include <string_view>

namespace gatesim::biometrics {

// non_rigidity() (temporal_liveness.hpp) at or above this: the face moved non-rigidly (live).
inline constexpr double kDefaultNonRigidityThreshold = 0.025;

// MoireLiveness::peak() (moire_liveness.hpp) above this: a display's grid (attack). Live
// sessions of the shipped clip stayed at or below 3.9 (docs/liveness.md).
inline constexpr double kDefaultMoireThreshold = 4.0;

// LivenessConfig::passive_frames: the passive cue on 3 of every 8 frames, measured on the
// shipped clip against every frame (README, Liveness).
inline constexpr int kDefaultPassiveFrames = 3;

// Which cues a lane uses. off: every session says live at once (cue none). passive: the cues
// that judge what single frames show (the networks, and the display grid unless its threshold
// is 0); temporal: how the face moves over the frames; both: all of them.
enum class LivenessMode { off, passive, temporal, both };
inline bool uses_passive(LivenessMode mode) { return mode == LivenessMode::passive || mode == LivenessMode::both; }
inline bool uses_temporal(LivenessMode mode) { return mode == LivenessMode::temporal || mode == LivenessMode::both; }

// The cue a verdict rests on. none: mode off, or nothing decided yet.
enum class LivenessCue { none, passive, moire, temporal, frozen };

enum class LivenessVerdict { undecided, live, attack };

// Why the evidence is still undecided (or ended undecided).
enum class UndecidedReason {
  none,            // decided
  collecting,      // fewer than min_frames frames with a face so far; add more
  too_few_frames,  // finish() with fewer than min_frames frames: the clip is too short to judge
  no_face,         // finish() without a single frame with a face
};

std::string_view to_string(LivenessMode mode);
std::string_view to_string(LivenessCue cue);
std::string_view to_string(LivenessVerdict verdict);
std::string_view to_string(UndecidedReason reason);
// throws models::InputError "liveness mode '<text>': expected off, passive, temporal or both".
LivenessMode parse_liveness_mode(std::string_view text);

// Per-lane settings. The defaults are the measured operating point (README, Liveness).
struct LivenessConfig {
  LivenessMode mode = LivenessMode::both;
  // passive: the mean fused live probability over the session's frames must be >= this.
  double passive_threshold = 0.75;
  // passive: MoireLiveness::peak() must stay at or below this once it has kMoireMinFrames frames
  // (see moire_liveness.hpp); 0 turns the display-grid cue off.
  double moire_threshold = kDefaultMoireThreshold;
  // temporal: TemporalLiveness::non_rigidity() must be >= this (see temporal_liveness.hpp).
  double temporal_threshold = kDefaultNonRigidityThreshold;
  // Frames with a face before any decision (passive and temporal alike); a session that ends
  // with fewer is undecided, too_few_frames. 1 lets passive judge a single still image.
  int min_frames = 8;
  // Frames after which the session decides on what it has (add() beyond this changes nothing).
  int max_frames = 24;
  // Of every min_frames frames with a face, how many the passive cue (the costlier one) scores,
  // spread evenly and always including the min_frames-th (passive_frame()); the mean is over
  // those. 0, or min_frames and more: every frame. The temporal cue sees every frame.
  int passive_frames = kDefaultPassiveFrames;
  // Seconds from the session's first frame after which it decides on what it has, provided it
  // has min_frames (the part of the face step's window liveness may use).
  double time_budget_s = 2.0;

  // ensures: an InputError naming the field when a value is out of range
  //          (thresholds in [0, 1] for passive, 0 or > 1 moire, >= 0 temporal;
  //          1 <= min_frames <= max_frames;
  //          passive_frames >= 0; time_budget_s > 0).
  void validate() const;
  // ensures: whether the passive cue scores the n-th frame with a face of a session (n >= 1).
  bool passive_frame(int n) const;
};

// Whether a lane with `config` measures the display grid (passive cues, threshold not 0).
inline bool uses_moire(const LivenessConfig& config) {
  return uses_passive(config.mode) && config.moire_threshold > 0;
}

// What a detector has measured over a face step's frames so far: the data a lane hands its
// controller in an event (gate::FrameAnalysed). No verdict: judge_liveness gives that.
struct LivenessMeasurements {
  int frames = 0;                  // frames with a face measured
  std::optional<double> passive;   // mean fused live probability, 0..1 (passive and both)
  std::optional<double> temporal;  // non-rigidity (TemporalLiveness), >= 0 (temporal and both)
  bool frozen = false;             // every consecutive pair of face crops identical
  std::optional<double> moire;     // display-grid peak (MoireLiveness), from kMoireMinFrames frames (passive and both)
  friend bool operator==(const LivenessMeasurements&, const LivenessMeasurements&) = default;
};

// What the rule concludes from measurements. A plain value.
struct LivenessEvidence {
  LivenessVerdict verdict = LivenessVerdict::undecided;
  UndecidedReason undecided_reason = UndecidedReason::collecting;
  LivenessCue cue = LivenessCue::none;  // the cue that decided (for attack: the one that failed)
  double value = 0;                     // that cue's value
  double threshold = 0;                 // and the threshold it was held against
  int frames = 0;                       // frames with a face the session used
  // Each cue's value so far (nullopt: not measured in this mode or not enough frames yet).
  std::optional<double> passive;   // mean fused live probability, 0..1
  std::optional<double> temporal;  // non-rigidity (TemporalLiveness), >= 0
  bool frozen = false;             // every consecutive pair of face crops identical
  std::optional<double> moire;     // display-grid peak (MoireLiveness), about 1 when nothing is periodic

  bool decided() const { return verdict != LivenessVerdict::undecided; }
  bool live() const { return verdict == LivenessVerdict::live; }
  friend bool operator==(const LivenessEvidence&, const LivenessEvidence&) = default;
};

// The liveness rule, the one place it is written (LivenessSession and gate::GateController
// both call it). A frozen image is an attack as soon as min_frames frames are in (no verdict
// comes sooner). Live as soon as every cue of the mode
// passes its threshold on at least min_frames frames (the display-grid cue once measured: it
// needs kMoireMinFrames frames; before that, and on a single image, it does not vote). An
// attack on a display grid, a low passive mean or a planar motion (that order names the
// reason when several fail) only once the session has spent its frames (max_frames) or its time
// (time_budget_s since the first frame), or `final` says no more frames will come: the first
// frames of a live traveller may score low (motion blur, turning to the camera) and a
// traveller may hold still at first. Fewer than min_frames frames: undecided (collecting, or
// when final too_few_frames / no_face).
// requires: config.validate() passes; elapsed_s >= 0.
LivenessEvidence judge_liveness(const LivenessMeasurements& measured, const LivenessConfig& config, double elapsed_s,
                                bool final);

// ensures: one line naming the verdict, the cue and its value against the threshold, e.g.
//          "attack: temporal 0.0041 < 0.0150 (the face moves as one plane)" or
//          "undecided: too few frames (3 of 8)".
std::string describe(const LivenessEvidence& evidence, const LivenessConfig& config);

// ensures: the measurements in one line, e.g. "12 frames, passive 0.93, moire 2.71, temporal
//          0.0412" (a cue not measured is left out; ", frozen" when frozen).
std::string describe(const LivenessMeasurements& measured);

// The deciding cue's value against its threshold, oriented so that 1 and above passes it:
// value / threshold, or threshold / value for the display grid (lower passes); 2 for a
// threshold of 0 (everything passes). 0 for frozen or undecided evidence, or mode off.
double cue_margin(const LivenessEvidence& evidence);

// A presentation's liveness margin, one number for DET curves and eval-pad (pad_evaluation.hpp):
// each deciding cue's value divided by its threshold (for the display grid, where lower is
// live: threshold over value), the smallest of them (>= 1: live at the configured thresholds); 0 for frozen or undecided evidence; 1 + anything for mode off.
// requires: evidence from a session with `config`.
double liveness_score(const LivenessEvidence& evidence, const LivenessConfig& config);


}  // namespace gatesim::biometrics
