#pragma once
// Presentation-attack detection (liveness, ISO/IEC 30107): is a live person at the camera, or a
// photo, a screen or a still image moved by hand? Two independent cues, fused into one verdict
// with a reason:
//   - passive (per frame): the MiniFASNet V2 + V1SE networks (biometrics/passive_liveness.hpp)
//     give the probability that the face crop shows a live face; the session averages it over
//     its frames.
//   - temporal (over the frames of one face step): a live face moves non-rigidly, a print or a
//     screen as one plane, a frozen image not at all (biometrics/temporal_liveness.hpp).
// Neither stops a 3-D mask or a replay of a video on a flawless display: see README, Liveness.
//
// Use: one LivenessDetector per process (it loads the models), one LivenessSession per face
// step (per traveller), fed the step's frames with the face the lane found in each:
//     LivenessDetector detector(PadModelStore::from_environment());
//     LivenessSession session(detector, config);
//     for each frame: LivenessEvidence e = session.add(frame, face, seconds_since_step_start);
//                     if (e.decided()) break;
//     LivenessEvidence final_evidence = session.finish();   // the step ends (frames or time)
// Everything here is data in, data out: LivenessEvidence is a value the gate controller can
// receive in an event.
//
// Thread safety: LivenessDetector is immutable after construction and safe to share between
// threads (const calls may run concurrently; see PassiveLiveness for how the networks are
// shared). A LivenessSession is one thread's: not thread-safe, cheap to make.

#include <optional>
#include <string>
#include <string_view>

#include <opencv2/core/mat.hpp>

#include "biometrics/face_types.hpp"
#include "biometrics/pad_models.hpp"
#include "biometrics/passive_liveness.hpp"
#include "biometrics/temporal_liveness.hpp"

namespace gatesim::biometrics {

// Which cues a lane uses. off: every session says live at once (cue none).
enum class LivenessMode { off, passive, temporal, both };

// The cue a verdict rests on. none: mode off, or nothing measured yet.
enum class LivenessCue { none, passive, temporal, frozen };

enum class LivenessVerdict { undecided, live, attack };

// Why a session is still undecided (or ended undecided).
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
  // temporal: TemporalLiveness::non_rigidity() must be >= this (see temporal_liveness.hpp).
  double temporal_threshold = kDefaultNonRigidityThreshold;
  // Frames with a face before any decision (passive and temporal alike); a session that ends
  // with fewer is undecided, too_few_frames. 1 lets passive judge a single still image.
  int min_frames = 8;
  // Frames after which the session decides on what it has (add() beyond this changes nothing).
  int max_frames = 24;
  // Seconds from the session's first frame after which it decides on what it has, provided it
  // has min_frames (the part of the face step's window liveness may use).
  double time_budget_s = 2.0;

  // ensures: an InputError naming the field when a value is out of range
  //          (thresholds in [0, 1] for passive, >= 0 temporal; 1 <= min_frames <= max_frames;
  //          time_budget_s > 0).
  void validate() const;
};

// What a session concludes so far. A plain value.
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

  bool decided() const { return verdict != LivenessVerdict::undecided; }
  bool live() const { return verdict == LivenessVerdict::live; }
};

// ensures: one line naming the verdict, the cue and its value against the threshold, e.g.
//          "attack: temporal 0.0041 < 0.0150 (the face moves as one plane)" or
//          "undecided: too few frames (3 of 8)".
std::string describe(const LivenessEvidence& evidence, const LivenessConfig& config);

// A presentation's liveness margin, one number for DET curves and eval-pad (pad_evaluation.hpp):
// each deciding cue's value divided by its threshold, the smallest of them (>= 1: live at the
// configured thresholds); 0 for frozen or undecided evidence; 1 + anything for mode off.
// requires: evidence from a session with `config`.
double liveness_score(const LivenessEvidence& evidence, const LivenessConfig& config);

class LivenessDetector {
 public:
  // ensures: both anti-spoofing networks loaded once from `store` (checked by SHA-256) and
  //          checked to take an 80x80 BGR crop and give 3 scores.
  // throws models::InputError naming the file when one is missing, corrupt or of the wrong shape.
  explicit LivenessDetector(const PadModelStore& store);
  // As above from explicit files (no SHA-256 check): for tests and for models a user supplies.
  explicit LivenessDetector(PassiveLiveness passive);

  const PassiveLiveness& passive() const { return passive_; }

 private:
  PassiveLiveness passive_;
};

class LivenessSession {
 public:
  // requires: detector outlives the session; config.validate() passes.
  LivenessSession(const LivenessDetector& detector, LivenessConfig config);

  // requires: bgr 8-bit 3-channel, the same size for every frame of the session; `face` found
  //           in it (dlib box and 5 landmarks); seconds measured from any fixed origin,
  //           non-decreasing.
  // ensures: the evidence after this frame. Once decided, later frames change nothing.
  LivenessEvidence add(const cv::Mat& bgr, const DetectedFace& face, double seconds);
  // A frame where the lane found no face: counts towards nothing, but resets the temporal
  // tracking (the face may come back elsewhere).
  LivenessEvidence add_without_face(double seconds);

  // ensures: the final evidence: decided when min_frames frames were seen (on what they show),
  //          else undecided with too_few_frames or no_face. Later add() calls change nothing.
  LivenessEvidence finish();

  const LivenessEvidence& evidence() const { return evidence_; }
  const LivenessConfig& config() const { return config_; }

 private:
  LivenessEvidence decide(bool final);

  const LivenessDetector* detector_;
  LivenessConfig config_;
  TemporalLiveness temporal_;
  double passive_sum_ = 0;
  int passive_frames_ = 0;
  std::optional<double> first_seconds_;
  double last_seconds_ = 0;
  bool finished_ = false;
  LivenessEvidence evidence_;
};

}  // namespace gatesim::biometrics
