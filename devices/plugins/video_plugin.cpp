// The gatesim-video plugin: OpenCV VideoCapture cameras (devices/plugins/video_capture_camera.hpp)
// and whole video files for devices::open_video_capture and devices::read_video_file
// (devices/camera_backends.hpp).
#include "devices/plugins/video_capture_camera.hpp"
#include "models/plugin.hpp"

GATESIM_PLUGIN_EXPORT gatesim::devices::Camera* gatesim_open_video_capture(gatesim::devices::VideoSource source,
                                                                          const std::string& where,
                                                                          gatesim::devices::CameraSettings settings,
                                                                          gatesim::devices::Clock& clock,
                                                                          const std::string& name) {
  return new gatesim::devices::VideoCaptureCamera(source, where, settings, clock, name);
}

GATESIM_PLUGIN_EXPORT bool gatesim_read_video_file(const std::filesystem::path& file, int max_frames,
                                                   gatesim::devices::VideoClip& clip) {
  cv::VideoCapture video(file.string());
  if (!video.isOpened()) return false;
  if (const double fps = video.get(cv::CAP_PROP_FPS); fps > 1 && fps < 1000) clip.fps = fps;
  cv::Mat frame;
  while (static_cast<int>(clip.frames.size()) < max_frames && video.read(frame) && !frame.empty())
    clip.frames.push_back(frame.clone());
  return true;
}
