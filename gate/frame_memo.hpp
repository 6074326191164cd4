#pragma once
// FrameMemo: the face pipeline's analysis of frames already seen, kept by their pixels, for
// benches that show the same few images again and again (gatesim soak on a `dir:` camera). A
// LaneDriver given one (LaneDriverOptions::frame_memo) runs the detector once per distinct
// image, and the descriptor once per image that needs one, instead of once per frame. Live lanes
// have none: a camera never gives the same pixels twice.
//
// A frame's key is a 64-bit hash of its size, type and every pixel: two different frames of a
// bench's n images share one with a chance of about n^2 / 2^65.
//
// Thread safety: one thread at a time (the driver's service thread). The counts may be read
// once the driver's run() has returned.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "biometrics/face_quality.hpp"
#include "biometrics/face_types.hpp"

namespace gatesim::gate {

// What the pipeline found in one frame.
struct FrameAnalysis {
  std::vector<biometrics::DetectedFace> faces;
  std::optional<biometrics::FaceQuality> quality;   // of the largest face
  std::optional<biometrics::FaceDescriptor> probe;  // of the largest face, once it was wanted and its quality acceptable
  std::size_t largest = 0;                          // index of the largest face
};

class FrameMemo {
 public:
  // requires: capacity > 0 (distinct frames kept; when full, all are forgotten at once).
  explicit FrameMemo(std::size_t capacity);

  // ensures: the analysis remembered for a frame with these pixels; null when there is none
  //          (counted as a frame the pipeline must analyse).
  FrameAnalysis* find(const cv::Mat& frame);
  // requires: find(frame) returned null just before.
  // ensures: `analysis` is remembered for the frame; returns it.
  FrameAnalysis& remember(const cv::Mat& frame, FrameAnalysis analysis);
  // The driver computed the descriptor of a remembered frame first analysed without one (a
  // liveness-only frame).
  void probe_added() { ++counts_.probes_added; }

  struct Counts {
    std::uint64_t analysed = 0;      // frames the pipeline analysed (find() found nothing)
    std::uint64_t reused = 0;        // frames answered from memory
    std::uint64_t probes_added = 0;  // descriptors computed later for a remembered frame
  };
  const Counts& counts() const { return counts_; }

 private:
  static std::size_t key_of(const cv::Mat& frame);

  std::size_t capacity_;
  std::unordered_map<std::size_t, FrameAnalysis> remembered_;
  std::size_t last_key_ = 0;  // of the frame find() last missed
  Counts counts_;
};

}  // namespace gatesim::gate
