#pragma once
// Matcher: 1:1 verification of two face descriptors against a threshold.
//
// dlib's ResNet puts one person's faces within 0.6 of each other (99.38% on LFW); the threshold
// is a setting so that a deployment can use the value `gatesim eval-faces` calibrates for its
// target false-match rate.
//
// Thread safety: immutable after construction; safe from any thread.

#include "biometrics/face_types.hpp"

namespace gatesim::biometrics {

inline constexpr double kDlibDefaultThreshold = 0.6;

struct MatchResult {
  double distance = 0;
  double threshold = 0;
  bool same_person = false;  // distance < threshold
};

class Matcher {
 public:
  explicit Matcher(double threshold = kDlibDefaultThreshold) : threshold_(threshold) {}
  double threshold() const { return threshold_; }
  MatchResult compare(const FaceDescriptor& a, const FaceDescriptor& b) const {
    const double d = descriptor_distance(a, b);
    return {d, threshold_, d < threshold_};
  }

 private:
  double threshold_;
};

}  // namespace gatesim::biometrics
