#pragma once
// Plain values the face pipeline produces. No dlib types leave biometrics/.
//
// Thread safety: values; safe to copy and share read-only.

#include <array>
#include <cmath>
#include <cstddef>

namespace gatesim::biometrics {

struct Point2 {
  double x = 0;
  double y = 0;
};

// A face box in image pixels, dlib's convention: right and bottom are inclusive and the box
// may extend past the image edges (a face cut by the border).
struct FaceBox {
  long left = 0;
  long top = 0;
  long right = -1;
  long bottom = -1;

  long width() const { return right - left + 1; }
  long height() const { return bottom - top + 1; }
  // ensures: the part of the box inside a width x height image.
  FaceBox clipped_to(long image_width, long image_height) const;
  friend bool operator==(const FaceBox&, const FaceBox&) = default;
};

// dlib's 5-point layout: two corners of one eye (0, 1), two of the other (2, 3), the base of
// the nose (4).
using FiveLandmarks = std::array<Point2, 5>;

struct DetectedFace {
  FaceBox box;
  double detector_score = 0;  // HOG or MMOD confidence; higher is surer
  FiveLandmarks landmarks{};
};

inline constexpr std::size_t kDescriptorSize = 128;
// dlib ResNet face descriptor: faces of one person lie within ~0.6 of each other.
using FaceDescriptor = std::array<float, kDescriptorSize>;

// Euclidean distance, accumulated in double so it matches dlib's length(a - b).
inline double descriptor_distance(const FaceDescriptor& a, const FaceDescriptor& b) {
  double sum = 0;
  for (std::size_t i = 0; i < kDescriptorSize; ++i) {
    double d = static_cast<double>(a[i]) - static_cast<double>(b[i]);
    sum += d * d;
  }
  return std::sqrt(sum);
}

inline FaceBox FaceBox::clipped_to(long image_width, long image_height) const {
  auto clamp = [](long v, long lo, long hi) { return v < lo ? lo : (v > hi ? hi : v); };
  return {clamp(left, 0, image_width - 1), clamp(top, 0, image_height - 1), clamp(right, 0, image_width - 1),
          clamp(bottom, 0, image_height - 1)};
}

}  // namespace gatesim::biometrics
