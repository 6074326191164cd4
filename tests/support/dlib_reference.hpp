#pragma once
// PlainDlibPipeline: face verification written the way dlib's own examples and Python API do
// it, with nothing of ours in the path: dlib::load_image (or a plain RGB copy of a frame),
// pyramid_up + frontal detector, shape_predictor_5, extract_image_chip(150, 0.25), ResNet.
// Tests use it as the reference our FaceAnalyzer must equal; bench/ uses it as the baseline.
//
// Thread safety: not thread-safe; one instance per thread.

#include <filesystem>
#include <memory>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "biometrics/face_types.hpp"

namespace gatesim::testing {

class PlainDlibPipeline {
 public:
  explicit PlainDlibPipeline(const std::filesystem::path& model_folder);
  ~PlainDlibPipeline();

  void load_file(const std::filesystem::path& image);  // dlib::load_image
  void set_frame(const cv::Mat& bgr);                   // a plain RGB copy

  // Boxes as dlib's Python API returns them for `upsample` (face_recognition uses 1).
  std::vector<biometrics::FaceBox> detect(int upsample);
  biometrics::FiveLandmarks landmarks(const biometrics::FaceBox& box);
  biometrics::FaceDescriptor describe(const biometrics::FaceBox& box);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gatesim::testing
