#include "biometrics/model_store.hpp"

#include <array>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "biometrics/sha256.hpp"
#include "models/input_error.hpp"

namespace gatesim::biometrics {
namespace {

struct ModelInfo {
  ModelFile model;
  std::string_view name;
  std::string_view sha256;
};

// Keep this table in step with scripts/fetch-models.sh.
constexpr std::array<ModelInfo, 4> kModels{{
    {ModelFile::shape_predictor_5, "shape_predictor_5_face_landmarks.dat",
     "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888"},
    {ModelFile::face_recognition_resnet, "dlib_face_recognition_resnet_model_v1.dat",
     "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30"},
    {ModelFile::mmod_human_face_detector, "mmod_human_face_detector.dat",
     "be467b1a76f482693de3b0f6a1ff91d092319be71523d4d4b0628f6a53fcb87a"},
    {ModelFile::shape_predictor_68, "shape_predictor_68_face_landmarks.dat",
     "fbdc2cb80eb9aa7a758672cbfdda32ba6300efe9b6e6c7a299ff7e736b11b92f"},
}};

const ModelInfo& info(ModelFile model) {
  for (const auto& entry : kModels)
    if (entry.model == model) return entry;
  throw std::logic_error("unknown model file");
}

// The stamp line: "<sha256> <size> <mtime seconds>", the format fetch-models.sh writes.
std::string stamp_for(const std::filesystem::path& file, std::string_view sha256) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return {};
  std::ostringstream out;
  out << sha256 << ' ' << st.st_size << ' ' << st.st_mtim.tv_sec;
  return out.str();
}

}  // namespace

std::string_view file_name(ModelFile model) { return info(model).name; }
std::string_view expected_sha256(ModelFile model) { return info(model).sha256; }

ModelStore ModelStore::from_environment() {
  if (const char* dir = std::getenv("GATESIM_MODELS"); dir && *dir) return ModelStore(dir);
  const char* home = std::getenv("HOME");
  return ModelStore(std::filesystem::path(home && *home ? home : ".") / ".cache/gatesim/models");
}

std::filesystem::path ModelStore::verified_path(ModelFile model) const {
  const ModelInfo& entry = info(model);
  const auto file = folder_ / entry.name;
  const std::string how = " (run scripts/fetch-models.sh, or set GATESIM_MODELS to a folder that has it)";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    throw models::InputError("model file " + file.string() + " is missing" + how);

  const std::string expected_stamp = stamp_for(file, entry.sha256);
  const auto stamp_file = std::filesystem::path(file.string() + ".sha256");
  {
    std::ifstream in(stamp_file);
    std::string line;
    if (in && std::getline(in, line) && line == expected_stamp) return file;
  }
  check_model_file(file, entry.sha256, how);
  std::ofstream(stamp_file) << expected_stamp << '\n';  // best effort: a read-only cache just re-hashes
  return file;
}

}  // namespace gatesim::biometrics
