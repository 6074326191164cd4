#pragma once
// TemporalLiveness: the cue over the frames of one face step. A live face moves non-rigidly
// (parallax between nose and cheeks when the head turns, blinks, the mouth); a print or a
// screen moves as one plane, whatever the hand does with it; a frozen image does not move.
//
// How: corners inside the face box of the first frame (cv::goodFeaturesToTrack) are tracked
// frame to frame with pyramidal Lucas-Kanade (a forward-backward check drops bad tracks), in
// the part of the two frames around the face (not the whole frames: the cost is the face's). At
// each frame a homography is fitted (least squares) from the points' first positions to their
// present ones; a plane seen by a pinhole camera moves exactly by a homography, so what the
// homography cannot explain is non-rigid motion.
//   non_rigidity = the largest, over the frames so far, of the RMS reprojection error of that
//                  fit divided by the face box width (unitless; 0.01 = 1% of the face width).
// On the shipped clip (faces ~40-60 px wide, where tracking noise is a large share of the width)
// a print or a still photo moved by hand stayed at 0.004-0.011 and live windows reached
// 0.048-0.076; a screen replaying the live video keeps the face's own motion (0.018-0.055):
// the passive cue has to stop that one (README, Liveness).
// A live face that holds perfectly still also stays low: the temporal cue alone cannot tell
// it from a print held perfectly still, and refers it.
//   frozen = every consecutive pair of face crops is the same to within 0.5 grey levels on
//            average (a still image replayed, an MJPEG stream of one frame).
// When fewer than kMinTrackedPoints survive, tracking starts again from the present frame
// (the largest value so far is kept).
//
// Thread safety: one object per thread (it holds the previous frame).

#include <optional>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "biometrics/face_types.hpp"

namespace gatesim::biometrics {

inline constexpr int kMinTrackedPoints = 12;

class TemporalLiveness {
 public:
  // requires: bgr 8-bit 3-channel (or 1-channel grey), the same size on every call until reset();
  //           box the face in it.
  void add(const cv::Mat& bgr, const FaceBox& box);
  // Forget the tracks (the face was lost); the values measured so far are kept.
  void reset_tracks();

  int frames() const { return frames_; }
  // ensures: nullopt until two frames with enough tracked points were seen.
  std::optional<double> non_rigidity() const { return non_rigidity_; }
  // ensures: true when at least two frames were seen and every consecutive pair was the same.
  bool frozen() const { return pairs_ > 0 && frozen_pairs_ == pairs_; }

 private:
  void start_tracks(const FaceBox& box);

  cv::Mat previous_;                  // grey
  FaceBox previous_box_;
  std::vector<cv::Point2f> anchors_;  // first positions of the tracked points
  std::vector<cv::Point2f> points_;   // their positions in previous_
  double face_width_ = 1;             // at the anchor frame
  int frames_ = 0;
  int pairs_ = 0, frozen_pairs_ = 0;
  std::optional<double> non_rigidity_;
};

}  // namespace gatesim::biometrics
