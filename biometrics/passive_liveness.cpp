#include "biometrics/passive_liveness.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <fstream>
#include <iterator>
#include <mutex>
#include <vector>

#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "models/input_error.hpp"

namespace gatesim::biometrics {
namespace {

constexpr int kCropSize = 80;
constexpr int kScores = 3;
constexpr int kLiveClass = 1;

// OpenCV's messages span lines and repeat the source location; the first line says enough.
std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::vector<uchar> read_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw models::InputError("model file " + file.string() + " is missing or unreadable");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

cv::Mat blob_of(const cv::Mat& crop80) {
  return cv::dnn::blobFromImage(crop80, 1.0, cv::Size(kCropSize, kCropSize), cv::Scalar(), /*swapRB=*/false,
                                /*crop=*/false, CV_32F);
}

cv::dnn::Net make_net(const std::vector<uchar>& bytes, const std::filesystem::path& file) {
  cv::dnn::Net net;
  try {
    net = cv::dnn::readNetFromONNX(bytes);
  } catch (const cv::Exception& e) {
    throw models::InputError("model file " + file.string() + " is not a readable ONNX network (" +
                             first_line(e.what()) + ")");
  }
  if (net.empty()) throw models::InputError("model file " + file.string() + " is not a readable ONNX network");
  net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  return net;
}

// ensures: the live probability (softmax class 1) of the three scores `net` gives for `blob`.
double live_probability(cv::dnn::Net& net, const cv::Mat& blob) {
  net.setInput(blob);
  const cv::Mat out = net.forward();
  const float* s = out.ptr<float>();
  const float top = *std::max_element(s, s + kScores);
  double sum = 0;
  std::array<double, kScores> e{};
  for (int i = 0; i < kScores; ++i) sum += (e[i] = std::exp(static_cast<double>(s[i] - top)));
  return e[kLiveClass] / sum;
}

// The load-time check that a network takes an 80x80 crop to three scores.
void check_shape(cv::dnn::Net& net, const std::filesystem::path& file) {
  cv::Mat out;
  try {
    net.setInput(blob_of(cv::Mat(kCropSize, kCropSize, CV_8UC3, cv::Scalar(128, 128, 128))));
    out = net.forward();
  } catch (const cv::Exception& e) {
    throw models::InputError("model file " + file.string() + " does not take a 1x3x80x80 BGR input (" +
                             first_line(e.what()) + ")");
  }
  if (out.depth() != CV_32F || out.total() != kScores)
    throw models::InputError("model file " + file.string() + " has the wrong shape: it gives " +
                             std::to_string(out.total()) + " outputs, expected 3 (spoof, live, spoof)");
}

}  // namespace

struct PassiveLiveness::Pool {
  struct Model {
    PadModel which;
    std::filesystem::path file;
    std::vector<uchar> bytes;
    double crop_scale;
  };
  using Nets = std::vector<cv::dnn::Net>;  // one per model, in the order of `models`
  PassiveNetworks networks = PassiveNetworks::both;
  std::vector<Model> models;
  std::mutex mutex;
  std::vector<Nets> idle;  // guarded by mutex

  Nets make() const {
    Nets nets;
    for (const auto& m : models) nets.push_back(make_net(m.bytes, m.file));
    return nets;
  }

  Nets borrow() {
    {
      std::lock_guard lock(mutex);
      if (!idle.empty()) {
        auto nets = std::move(idle.back());
        idle.pop_back();
        return nets;
      }
    }
    return make();
  }
  void give_back(Nets nets) {
    std::lock_guard lock(mutex);
    idle.push_back(std::move(nets));
  }

