// to_bgr_frame (devices/camera_backends.hpp), on its own so that the gatesim-video plugin links
// this and not the other camera backends.
#include <opencv2/imgproc.hpp>

#include "devices/camera_backends.hpp"

namespace gatesim::devices {

cv::Mat to_bgr_frame(const cv::Mat& image, const CameraSettings& settings, const std::string& camera) {
  if (image.empty() || image.depth() != CV_8U)
    throw DeviceFault(FaultKind::corrupt, camera, "empty frame or not 8-bit");
  cv::Mat bgr;
  switch (image.channels()) {
    case 1: cv::cvtColor(image, bgr, cv::COLOR_GRAY2BGR); break;
    case 3: bgr = image; break;
    case 4: cv::cvtColor(image, bgr, cv::COLOR_BGRA2BGR); break;
    default: throw DeviceFault(FaultKind::corrupt, camera, std::to_string(image.channels()) + " channels");
  }
  if (settings.width > 0 && settings.height > 0 && (bgr.cols != settings.width || bgr.rows != settings.height)) {
    cv::Mat resized;
    cv::resize(bgr, resized, {settings.width, settings.height}, 0, 0, cv::INTER_AREA);
    return resized;
  }
  return bgr;
}

}  // namespace gatesim::devices
