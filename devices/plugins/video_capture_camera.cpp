// OpenCV VideoCapture cameras (devices/plugins/video_capture_camera.hpp).
#include "devices/plugins/video_capture_camera.hpp"


namespace gatesim::devices {

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

}  // namespace gatesim::devices