  // ensures: the models read and checked to take a crop to three scores; one set of networks idle.
  void load(std::vector<Model> wanted) {
    models = std::move(wanted);
    for (auto& m : models) m.bytes = read_bytes(m.file);
    auto nets = make();
    for (std::size_t i = 0; i < nets.size(); ++i) check_shape(nets[i], models[i].file);
    idle.push_back(std::move(nets));
  }
};

std::string_view to_string(PassiveNetworks networks) {
  switch (networks) {
    case PassiveNetworks::both: return "both";
    case PassiveNetworks::v2: return "v2";
    case PassiveNetworks::v1se: return "v1se";
  }
  return "?";
}

PassiveNetworks parse_passive_networks(std::string_view text) {
  for (auto networks : {PassiveNetworks::both, PassiveNetworks::v2, PassiveNetworks::v1se})
    if (text == to_string(networks)) return networks;
  throw models::InputError("passive networks '" + std::string(text) + "': expected both, v2 or v1se");
}

PassiveLiveness::PassiveLiveness(const PadModelStore& store, double dlib_box_scale, PassiveNetworks networks)
    : pool_(std::make_unique<Pool>()) {
  std::vector<Pool::Model> wanted;
  for (PadModel model : {PadModel::minifasnet_v2, PadModel::minifasnet_v1se}) {
    const bool runs = networks == PassiveNetworks::both ||
                      (model == PadModel::minifasnet_v2 ? networks == PassiveNetworks::v2 : networks == PassiveNetworks::v1se);
    if (runs) wanted.push_back({model, store.verified_path(model), {}, reference_crop_scale(model) * dlib_box_scale});
  }
  pool_->networks = networks;
  pool_->load(std::move(wanted));
}

PassiveLiveness::PassiveLiveness(const PassiveModelFile& v2, const PassiveModelFile& v1se) : pool_(std::make_unique<Pool>()) {
  pool_->load({{PadModel::minifasnet_v2, v2.file, {}, v2.crop_scale}, {PadModel::minifasnet_v1se, v1se.file, {}, v1se.crop_scale}});
}

PassiveLiveness::~PassiveLiveness() = default;
PassiveLiveness::PassiveLiveness(PassiveLiveness&&) noexcept = default;
PassiveLiveness& PassiveLiveness::operator=(PassiveLiveness&&) noexcept = default;

cv::Mat PassiveLiveness::crop(const cv::Mat& bgr, const FaceBox& box, double scale) {
  assert(bgr.type() == CV_8UC3 && !bgr.empty() && scale > 0);
  // The reference code's box arithmetic (Silent-Face-Anti-Spoofing, CropImage._get_new_box).
  const double src_w = bgr.cols, src_h = bgr.rows;
  const double box_w = std::max<long>(box.width(), 1), box_h = std::max<long>(box.height(), 1);
  scale = std::min({scale, (src_h - 1) / box_h, (src_w - 1) / box_w});
  const double new_w = box_w * scale, new_h = box_h * scale;
  const double cx = static_cast<double>(box.left) + box_w / 2, cy = static_cast<double>(box.top) + box_h / 2;
  double x0 = cx - new_w / 2, y0 = cy - new_h / 2, x1 = cx + new_w / 2, y1 = cy + new_h / 2;
  if (x0 < 0) { x1 -= x0; x0 = 0; }
  if (y0 < 0) { y1 -= y0; y0 = 0; }
  if (x1 > src_w - 1) { x0 -= x1 - src_w + 1; x1 = src_w - 1; }
  if (y1 > src_h - 1) { y0 -= y1 - src_h + 1; y1 = src_h - 1; }
  const int left = std::clamp(static_cast<int>(x0), 0, bgr.cols - 1), top = std::clamp(static_cast<int>(y0), 0, bgr.rows - 1);
  const int right = std::clamp(static_cast<int>(x1), left, bgr.cols - 1), bottom = std::clamp(static_cast<int>(y1), top, bgr.rows - 1);
  cv::Mat out;
  cv::resize(bgr(cv::Rect(left, top, right - left + 1, bottom - top + 1)), out, cv::Size(kCropSize, kCropSize), 0, 0,
             cv::INTER_LINEAR);
  return out;
}

PassiveScores PassiveLiveness::score(const cv::Mat& bgr, const FaceBox& box) const {
  auto nets = pool_->borrow();
  PassiveScores scores;
  try {
    for (std::size_t i = 0; i < nets.size(); ++i) {
      const auto& m = pool_->models[i];
      const double p = live_probability(nets[i], blob_of(crop(bgr, box, m.crop_scale)));
      (m.which == PadModel::minifasnet_v2 ? scores.v2 : scores.v1se) = p;
      scores.live += p / static_cast<double>(nets.size());
    }
  } catch (...) {
    pool_->give_back(std::move(nets));
    throw;
  }
  pool_->give_back(std::move(nets));
  return scores;
}

PassiveNetworks PassiveLiveness::networks() const { return pool_->networks; }

}  // namespace gatesim::biometrics
