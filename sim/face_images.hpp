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
// FaceImages is what the port model sees; the pipeline behind it (FaceImagesPipeline,
// sim/face_images_pipeline.hpp) links dlib and OpenCV and is reached through open_face_images().
//
// Thread safety: none (the analyzer and the cache); one per replication.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "biometrics/attack_kind.hpp"
#include "biometrics/face_types.hpp"
#include "biometrics/liveness_rule.hpp"
#include "biometrics/model_store.hpp"
#include "biometrics/pad_models.hpp"

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

  virtual ~FaceImages() = default;

  virtual std::size_t people() const = 0;
  virtual const std::string& name(std::size_t person) const = 0;
  // ensures: the person's enrolled photo (their first image).
  virtual const std::filesystem::path& template_image(std::size_t person) const = 0;
  // ensures: the image `person` shows at their `attempt`-th frame (0, 1, ...): the images after
  //          the template in turn, or the template itself when it is their only one.
  virtual const std::filesystem::path& presented_image(std::size_t person, std::size_t attempt) const = 0;

  // ensures: the analysis of `image`, from the cache after the first call.
  // throws models::InputError naming an image that cannot be read.
  virtual const Analysed& analyse(const std::filesystem::path& image) = 0;
  // ensures: the descriptor of the one face in `image` (an enrolled template).
  // throws models::InputError naming the image when it holds no face or several.
  virtual const biometrics::FaceDescriptor& enrolled(const std::filesystem::path& image) = 0;

  // ensures: liveness() judges with the passive cue of the detector loaded from `store` at the
  //          default passive threshold; attacks are generated with `seed`.
  // throws models::InputError naming a missing or corrupt model file.
  virtual void enable_liveness(const biometrics::PadModelStore& store, std::uint64_t seed) = 0;
  // The settings liveness() judges with (mode passive, one frame).
  virtual const biometrics::LivenessConfig& liveness_config() const = 0;
  // requires: enable_liveness() was called.
  // ensures: what the detector measured on `image` (attack: nullopt), or on the attack of kind
  //          `attack` made from it (variant: which one); frames 0 when no face was found.
  //          Cached by (image, attack, variant).
  virtual biometrics::LivenessMeasurements liveness(const std::filesystem::path& image,
                                                    std::optional<biometrics::AttackKind> attack, std::uint64_t variant) = 0;

  virtual std::size_t images_analysed() const = 0;
  virtual double analysis_seconds() const = 0;  // wall time in the pipeline
};

// ensures: the faces of `folder` (empty: trace images only) through the real pipeline
//          (FaceImagesPipeline, sim/face_images_pipeline.hpp), which is in the gatesim-faces
//          plugin (models/plugin.hpp), so that a statistical run never loads dlib or OpenCV.
// throws models::InputError naming the folder when it has fewer than two people with an image
//        (an impostor needs someone else's face), or naming a missing model file;
//        models::PluginMissing naming the plugin when it is not installed.
std::unique_ptr<FaceImages> open_face_images(const std::filesystem::path& folder, const biometrics::ModelStore& models);

}  // namespace gatesim::sim
