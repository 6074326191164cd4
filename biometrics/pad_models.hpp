#pragma once
// PadModelStore: where the presentation-attack-detection networks live, and the check that
// they are the right files.
//
// The networks (MiniFASNetV2 and MiniFASNetV1SE as ONNX, Apache-2.0, 1.7 MB each) ship in the
// repository, biometrics/models/anti-spoofing/, with their licence and SOURCES.md; unlike dlib's
// models they are not fetched. The folder is GATESIM_PAD_MODELS when set, else that shipped
// folder. Every file is checked against its SHA-256 when it is loaded (a few milliseconds).
//
// Thread safety: const member functions may run concurrently.

#include <filesystem>
#include <string_view>

namespace gatesim::biometrics {

enum class PadModel {
  minifasnet_v2,     // MiniFASNetV2.onnx
  minifasnet_v1se,   // MiniFASNetV1SE.onnx
};

std::string_view file_name(PadModel model);
std::string_view expected_sha256(PadModel model);
// The crop scale of the reference code, relative to RetinaFace's boxes (2.7 for V2, 4.0 for
// V1SE). PassiveLiveness multiplies it by its calibration for dlib's smaller boxes.
double reference_crop_scale(PadModel model);

class PadModelStore {
 public:
  // ensures: the store reads GATESIM_PAD_MODELS, or the shipped folder.
  static PadModelStore from_environment();
  // ensures: the shipped folder: the installed copy (PREFIX/share/gatesim/anti-spoofing,
  //          models/install_layout.hpp) when this program is installed, else
  //          biometrics/models/anti-spoofing in the source tree.
  static std::filesystem::path shipped_folder();

  explicit PadModelStore(std::filesystem::path folder) : folder_(std::move(folder)) {}

  const std::filesystem::path& folder() const { return folder_; }

  // ensures: the path of a present file whose SHA-256 is the expected one.
  // throws models::InputError naming the file when it is missing or its digest differs.
  std::filesystem::path verified_path(PadModel model) const;

 private:
  std::filesystem::path folder_;
};

}  // namespace gatesim::biometrics
