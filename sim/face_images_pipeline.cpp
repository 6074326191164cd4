// The image-level mode's face pipeline (sim/face_images_pipeline.hpp).
#include "sim/face_images_pipeline.hpp"

#include <algorithm>
#include <chrono>

#include "models/input_error.hpp"

namespace gatesim::sim {

// Photos, not gate frames: faces of any size, so dlib's defaults (one upsampling, all HOG filters).
FaceImagesPipeline::FaceImagesPipeline(const std::filesystem::path& folder, const biometrics::ModelStore& models)
    : analyzer_(models, biometrics::DetectorOptions{}) {
  if (folder.empty()) return;
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec))
    throw models::InputError(folder.string() + ": faces: not a folder of people (one subfolder of images per person)");
  for (auto& person : biometrics::list_identity_folders(folder))
    if (!person.images.empty()) people_.push_back(std::move(person));
  if (people_.size() < 2)
    throw models::InputError(folder.string() + ": faces: expected at least two people (subfolders with images), found " +
                             std::to_string(people_.size()));
}

const std::filesystem::path& FaceImagesPipeline::presented_image(std::size_t person, std::size_t attempt) const {
  const auto& images = people_[person].images;
  return images.size() == 1 ? images.front() : images[1 + attempt % (images.size() - 1)];
}

const FaceImages::Analysed& FaceImagesPipeline::analyse(const std::filesystem::path& image) {
  const std::string key = image.string();
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  const auto started = std::chrono::steady_clock::now();
  const cv::Mat bgr = biometrics::load_image(image);
  const auto faces = analyzer_.detect(bgr);
  const biometrics::FrameQuality quality = biometrics::assess_frame(bgr, faces);
  Analysed a;
  a.faces = faces.size();
  a.acceptable = quality.acceptable;
  a.reasons = quality.reasons;
  if (!faces.empty()) a.descriptor = analyzer_.describe(bgr, faces.front());
  analysis_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return cache_.emplace(key, std::move(a)).first->second;
}

void FaceImagesPipeline::enable_liveness(const biometrics::PadModelStore& store, std::uint64_t seed) {
  detector_.emplace(store);
  attacks_.emplace(seed);
}

biometrics::LivenessMeasurements FaceImagesPipeline::liveness(const std::filesystem::path& image,
                                                              std::optional<biometrics::AttackKind> attack, std::uint64_t variant) {
  std::string key = image.string();
  if (attack) {  // appended piece by piece: g++ 12 gives a false -Wrestrict on "literal" + std::string&&
    key += '|';
    key += biometrics::to_string(*attack);
    key += '|';
    key += std::to_string(variant);
  }
  if (auto it = liveness_cache_.find(key); it != liveness_cache_.end()) return it->second;
  const auto started = std::chrono::steady_clock::now();
  cv::Mat bgr = biometrics::load_image(image);
  if (attack && !biometrics::needs_clip(*attack)) bgr = attacks_->image(*attack, bgr, variant);
  const auto faces = analyzer_.detect(bgr);
  biometrics::LivenessSession session(*detector_, liveness_config_);
  if (!faces.empty()) session.add(bgr, faces.front(), 0);
  const biometrics::LivenessMeasurements measured = session.measurements();
  analysis_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return liveness_cache_.emplace(key, measured).first->second;
}

const biometrics::FaceDescriptor& FaceImagesPipeline::enrolled(const std::filesystem::path& image) {
  const Analysed& a = analyse(image);
  if (a.faces != 1)
    throw models::InputError(image.string() + ": an enrolled image must hold exactly one face, found " + std::to_string(a.faces));
  return *a.descriptor;
}

}  // namespace gatesim::sim
