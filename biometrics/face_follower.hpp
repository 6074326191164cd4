#pragma once
// FaceFollower: finds, in the next frame of a camera, the face seen in the previous one, without
// a full-frame detection. dlib's HOG detector (FaceAnalyzer::detect_boxes) runs only on a search
// region around the previous box, which costs a fraction of the whole frame (HOG's cost grows
// with the pixel count), then the 5 landmarks are placed on the full frame from the box found.
// It is a detection, not a guess: a frame in whose region the detector finds no face is not
// followed (the caller falls back to a full detection), and neither is one whose face moved or
// changed size more than a face at a gate does between two frames (someone else, or a jump).
//
// What following proves, and what it does not: the face followed is, frame to frame, in the
// place of the previous one. It does not prove it is the same person: another face put in the
// same place between two frames (a photo swapped for a face) is followed. A caller that has
// matched the face must therefore check the identity (a descriptor) whenever that matters; the
// lane driver (gate/lane_driver.cpp) does so on the frame that would make the liveness verdict
// live, and on every full detection after following was lost.
//
// Thread safety: one object per thread (it uses the caller's FaceAnalyzer, which is not
// thread-safe, and holds the previous box).

#include <optional>

#include <opencv2/core/mat.hpp>

#include "biometrics/face_analyzer.hpp"
#include "biometrics/face_types.hpp"

namespace gatesim::biometrics {

struct FollowSettings {
  // The search region: the previous box grown by this share of its width (height) on each side.
  double search_margin = 0.5;
  // The largest move of the box's centre between two frames, as a share of the previous width.
  double max_shift = 0.35;
  // The largest change of the box's width between two frames (a ratio, >= 1).
  double max_scale_change = 1.3;
};

class FaceFollower {
 public:
  // requires: analyzer outlives the follower; settings positive (max_scale_change >= 1).
  explicit FaceFollower(FaceAnalyzer& analyzer, FollowSettings settings = {});

  // ensures: the next follow() looks for `face` (found by a full detection, or followed).
  void start(const DetectedFace& face);
  // ensures: following() is false until the next start().
  void forget();
  bool following() const { return previous_.has_value(); }

  // requires: following(); bgr 8-bit 3-channel, non-empty.
  // ensures: the face continuing the previous one, with its landmarks, and following continues
  //          from it; nullopt when the region shows none that fits (following stops: forget()).
  std::optional<DetectedFace> follow(const cv::Mat& bgr);

  // The search region follow() would scan in a width x height frame (for tests and benches).
  // requires: following().
  cv::Rect search_region(int width, int height) const;

 private:
  FaceAnalyzer* analyzer_;
  FollowSettings settings_;
  std::optional<FaceBox> previous_;
};

}  // namespace gatesim::biometrics
