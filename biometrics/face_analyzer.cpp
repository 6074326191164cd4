// The one translation unit that instantiates dlib's network templates: keep it that way, they
// take minutes to compile.
#include "biometrics/face_analyzer.hpp"

#include <cmath>
#include <utility>

#include <dlib/dnn.h>
#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/opencv/cv_image.h>
#include <dlib/opencv/to_open_cv.h>
#include <opencv2/imgproc.hpp>

#include "biometrics/dlib_networks.hpp"
#include "models/input_error.hpp"

namespace gatesim::biometrics {
namespace {

using namespace dlib;
using detail::DescriptorNet;
using detail::MmodNet;

constexpr unsigned long kChipSize = 150;
constexpr double kChipPadding = 0.25;

template <typename Model>
void load_model(Model& model, const ModelStore& store, ModelFile which) {
  const auto path = store.verified_path(which);
  try {
    deserialize(path.string()) >> model;
  } catch (const std::exception& e) {
    throw models::InputError("model file " + path.string() + " cannot be loaded: " + e.what());
  }
}

rectangle to_dlib(const FaceBox& box) { return rectangle(box.left, box.top, box.right, box.bottom); }
FaceBox from_dlib(const rectangle& r) { return {r.left(), r.top(), r.right(), r.bottom()}; }

full_object_detection to_dlib(const DetectedFace& face) {
  std::vector<point> parts;
  for (const auto& p : face.landmarks) parts.emplace_back(std::lround(p.x), std::lround(p.y));
  return full_object_detection(to_dlib(face.box), parts);
}

void require_bgr(const cv::Mat& image) {
  if (image.empty() || image.type() != CV_8UC3)
    throw std::invalid_argument("FaceAnalyzer needs a non-empty 8-bit 3-channel BGR image");
}

}  // namespace

struct FaceAnalyzer::Models {
  frontal_face_detector hog = get_frontal_face_detector();
  frontal_face_detector hog_frontal{hog.get_scanner(), hog.get_overlap_tester(), hog.get_w(0)};
  std::unique_ptr<MmodNet> mmod;
  shape_predictor landmarks;
  DescriptorNet descriptor;
};

FaceAnalyzer::FaceAnalyzer(const ModelStore& store, DetectorOptions options)
    : models_(std::make_unique<Models>()), options_(options) {
  load_model(models_->landmarks, store, ModelFile::shape_predictor_5);
  load_model(models_->descriptor, store, ModelFile::face_recognition_resnet);
  if (options.kind == DetectorKind::mmod) {
    models_->mmod = std::make_unique<MmodNet>();
    load_model(*models_->mmod, store, ModelFile::mmod_human_face_detector);
  }
}

FaceAnalyzer::~FaceAnalyzer() = default;
FaceAnalyzer::FaceAnalyzer(FaceAnalyzer&&) noexcept = default;
FaceAnalyzer& FaceAnalyzer::operator=(FaceAnalyzer&&) noexcept = default;

void FaceAnalyzer::set_options(const DetectorOptions& options) {
  if (options.kind == DetectorKind::mmod && !models_->mmod)
    throw std::logic_error("FaceAnalyzer was built without the MMOD model");
  options_ = options;
}

std::vector<DetectedFace> FaceAnalyzer::detect_boxes(const cv::Mat& bgr) {
  require_bgr(bgr);
  // Gate mode: a large face survives scaling down, and HOG cost falls with the pixel count.
  double scale = 1.0;
  cv::Mat small;
  if (options_.max_detection_width > 0 && bgr.cols > options_.max_detection_width) {
    scale = static_cast<double>(options_.max_detection_width) / bgr.cols;
    cv::resize(bgr, small, cv::Size(), scale, scale, cv::INTER_AREA);
  }
  const cv::Mat& frame = small.empty() ? bgr : small;
  cv_image<bgr_pixel> view(cvIplImage(frame));

  // As dlib's Python API: upsample with pyramid_up, detect, map boxes back with rect_down.
  pyramid_down<2> pyramid;
  std::vector<rect_detection> found;
  const int upsample = std::max(0, options_.upsample);
  auto run = [&](const auto& image) {
    if (options_.kind == DetectorKind::hog) {
      auto& hog = options_.frontal_only ? models_->hog_frontal : models_->hog;
      hog(image, found, options_.adjust_threshold);
    } else {
      matrix<rgb_pixel> rgb;
      assign_image(rgb, image);
      for (const auto& d : (*models_->mmod)(rgb))
        found.push_back(rect_detection{d.detection_confidence, 0, d.rect});
    }
  };
  if (upsample == 0) {
    run(view);
  } else {
    array2d<rgb_pixel> enlarged;
    pyramid_up(view, enlarged, pyramid);
    for (int i = 1; i < upsample; ++i) pyramid_up(enlarged, pyramid);
    run(enlarged);
  }

  std::vector<DetectedFace> faces;
  for (const auto& d : found) {
    rectangle r = upsample > 0 ? rectangle(pyramid.rect_down(d.rect, static_cast<unsigned>(upsample))) : d.rect;
    if (scale != 1.0)
      r = rectangle(std::lround(r.left() / scale), std::lround(r.top() / scale), std::lround(r.right() / scale),
                    std::lround(r.bottom() / scale));
    faces.push_back(DetectedFace{from_dlib(r), d.detection_confidence, {}});
  }
  return faces;
}

std::vector<DetectedFace> FaceAnalyzer::detect(const cv::Mat& bgr) {
  auto faces = detect_boxes(bgr);
  for (auto& face : faces) face.landmarks = landmarks(bgr, face.box);
  return faces;
}

FiveLandmarks FaceAnalyzer::landmarks(const cv::Mat& bgr, const FaceBox& box) const {
  require_bgr(bgr);
  cv_image<bgr_pixel> view(cvIplImage(bgr));
  const full_object_detection shape = models_->landmarks(view, to_dlib(box));
  FiveLandmarks points{};
  for (unsigned long i = 0; i < shape.num_parts() && i < points.size(); ++i)
    points[i] = Point2{static_cast<double>(shape.part(i).x()), static_cast<double>(shape.part(i).y())};
  return points;
}

std::vector<FaceDescriptor> FaceAnalyzer::describe(const cv::Mat& bgr, const std::vector<DetectedFace>& faces) {
  require_bgr(bgr);
  if (faces.empty()) return {};
  cv_image<bgr_pixel> view(cvIplImage(bgr));
  std::vector<chip_details> details;
  for (const auto& face : faces) details.push_back(get_face_chip_details(to_dlib(face), kChipSize, kChipPadding));
  dlib::array<matrix<rgb_pixel>> chips;
  extract_image_chips(view, details, chips);
  std::vector<matrix<rgb_pixel>> batch(chips.begin(), chips.end());
  const std::vector<matrix<float, 0, 1>> vectors = models_->descriptor(batch, 16);

  std::vector<FaceDescriptor> out(vectors.size());
  for (std::size_t f = 0; f < vectors.size(); ++f)
    for (std::size_t i = 0; i < kDescriptorSize; ++i) out[f][i] = vectors[f](static_cast<long>(i));
  return out;
}

FaceDescriptor FaceAnalyzer::describe(const cv::Mat& bgr, const DetectedFace& face) {
  return describe(bgr, std::vector<DetectedFace>{face}).front();
}

cv::Mat FaceAnalyzer::aligned_chip(const cv::Mat& bgr, const DetectedFace& face) const {
  require_bgr(bgr);
  cv_image<bgr_pixel> view(cvIplImage(bgr));
  matrix<bgr_pixel> chip;
  extract_image_chip(view, get_face_chip_details(to_dlib(face), kChipSize, kChipPadding), chip);
  return toMat(chip).clone();
}

}  // namespace gatesim::biometrics
