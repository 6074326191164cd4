#pragma once
// What the lane benches (lane_bench.cpp, passage_bench.cpp) share: the descriptor of a shipped
// face, described once with the gate camera's detector, and lane services that answer from
// memory (policy passes, that face enrolled for every document), so a bench measures the lane
// and its face pipeline, not SQLite or the policy engine.
//
// Thread safety: describe_shipped_face() loads dlib's models on each call (call it once per
// bench); a MemoryServices only reads what it was given.
#include <string>
#include <vector>

#include "biometrics/face_analyzer.hpp"
#include "biometrics/image_io.hpp"
#include "gate/lane_driver.hpp"

namespace gatesim::bench {

// requires: `image` names a file under tests/data/faces with one face.
inline biometrics::FaceDescriptor describe_shipped_face(const std::string& image) {
  biometrics::FaceAnalyzer analyzer(biometrics::ModelStore::from_environment(), biometrics::kGateCameraDetector);
  const cv::Mat img = biometrics::load_image(std::string(GATESIM_TEST_DATA) + "/faces/" + image);
  return analyzer.describe(img, analyzer.detect(img).at(0));
}

class MemoryServices : public gate::LaneServices {
 public:
  explicit MemoryServices(biometrics::FaceDescriptor enrolled) : enrolled_(enrolled) {}
  gate::PolicyChecked check_policy(const gate::CheckPolicy&) override {
    return gate::PolicyChecked{{}, 0, true, {}, false, {}};
  }
  std::vector<biometrics::FaceDescriptor> enrolled_faces(const std::string&) override { return {enrolled_}; }
  gate::IdentificationDone identify(const gate::Identify&, const biometrics::FaceDescriptor&) override { return {}; }

 private:
  biometrics::FaceDescriptor enrolled_;
};

}  // namespace gatesim::bench
