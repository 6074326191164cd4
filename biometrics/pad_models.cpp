#include "biometrics/pad_models.hpp"

#include <array>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "biometrics/sha256.hpp"
#include "models/install_layout.hpp"

#ifndef GATESIM_PAD_MODELS_DIR
#error "GATESIM_PAD_MODELS_DIR must name the shipped biometrics/models/anti-spoofing folder (biometrics/CMakeLists.txt)"
#endif

namespace gatesim::biometrics {
namespace {

struct PadModelInfo {
  PadModel model;
  std::string_view name;
  std::string_view sha256;
  double crop_scale;
};

// Keep this table in step with biometrics/models/anti-spoofing/SOURCES.md.
constexpr std::array<PadModelInfo, 2> kPadModels{{
    {PadModel::minifasnet_v2, "MiniFASNetV2.onnx", "4eed38f0bde33c9b805942a5f25e42ce1161e2bda545254be622be957727794e",
     2.7},
    {PadModel::minifasnet_v1se, "MiniFASNetV1SE.onnx",
     "d819a69bac6b9ade2a0f4d9b60b618e1260f7bf3ba1fddff6c5d82131cb1083f", 4.0},
}};

const PadModelInfo& info(PadModel model) {
  for (const auto& entry : kPadModels)
    if (entry.model == model) return entry;
  throw std::logic_error("unknown anti-spoofing model");
}

}  // namespace

std::string_view file_name(PadModel model) { return info(model).name; }
std::string_view expected_sha256(PadModel model) { return info(model).sha256; }
double reference_crop_scale(PadModel model) { return info(model).crop_scale; }

std::filesystem::path PadModelStore::shipped_folder() {
  return models::installed_folder(models::kInstalledPadModels).value_or(GATESIM_PAD_MODELS_DIR);
}

PadModelStore PadModelStore::from_environment() {
  if (const char* dir = std::getenv("GATESIM_PAD_MODELS"); dir && *dir) return PadModelStore(dir);
  return PadModelStore(shipped_folder());
}

std::filesystem::path PadModelStore::verified_path(PadModel model) const {
  const PadModelInfo& entry = info(model);
  const auto file = folder_ / entry.name;
  check_model_file(file, entry.sha256,
                   " (the anti-spoofing networks ship in " + shipped_folder().string() +
                       "; GATESIM_PAD_MODELS or --pad-models names another folder)");
  return file;
}

}  // namespace gatesim::biometrics
