#include "tests/support/dlib_reference.hpp"

#include <dlib/image_io.h>
#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/opencv/cv_image.h>

#include "biometrics/dlib_networks.hpp"

namespace gatesim::testing {

struct PlainDlibPipeline::Impl {
  dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();
  dlib::shape_predictor predictor;
  biometrics::detail::DescriptorNet net;
  dlib::matrix<dlib::rgb_pixel> image;

  dlib::full_object_detection shape(const biometrics::FaceBox& b) {
    return predictor(image, dlib::rectangle(b.left, b.top, b.right, b.bottom));
  }
};

PlainDlibPipeline::PlainDlibPipeline(const std::filesystem::path& folder) : impl_(std::make_unique<Impl>()) {
  dlib::deserialize((folder / "shape_predictor_5_face_landmarks.dat").string()) >> impl_->predictor;
  dlib::deserialize((folder / "dlib_face_recognition_resnet_model_v1.dat").string()) >> impl_->net;
}

PlainDlibPipeline::~PlainDlibPipeline() = default;

void PlainDlibPipeline::load_file(const std::filesystem::path& image) { dlib::load_image(impl_->image, image.string()); }

void PlainDlibPipeline::set_frame(const cv::Mat& bgr) {
  dlib::assign_image(impl_->image, dlib::cv_image<dlib::bgr_pixel>(cvIplImage(bgr)));
}

std::vector<biometrics::FaceBox> PlainDlibPipeline::detect(int upsample) {
  // dlib/tools/python: upsample with pyramid_up, detect, map back with rect_down.
  dlib::pyramid_down<2> pyramid;
  std::vector<dlib::rectangle> found;
  if (upsample == 0) {
    found = impl_->detector(impl_->image);
  } else {
    dlib::array2d<dlib::rgb_pixel> enlarged;
    dlib::pyramid_up(impl_->image, enlarged, pyramid);
    for (int i = 1; i < upsample; ++i) dlib::pyramid_up(enlarged, pyramid);
    found = impl_->detector(enlarged);
    for (auto& r : found) r = pyramid.rect_down(r, static_cast<unsigned>(upsample));
  }
  std::vector<biometrics::FaceBox> boxes;
  for (const auto& r : found) boxes.push_back({r.left(), r.top(), r.right(), r.bottom()});
  return boxes;
}

biometrics::FiveLandmarks PlainDlibPipeline::landmarks(const biometrics::FaceBox& box) {
  const auto s = impl_->shape(box);
  biometrics::FiveLandmarks points{};
  for (unsigned long i = 0; i < 5; ++i)
    points[i] = {static_cast<double>(s.part(i).x()), static_cast<double>(s.part(i).y())};
  return points;
}

biometrics::FaceDescriptor PlainDlibPipeline::describe(const biometrics::FaceBox& box) {
  dlib::matrix<dlib::rgb_pixel> chip;
  dlib::extract_image_chip(impl_->image, dlib::get_face_chip_details(impl_->shape(box), 150, 0.25), chip);
  const dlib::matrix<float, 0, 1> v = impl_->net(chip);
  biometrics::FaceDescriptor out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = v(static_cast<long>(i));
  return out;
}

}  // namespace gatesim::testing
