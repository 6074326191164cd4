// The OpenCV camera backends, the reopen policy and open_camera().
#include <algorithm>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "devices/camera_backends.hpp"
#include "devices/device_uri.hpp"
#include "devices/fault_injection.hpp"
#include "devices/remote_camera.hpp"
#include "devices/replay_camera.hpp"
#include "models/input_error.hpp"

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

VideoCaptureCamera::VideoCaptureCamera(Source source, std::string where, CameraSettings settings, Clock& clock,
                                       std::string name)
    : source_(source), where_(std::move(where)), settings_(settings), clock_(clock), name_(std::move(name)) {}

void VideoCaptureCamera::open() {
  close();
  switch (source_) {
    case Source::usb_index: capture_.open(std::stoi(where_), cv::CAP_V4L2); break;
    case Source::v4l2_path: capture_.open(where_, cv::CAP_V4L2); break;
    case Source::file:
    case Source::url: capture_.open(where_, cv::CAP_FFMPEG); break;
  }
  if (!capture_.isOpened()) throw DeviceFault(FaultKind::disconnected, name_, "cannot open " + where_);
  // Live devices take the mode asked for (or their nearest); files keep theirs and are
  // resized per frame by to_bgr_frame.
  if (settings_.width > 0) capture_.set(cv::CAP_PROP_FRAME_WIDTH, settings_.width);
  if (settings_.height > 0) capture_.set(cv::CAP_PROP_FRAME_HEIGHT, settings_.height);
  if (settings_.fps > 0) capture_.set(cv::CAP_PROP_FPS, settings_.fps);
  sequence_ = 0;
}

Frame VideoCaptureCamera::read() {
  if (!capture_.isOpened()) throw DeviceFault(FaultKind::disconnected, name_, "not open");
  cv::Mat image;
  if (!capture_.read(image) || image.empty()) {
    if (source_ == Source::file) throw DeviceFault(FaultKind::end_of_stream, name_, "end of the video");
    throw DeviceFault(FaultKind::disconnected, name_, "no frame (unplugged or stream lost)");
  }
  return {to_bgr_frame(image, settings_, name_), clock_.now(), sequence_++};
}

void VideoCaptureCamera::close() {
  if (capture_.isOpened()) capture_.release();
}

ImageFolderCamera::ImageFolderCamera(const std::filesystem::path& folder, CameraSettings settings, Clock& clock,
                                     std::string name)
    : settings_(settings), clock_(clock), name_(std::move(name)) {
  std::error_code error;
  if (!std::filesystem::is_directory(folder, error)) throw models::InputError(name_ + ": no such folder");
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    if (entry.is_regular_file()) files_.push_back(entry.path());
  std::sort(files_.begin(), files_.end());
  if (files_.empty()) throw models::InputError(name_ + ": the folder holds no files");
}

void ImageFolderCamera::open() {
  next_ = 0;
  open_ = true;
}

Frame ImageFolderCamera::read() {
  if (!open_) throw DeviceFault(FaultKind::disconnected, name_, "not open");
  if (next_ >= files_.size()) throw DeviceFault(FaultKind::end_of_stream, name_, "no more images in the folder");
  const auto& file = files_[next_];
  const std::uint64_t sequence = next_++;
  const cv::Mat image = cv::imread(file.string(), cv::IMREAD_COLOR);
  if (image.empty()) throw DeviceFault(FaultKind::corrupt, name_, file.string() + " is not a readable image");
  return {to_bgr_frame(image, settings_, name_), clock_.now(), sequence};
}

ReconnectingCamera::ReconnectingCamera(std::unique_ptr<Camera> inner, int max_attempts, Duration backoff, Clock& clock)
    : inner_(std::move(inner)), max_attempts_(max_attempts), backoff_(backoff), clock_(clock) {}

void ReconnectingCamera::open() {
  needs_reopen_ = false;
  inner_->open();
}

void ReconnectingCamera::close() {
  needs_reopen_ = false;
  inner_->close();
}

