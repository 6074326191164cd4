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
#include "models/plugin.hpp"

namespace gatesim::devices {

std::unique_ptr<Camera> open_video_capture(VideoSource source, const std::string& where, CameraSettings settings,
                                           Clock& clock, const std::string& name) {
  using Open = Camera*(VideoSource, const std::string&, CameraSettings, Clock&, const std::string&);
  auto* open = models::plugin_function<Open>("gatesim-video", "gatesim_open_video_capture", "camera " + name);
  return std::unique_ptr<Camera>(open(source, where, settings, clock, name));
}

std::optional<VideoClip> read_video_file(const std::filesystem::path& file, int max_frames) {
  using Read = bool(const std::filesystem::path&, int, VideoClip&);
  auto* read = models::plugin_function<Read>("gatesim-video", "gatesim_read_video_file", "reading " + file.string());
  VideoClip clip;
  if (!read(file, max_frames, clip)) return std::nullopt;
  return clip;
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
  using Source = VideoSource;
  auto capture = [&](Source source) { return open_video_capture(source, uri.where, settings, clock, text); };
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
