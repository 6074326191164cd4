#pragma once
// FaceImagesPipeline: the image-level fidelity mode's faces (sim/face_images.hpp) through the
// real face pipeline (biometrics::FaceAnalyzer: detection, quality, 128-D descriptor) and, when
// enabled, the real liveness detector. It links dlib and OpenCV, so the program reaches it
// through the gatesim-faces plugin (open_face_images()); code of that plugin (the live gate)
// uses it directly.
//
// Thread safety: none (the analyzer and the cache); one per replication.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "biometrics/face_analyzer.hpp"
#include "biometrics/face_quality.hpp"
#include "biometrics/image_io.hpp"
#include "biometrics/liveness.hpp"
#include "biometrics/presentation_attacks.hpp"
#include "sim/face_images.hpp"
#include "sim/pad_model.hpp"

namespace gatesim::sim {

class FaceImagesPipeline final : public FaceImages {
 public:
  // requires: `folder` empty (trace images only) or a folder of person subfolders.
  // throws models::InputError naming the folder when it has fewer than two people with an image
  //        (an impostor needs someone else's face), or naming a missing model file.
  FaceImagesPipeline(const std::filesystem::path& folder, const biometrics::ModelStore& models);

  std::size_t people() const override { return people_.size(); }
  const std::string& name(std::size_t person) const override { return people_[person].name; }
  // ensures: the person's enrolled photo (their first image).
  const std::filesystem::path& template_image(std::size_t person) const override { return people_[person].images.front(); }
  // ensures: the image `person` shows at their `attempt`-th frame (0, 1, ...): the images after
  //          the template in turn, or the template itself when it is their only one.
  const std::filesystem::path& presented_image(std::size_t person, std::size_t attempt) const override;

  // ensures: the analysis of `image`, from the cache after the first call.
  // throws models::InputError naming an image that cannot be read.
  const Analysed& analyse(const std::filesystem::path& image) override;
  // ensures: the descriptor of the one face in `image` (an enrolled template).
  // throws models::InputError naming the image when it holds no face or several.
  const biometrics::FaceDescriptor& enrolled(const std::filesystem::path& image) override;

  // ensures: liveness() judges with the passive cue of the detector loaded from `store` at the
  //          default passive threshold; attacks are generated with `seed`.
  // throws models::InputError naming a missing or corrupt model file.
  void enable_liveness(const biometrics::PadModelStore& store, std::uint64_t seed) override;
  // The settings liveness() judges with (mode passive, one frame).
  const biometrics::LivenessConfig& liveness_config() const override { return liveness_config_; }
  // requires: enable_liveness() was called.
  // ensures: what the detector measured on `image` (attack: nullopt), or on the attack of kind
  //          `attack` made from it (variant: which one); frames 0 when no face was found.
  //          Cached by (image, attack, variant).
  biometrics::LivenessMeasurements liveness(const std::filesystem::path& image, std::optional<biometrics::AttackKind> attack,
                                            std::uint64_t variant) override;

  std::size_t images_analysed() const override { return cache_.size(); }
  double analysis_seconds() const override { return analysis_s_; }  // wall time in the pipeline

 private:
  std::vector<biometrics::IdentityFolder> people_;  // images by name; the first is the template
  biometrics::FaceAnalyzer analyzer_;
  std::map<std::string, Analysed> cache_;
  std::optional<biometrics::LivenessDetector> detector_;
  biometrics::LivenessConfig liveness_config_ = PadModel::image_config();
  std::optional<biometrics::AttackGenerator> attacks_;
  std::map<std::string, biometrics::LivenessMeasurements> liveness_cache_;
  double analysis_s_ = 0;
};

}  // namespace gatesim::sim
