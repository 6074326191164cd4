#pragma once
// VideoCaptureCamera: the Camera on OpenCV's VideoCapture (V4L2 devices, video files, streams
// through FFmpeg). It is the only code that needs OpenCV's videoio (and with it GStreamer,
// FFmpeg, ...), so it lives in the gatesim-video plugin, loaded by open_camera() for the usb:,
// v4l2:, file:, rtsp: and http(s): kinds (models/plugin.hpp).
//
// Thread safety: one thread at a time, like every Camera.

#include <cstdint>
#include <string>

#include <opencv2/videoio.hpp>

#include "devices/camera_backends.hpp"

namespace gatesim::devices {

// OpenCV VideoCapture: a V4L2 device (index or path), a video file or a stream URL.
// Reading past the end of a file is end_of_stream; a live source that stops giving frames is
// disconnected (unplugged, stream dropped).
class VideoCaptureCamera final : public Camera {
 public:
  using Source = VideoSource;
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

}  // namespace gatesim::devices
