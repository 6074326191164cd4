// Who stands for whom, and the face pipeline loaded from its plugin (sim/face_images.hpp).
#include "sim/face_images.hpp"

#include "models/plugin.hpp"

namespace gatesim::sim {

std::size_t claimed_person(std::uint64_t traveller, std::size_t people) { return traveller % people; }

std::size_t shown_person(std::uint64_t traveller, std::size_t people, bool impostor) {
  const std::size_t claimed = claimed_person(traveller, people);
  return impostor ? (claimed + 1 + (traveller / people) % (people - 1)) % people : claimed;
}

std::unique_ptr<FaceImages> open_face_images(const std::filesystem::path& folder, const biometrics::ModelStore& models) {
  using Open = FaceImages*(const std::filesystem::path&, const biometrics::ModelStore&);
  auto* open = models::plugin_function<Open>("gatesim-faces", "gatesim_open_face_images", "biometrics.mode: images");
  return std::unique_ptr<FaceImages>(open(folder, models));
}

}  // namespace gatesim::sim
