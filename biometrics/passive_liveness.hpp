#pragma once
// PassiveLiveness: the per-frame presentation-attack cue. Two small networks (MiniFASNetV2 and
// MiniFASNetV1SE, biometrics/models/anti-spoofing/SOURCES.md) each look at one crop around the
// face and give three scores; softmax, class 1 is a live face. The two live probabilities are
// averaged (the reference code sums the softmaxes and takes the arg-max, the same decision at
// 0.5).
//
// The crop: dlib's face box enlarged about its centre by the model's scale, shifted (not cut)
// to stay inside the image and shrunk where it cannot fit, resized to 80x80, BGR, raw 0..255
// float NCHW. The reference scales (2.7, 4.0) are for RetinaFace boxes, which are larger than
// dlib's HOG boxes; kDlibBoxScale converts (measured on the shipped faces, see
// README, Liveness).
//
// Thread safety: const calls may run concurrently. cv::dnn::Net is not safe for concurrent
// forward() calls, so the object keeps a pool of network sets behind a mutex: a call borrows a
// set, or makes one from the model bytes held in memory when all are in use, and returns it;
// at most as many sets exist as calls ever ran at once. The model files are read and checked
// once, at construction.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "biometrics/face_types.hpp"
#include "biometrics/pad_models.hpp"

namespace gatesim::biometrics {

// How much larger than dlib's HOG box the crop must be, per unit of the reference scale, to
// frame the face as the reference code framed RetinaFace's boxes. Measured on the shipped faces
// (tests/data/faces: 31 bona fide face images, 122 print and screen attacks of them, seed 1,
// 2026-11-29) for the factors 0.8, 1.0, 1.25, 1.5: APCER at the threshold that refuses one bona
// fide face was 0.39, 0.30, 0.35, 0.32; the share of (bona fide, attack) pairs ranked right
// 0.92, 0.91, 0.90, 0.89. 1.0 is best where a lane operates; enlarging for dlib's smaller boxes did not help
// (larger crops of small images are cut by the image edge and live faces score lower).
inline constexpr double kDlibBoxScale = 1.0;

// Which of the two networks the passive cue runs: both (their live probabilities averaged) or
// one of them alone, at half the cost.
enum class PassiveNetworks { both, v2, v1se };
std::string_view to_string(PassiveNetworks networks);
// throws models::InputError "passive networks '<text>': expected both, v2 or v1se".
PassiveNetworks parse_passive_networks(std::string_view text);

// One network and how to crop for it.
struct PassiveModelFile {
  std::filesystem::path file;
  double crop_scale = 2.7;  // relative to dlib's box (already calibrated)
};

struct PassiveScores {
  std::optional<double> v2;    // MiniFASNetV2's live probability, when it runs
  std::optional<double> v1se;  // MiniFASNetV1SE's live probability, when it runs
  double live = 0;             // the fused probability (the mean of those that ran)
};

class PassiveLiveness {
 public:
  // ensures: the networks of `store` that `networks` names (only those are read), SHA-256
  //          checked, with the calibrated crop scales.
  // throws models::InputError naming a missing, corrupt or wrong-shape file.
  explicit PassiveLiveness(const PadModelStore& store, double dlib_box_scale = kDlibBoxScale,
                           PassiveNetworks networks = PassiveNetworks::both);
  // ensures: the two given files, not SHA-checked (a user's own export of the same networks).
  // throws models::InputError naming a file that is missing, not ONNX, or does not take one
  //        1x3x80x80 input to 3 scores.
  PassiveLiveness(const PassiveModelFile& v2, const PassiveModelFile& v1se);
  ~PassiveLiveness();
  PassiveLiveness(PassiveLiveness&&) noexcept;
  PassiveLiveness& operator=(PassiveLiveness&&) noexcept;

  // requires: bgr 8-bit 3-channel, non-empty; box at least partly inside the image.
  // ensures: the live probability of each network that runs and their mean, each in [0, 1].
  PassiveScores score(const cv::Mat& bgr, const FaceBox& box) const;

  // The crop a model sees, 80x80 BGR 8-bit: for tests and for looking at what the model saw.
  // requires: as score(); scale > 0.
  static cv::Mat crop(const cv::Mat& bgr, const FaceBox& box, double scale);

  PassiveNetworks networks() const;

 private:
  struct Pool;
  std::unique_ptr<Pool> pool_;
};

}  // namespace gatesim::biometrics
