#pragma once
// FaceImages: the image-level fidelity mode's faces. A folder of people (one subfolder per
// person, as tests/data/faces/people/train): a person's first image by name is their enrolled
// template (the permit chip's or the gallery's photo), and at a gate they present their images
// in turn, first to last, then again. Every image goes through the real face pipeline
// (biometrics::FaceAnalyzer: detection, quality, 128-D descriptor) once: results are cached by
// path, so a day of travellers costs the distinct images, not the frames.
//
// Liveness (enable_liveness): the real detector (biometrics::LivenessSession) judges one image
// per traveller: the image they show, or the attack an attacker shows, which AttackGenerator
// makes from the enrolled photo (print or screen; a moved photo or a frozen frame is the
// untouched photo, as one still image has no motion). Single images carry the passive cue
// only: the session runs in mode passive on one frame (min_frames 1); the temporal cue needs
// a clip and is not judged here.
//
// Thread safety: none (the analyzer and the cache); one per replication.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "biometrics/face_analyzer.hpp"
#include "biometrics/face_quality.hpp"
#include "biometrics/face_types.hpp"
#include "biometrics/image_io.hpp"
#include "biometrics/liveness.hpp"
#include "biometrics/presentation_attacks.hpp"
#include "sim/pad_model.hpp"

namespace gatesim::sim {

// Who a simulated traveller stands for among `people` (the image-level mode, and a live gate's
// roster, sim/live_gate.hpp): traveller n (id "P<n>") holds the permit and gallery entry of
// person n % people; an impostor shows another person's face, which one varying with n.
// requires: people > 0; for an impostor, people > 1.
std::size_t claimed_person(std::uint64_t traveller, std::size_t people);
std::size_t shown_person(std::uint64_t traveller, std::size_t people, bool impostor);

class FaceImages {
 public:
  // One image through the pipeline, as a gate frame.
  struct Analysed {
    std::size_t faces = 0;
    bool acceptable = false;            // exactly one face, of acceptable quality
    std::vector<std::string> reasons;   // why not ("no face", "face too small: ...")
    std::optional<biometrics::FaceDescriptor> descriptor;  // of the first face found
  };

  // requires: `folder` empty (trace images only) or a folder of person subfolders.
  // throws models::InputError naming the folder when it has fewer than two people with an image
  //        (an impostor needs someone else's face), or naming a missing model file.
  FaceImages(const std::filesystem::path& folder, const biometrics::ModelStore& models);

  std::size_t people() const { return people_.size(); }
  const std::string& name(std::size_t person) const { return people_[person].name; }
  // ensures: the person's enrolled photo (their first image).
  const std::filesystem::path& template_image(std::size_t person) const { return people_[person].images.front(); }
  // ensures: the image `person` shows at their `attempt`-th frame (0, 1, ...): the images after
  //          the template in turn, or the template itself when it is their only one.
  const std::filesystem::path& presented_image(std::size_t person, std::size_t attempt) const;

  // ensures: the analysis of `image`, from the cache after the first call.
  // throws models::InputError naming an image that cannot be read.
  const Analysed& analyse(const std::filesystem::path& image);
  // ensures: the descriptor of the one face in `image` (an enrolled template).
  // throws models::InputError naming the image when it holds no face or several.
  const biometrics::FaceDescriptor& enrolled(const std::filesystem::path& image);

  // ensures: liveness() judges with the passive cue of the detector loaded from `store` at the
  //          default passive threshold; attacks are generated with `seed`.
  // throws models::InputError naming a missing or corrupt model file.
  void enable_liveness(const biometrics::PadModelStore& store, std::uint64_t seed);
  // The settings liveness() judges with (mode passive, one frame).
  const biometrics::LivenessConfig& liveness_config() const { return liveness_config_; }
  // requires: enable_liveness() was called.
  // ensures: what the detector measured on `image` (attack: nullopt), or on the attack of kind
  //          `attack` made from it (variant: which one); frames 0 when no face was found.
  //          Cached by (image, attack, variant).
  biometrics::LivenessMeasurements liveness(const std::filesystem::path& image, std::optional<biometrics::AttackKind> attack,
                                            std::uint64_t variant);

  std::size_t images_analysed() const { return cache_.size(); }
  double analysis_seconds() const { return analysis_s_; }  // wall time in the pipeline

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
