#pragma once
// The Camera backends open_camera() builds, for code that wants one directly.
//
// Thread safety: one thread at a time, like every Camera.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/videoio.hpp>

#include "devices/camera.hpp"

namespace gatesim::devices {

// OpenCV VideoCapture: a V4L2 device (index or path), a video file or a stream URL.
// Reading past the end of a file is end_of_stream; a live source that stops giving frames is
// disconnected (unplugged, stream dropped).
class VideoCaptureCamera final : public Camera {
 public:
  enum class Source { usb_index, v4l2_path, file, url };
  // requires: `where` is the index (usb_index), device path, file path or URL.
  VideoCaptureCamera(Source source, std::string where, CameraSettings settings, Clock& clock, std::string name);
  void open() override;
  Frame read() override;
  void close() override;
  bool is_open() const override { return capture_.isOpened(); }
  std::string name() const override { return name_; }

 private:
  Source source_;
  std::string where_;
  CameraSettings settings_;
  Clock& clock_;
  std::string name_;
  cv::VideoCapture capture_;
  std::uint64_t sequence_ = 0;
};

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
