#pragma once
// SyntheticFinger: a plausible fingerprint of nobody, made from a seed the way SFinGe does it
// (Cappelli, Maio, Maltoni): a finger class and its singular points (cores, deltas) give an
// orientation field by the zero-pole model, bent by a smooth random perturbation; a smooth
// ridge-period map stays near 9 px (500 dpi); ridges then grow from a few random seed points
// by repeated Gabor filtering tuned to the local orientation and period, so where the growing
// ridge fronts meet they leave minutiae (endings, bifurcations) that are the finger's
// identity. An impression is what one touch on a sensor gives: the finger moved (rotation,
// translation), stretched by skin elasticity, pressed harder or softer (thicker or thinner
// ridges, a larger or smaller contact area) and seen through sensor noise. Two impressions of
// one finger share their minutiae; two fingers do not.
//
// Everything comes from the seed and the impression number (no global random state), so
// fingerprints are the same on every machine and run.
//
// Thread safety: a SyntheticFinger is immutable after construction; any thread may call
// impression() concurrently.

#include <cstdint>
#include <string>

#include <opencv2/core/mat.hpp>

namespace gatesim::devices {

enum class FingerPattern { arch, tented_arch, left_loop, right_loop, whorl };
std::string to_string(FingerPattern pattern);

class SyntheticFinger {
 public:
  // requires: 128 <= size.width, size.height <= 2000 (else std::invalid_argument).
  // ensures: the master ridge pattern of the finger `seed` is grown (about 0.3 s at 300x400).
  explicit SyntheticFinger(std::uint64_t seed, cv::Size size = {300, 400});

  std::uint64_t seed() const { return seed_; }
  FingerPattern pattern() const { return pattern_; }
  // The master ridge pattern before any touch: CV_32F in [-1, 1], ridges positive, 0 outside
  // the finger.
  const cv::Mat& ridges() const { return ridges_; }

  // ensures: an 8-bit single-channel image of `size`: dark ridges on a light background
  //          (255 where the finger does not touch), different for every `number` and the same
  //          for the same (seed, number).
  cv::Mat impression(std::uint64_t number) const;

 private:
  std::uint64_t seed_;
  FingerPattern pattern_;
  cv::Mat ridges_;
  cv::Point2f center_;  // of the finger's contact ellipse
  cv::Size2f axes_;     // its semi-axes
};

}  // namespace gatesim::devices