Frame ReconnectingCamera::read() {
  if (needs_reopen_) {
    for (int attempt = 1;; ++attempt) {
      try {
        inner_->close();
        inner_->open();
        break;
      } catch (const DeviceFault& fault) {
        if (attempt == max_attempts_)
          throw DeviceFault(FaultKind::disconnected, name(),
                            "gave up after " + std::to_string(attempt) + " reopen attempts (" + fault.what() + ")");
      }
      clock_.sleep_for(backoff_ * attempt);
    }
    needs_reopen_ = false;
    ++reconnects_;
  }
  try {
    return inner_->read();
  } catch (const DeviceFault& fault) {
    needs_reopen_ = fault.kind() == FaultKind::disconnected || fault.kind() == FaultKind::timeout;
    throw;
  }
}

std::unique_ptr<Camera> open_camera(const std::string& text, Clock& clock) {
  const DeviceUri uri = parse_device_uri(text, "--camera");
  check_options(uri, std::string("width,height,fps,reconnect,faults,seed,stall_ms,slow_ms") +
                         (is_remote(uri) ? std::string(",") + kRemoteOptions : ""));
  CameraSettings settings;
  settings.width = static_cast<int>(number_option(uri, "width", 0, 0, 16384));
  settings.height = static_cast<int>(number_option(uri, "height", 0, 0, 16384));
  settings.fps = number_option(uri, "fps", 0, 0, 1000);
  if ((settings.width > 0) != (settings.height > 0))
    throw models::InputError(uri.text + ": give both width and height, or neither");
  using Source = VideoCaptureCamera::Source;
  auto capture = [&](Source source) {
    return std::make_unique<VideoCaptureCamera>(source, uri.where, settings, clock, text);
  };
  std::unique_ptr<Camera> camera;
  if (uri.scheme == "usb") {
    if (uri.where.find_first_not_of("0123456789") != std::string::npos || uri.where.size() > 4)
      throw models::InputError(uri.text + ": expected a camera index such as usb:0");
    camera = capture(Source::usb_index);
  } else if (uri.scheme == "v4l2") {
    camera = capture(Source::v4l2_path);
  } else if (uri.scheme == "file") {
    if (!std::filesystem::is_regular_file(uri.where)) throw models::InputError(uri.text + ": no such file");
    camera = capture(Source::file);
  } else if (uri.scheme == "rtsp" || uri.scheme == "http" || uri.scheme == "https") {
    camera = capture(Source::url);
  } else if (is_remote(uri)) {
    camera = std::make_unique<RemoteCamera>(parse_endpoint(uri.where, uri.text), remote_options(uri), clock, text);
  } else if (uri.scheme == "dir") {
    if (!std::filesystem::is_directory(uri.where)) throw models::InputError(uri.text + ": no such folder");
    camera = std::make_unique<ImageFolderCamera>(uri.where, settings, clock, text);
  } else if (uri.scheme == "replay") {
    camera = std::make_unique<ReplayCamera>(load_replay_script(uri.where), clock, text);
  } else {
    throw models::InputError(uri.text + ": unknown kind '" + uri.scheme +
                             "'; expected usb, v4l2, file, dir, replay, tcp, tls, rtsp or http");
  }
  if (FaultPlan plan = fault_plan_option(uri); !plan.empty())
    camera = std::make_unique<FaultyCamera>(std::move(camera), std::move(plan), clock);
  const bool live = uri.scheme != "file" && uri.scheme != "dir" && uri.scheme != "replay";
  constexpr double kLiveReconnects = 5;  // back-offs of 0.5 + 1 + ... + 2.5 s: 7.5 s to come back
  if (const int attempts = static_cast<int>(number_option(uri, "reconnect", live ? kLiveReconnects : 0, 0, 1000));
      attempts > 0)
    camera = std::make_unique<ReconnectingCamera>(std::move(camera), attempts, std::chrono::milliseconds(500), clock);
  camera->open();
  return camera;
}

}  // namespace gatesim::devices
