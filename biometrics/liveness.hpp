#pragma once
// Presentation-attack detection (liveness, ISO/IEC 30107): is a live person at the camera, or a
// photo, a screen or a still image moved by hand? Three cues of two kinds, fused into one verdict
// with a reason:
//   - passive (per frame): the MiniFASNet V2 + V1SE networks (biometrics/passive_liveness.hpp)
//     give the probability that the face crop shows a live face; the session averages it over
//     the frames it scores: LivenessConfig::passive_frames of every min_frames (the networks
//     cost about three times the temporal cue per frame).
//   - display grid (passive, over the frames): a screen's pixel grid is a peak in the face
//     square's spectrum that adds up over the frames (biometrics/moire_liveness.hpp).
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
#include "biometrics/liveness_rule.hpp"
#include "biometrics/moire_liveness.hpp"
#include "biometrics/pad_models.hpp"
#include "biometrics/passive_liveness.hpp"
#include "biometrics/temporal_liveness.hpp"

namespace gatesim::biometrics {

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
  // What the session has measured so far (for a lane whose controller judges it).
  const LivenessMeasurements& measurements() const { return measured_; }
  const LivenessConfig& config() const { return config_; }

 private:
  double elapsed_s() const;


  const LivenessDetector* detector_;
  LivenessConfig config_;
  TemporalLiveness temporal_;
  MoireLiveness moire_;
  double passive_sum_ = 0;
  int passive_scored_ = 0;
  LivenessMeasurements measured_;
  std::optional<double> first_seconds_;
  double last_seconds_ = 0;
  bool finished_ = false;
  LivenessEvidence evidence_;
};

}  // namespace gatesim::biometrics
