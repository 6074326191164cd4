// Options and helpers of the gatesim-faces plugin's commands (face_command.hpp).
#include "apps/gatesim/face_command.hpp"

#include <algorithm>

#include "biometrics/image_io.hpp"
#include "models/input_error.hpp"

namespace gatesim::app {

void FaceOptions::add_to(CLI::App& command) {
  command.add_option("--models", models_dir, "Folder with dlib's model files (default: $GATESIM_MODELS or ~/.cache/gatesim/models)");
  command.add_option("--detector", detector, "Face detector: hog or mmod (dlib's CNN, slower)")
      ->check(CLI::IsMember({"hog", "mmod"}));
  command.add_option("--upsample", upsample, "Times the image is doubled before detection (dlib's Python default is 1)")
      ->check(CLI::Range(0, 3));
  command.add_option("--max-detection-width", max_detection_width,
                     "Detect on a copy scaled down to this width (0: full size); for large faces in camera frames")
      ->check(CLI::Range(0, 100000));
}

biometrics::ModelStore FaceOptions::model_store() const {
  return models_dir.empty() ? biometrics::ModelStore::from_environment() : biometrics::ModelStore(models_dir);
}

biometrics::DetectorOptions FaceOptions::detector_options() const {
  biometrics::DetectorOptions options;
  options.kind = detector == "mmod" ? biometrics::DetectorKind::mmod : biometrics::DetectorKind::hog;
  options.upsample = upsample;
  options.max_detection_width = max_detection_width;
  return options;
}

biometrics::FaceDescriptor describe_single_face(biometrics::FaceAnalyzer& analyzer, const std::string& path,
                                                SeveralFaces several) {
  const cv::Mat image = biometrics::load_image(path);
  auto faces = analyzer.detect(image);
  if (faces.empty()) throw models::InputError(path + ": no face found, expected exactly one");
  if (faces.size() > 1) {
    if (several == SeveralFaces::refuse)
      throw models::InputError(path + ": " + std::to_string(faces.size()) + " faces found, expected exactly one");
    std::sort(faces.begin(), faces.end(),
              [](const auto& a, const auto& b) { return a.box.width() * a.box.height() > b.box.width() * b.box.height(); });
  }
  return analyzer.describe(image, faces.front());
}

}  // namespace gatesim::app
