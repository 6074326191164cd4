#pragma once
// FaceAnalyzer: finds faces, their 5 landmarks and 128-D descriptors with dlib's models,
// exactly as dlib does (HOG frontal detector or MMOD CNN, shape_predictor_5, aligned
// 150x150 chip with padding 0.25, ResNet v1 descriptor).
//
// DetectorOptions::upsample = 1 reproduces dlib's Python API / face_recognition: the image is
// upsampled once with pyramid_up and the boxes are mapped back. A gate camera sees large faces,
// so the lane uses `max_detection_width` to detect on a smaller copy of the frame instead
// (landmarks and descriptors are always computed on the full frame).
//
// Thread safety: not thread-safe (dlib's networks keep per-call buffers). Use one analyzer per
// thread; construction loads the model files (well under a second).

#include <memory>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "biometrics/face_types.hpp"
#include "biometrics/model_store.hpp"

namespace gatesim::biometrics {

enum class DetectorKind { hog, mmod };

struct DetectorOptions {
  DetectorKind kind = DetectorKind::hog;
  int upsample = 1;                // times the image is doubled before detection (dlib Python's default)
  int max_detection_width = 0;     // > 0: detect on a copy scaled down to at most this width
  double adjust_threshold = 0.0;   // added to the HOG detector's threshold; lower finds more
  // HOG only: run just the frontal filter of dlib's five (front, left, right, and two rotated
  // fronts). A traveller facing the gate camera is frontal; turned heads fail quality anyway.
  bool frontal_only = false;
};

// Settings for a gate camera (640x480 class frames, one traveller ~50 cm away, faces of
// 100 px and more): no upsampling, frontal filter only. Verification decisions agree with
// dlib's defaults on such frames (tests/biometrics), at a fraction of the detection cost.
inline constexpr DetectorOptions kGateCameraDetector{.upsample = 0, .frontal_only = true};

class FaceAnalyzer {
 public:
  // ensures: models for `options.kind`, 5-point landmarks and the ResNet are loaded.
  // throws models::InputError for a missing or corrupt model file, naming it.
  FaceAnalyzer(const ModelStore& models, DetectorOptions options);
  ~FaceAnalyzer();
  FaceAnalyzer(FaceAnalyzer&&) noexcept;
  FaceAnalyzer& operator=(FaceAnalyzer&&) noexcept;

  const DetectorOptions& options() const { return options_; }
  void set_options(const DetectorOptions& options);

  // requires: bgr is 8-bit, 3-channel.
  // ensures: every face found, in the order dlib reports them (by descending score for HOG),
  //          each with its landmarks.
  std::vector<DetectedFace> detect(const cv::Mat& bgr);

  // Just the boxes (no landmarks): the cheapest pass, for counting faces in a live frame.
  std::vector<DetectedFace> detect_boxes(const cv::Mat& bgr);

  // requires: face came from detect() on the same image.
  // ensures: dlib's descriptor of the aligned chip.
  FaceDescriptor describe(const cv::Mat& bgr, const DetectedFace& face);

  // ensures: one descriptor per face, computed as one batch (dlib's Python API does the same).
  std::vector<FaceDescriptor> describe(const cv::Mat& bgr, const std::vector<DetectedFace>& faces);

  // ensures: the aligned 150x150 BGR chip the descriptor is computed from.
  cv::Mat aligned_chip(const cv::Mat& bgr, const DetectedFace& face) const;

  // Landmarks for a box (e.g. one found by another detector).
  FiveLandmarks landmarks(const cv::Mat& bgr, const FaceBox& box) const;

 private:
  struct Models;
  std::unique_ptr<Models> models_;
  DetectorOptions options_;
};

}  // namespace gatesim::biometrics
