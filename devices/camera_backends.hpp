#pragma once
// The Camera backends open_camera() builds, for code that wants one directly (the OpenCV
// VideoCapture one is in the gatesim-video plugin: devices/plugins/video_capture_camera.hpp).
//
// Thread safety: one thread at a time, like every Camera.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "devices/camera.hpp"

namespace gatesim::devices {

// What an OpenCV VideoCapture camera reads: a V4L2 device by index or path, a video file, a
// stream URL.
enum class VideoSource { usb_index, v4l2_path, file, url };

// ensures: a VideoCaptureCamera (not yet open) from the gatesim-video plugin, loaded on first use
//          so that only programs that open such a camera load OpenCV's videoio.
// requires: `where` is the index (usb_index), device path, file path or URL.
// throws models::PluginMissing naming the plugin when it is not installed.
std::unique_ptr<Camera> open_video_capture(VideoSource source, const std::string& where, CameraSettings settings,
                                           Clock& clock, const std::string& name);

// A video file read whole (the clips `gatesim eval-pad` judges).
struct VideoClip {
  std::vector<cv::Mat> frames;  // as decoded (8-bit BGR for the usual files)
  double fps = 0;               // the file's frame rate; 0 when it does not give a plausible one
};
// ensures: the first `max_frames` frames of `file` and its frame rate, decoded by OpenCV's
//          VideoCapture in the gatesim-video plugin; nullopt when `file` does not open as a video.
// throws models::PluginMissing naming the plugin when it is not installed.
std::optional<VideoClip> read_video_file(const std::filesystem::path& file, int max_frames);

// The image files of a folder in name order, decoded by OpenCV; after the last one,
// end_of_stream. A file that does not decode is a corrupt frame (the next read goes on).
class ImageFolderCamera final : public Camera {
 public:
  // throws models::InputError when the folder does not exist or holds no files.
  ImageFolderCamera(const std::filesystem::path& folder, CameraSettings settings, Clock& clock, std::string name);
  void open() override;
  Frame read() override;
  void close() override { open_ = false; }
  bool is_open() const override { return open_; }
  std::string name() const override { return name_; }

 private:
  std::vector<std::filesystem::path> files_;
  CameraSettings settings_;
  Clock& clock_;
  std::string name_;
  std::size_t next_ = 0;
  bool open_ = false;
};

// Reopen policy: a disconnect or timeout is reported to the caller (so the transaction in
// progress sees the fault), and the next read() first reopens the camera, trying up to
// `max_attempts` times with a back-off that grows by `backoff` per attempt, on `clock`.
// Only when every attempt fails does that read() report disconnected again.
class ReconnectingCamera final : public Camera {
 public:
  // requires: max_attempts >= 1.
  ReconnectingCamera(std::unique_ptr<Camera> inner, int max_attempts, Duration backoff, Clock& clock);
  void open() override;
  Frame read() override;
  void close() override;
  bool is_open() const override { return inner_->is_open() || needs_reopen_; }
  std::string name() const override { return inner_->name(); }
  // How many times the camera was reopened after a fault.
  int reconnects() const { return reconnects_; }

 private:
  std::unique_ptr<Camera> inner_;
  int max_attempts_;
  Duration backoff_;
  Clock& clock_;
  bool needs_reopen_ = false;
  int reconnects_ = 0;
};

// Brings a frame to the Camera contract: 8-bit BGR, resized when settings ask for a size the
// source did not give. A frame that cannot be converted is corrupt.
cv::Mat to_bgr_frame(const cv::Mat& image, const CameraSettings& settings, const std::string& camera);

}  // namespace gatesim::devices
