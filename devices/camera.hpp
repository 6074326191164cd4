#pragma once
// Camera: a source of timestamped BGR frames (a USB camera, a video file, a folder of images,
// a stream URL, a scripted replay, a camera on another host). Backends are chosen by a URI
// with open_camera(); wrappers (reconnecting, fault-injecting) are Cameras too.
//
// Thread safety: a Camera is used by one thread at a time.

#include <cstdint>
#include <memory>
#include <string>

#include <opencv2/core/mat.hpp>

#include "devices/clock.hpp"
#include "devices/device_fault.hpp"

namespace gatesim::devices {

struct Frame {
  cv::Mat image;           // 8-bit, 3 channels, BGR
  Duration timestamp{};    // on the camera's Clock, when the frame was taken
  std::uint64_t sequence = 0;  // 0, 1, 2, ... since the camera was opened
};

// Asked of the device; 0 means the device's own default. A backend that cannot honour a
// setting keeps its own value (cameras pick the nearest mode they support).
struct CameraSettings {
  int width = 0;
  int height = 0;
  double fps = 0;
};

class Camera {
 public:
  virtual ~Camera() = default;
  // ensures: is_open(); the next read() starts from the source's beginning (for recorded
  //          sources) or the live picture.
  // throws DeviceFault (disconnected) when the device is absent.
  virtual void open() = 0;
  // requires: is_open()
  // ensures: a non-empty BGR frame.
  // throws DeviceFault: disconnected (unplugged), timeout, corrupt, end_of_stream.
  virtual Frame read() = 0;
  // ensures: !is_open(); closing a closed camera does nothing.
  virtual void close() = 0;
  virtual bool is_open() const = 0;
  // A name for logs and fault messages (the URI it was opened from).
  virtual std::string name() const = 0;
};

// Opens a camera by URI:
//   usb:N  v4l2:/dev/videoN  file:VIDEO  rtsp://...  http(s)://...   (OpenCV VideoCapture)
//   dir:FOLDER      image files of the folder in name order
//   replay:SCRIPT   a JSON replay script (ReplayCamera)
//   tcp://HOST:PORT a camera served by `gatesim device-server` (RemoteCamera); tls://HOST:PORT
//                   the same over mutual TLS with ca=, cert=, key= (device_uri.hpp); timeout_ms=N
// followed by optional settings after '#', comma-separated:
//   width=W, height=H, fps=F          CameraSettings
//   reconnect=N                       reopen up to N times after a disconnect (ReconnectingCamera);
//                                     default 5 for live sources (usb, v4l2, rtsp, http, tcp, tls: a
//                                     cable or link comes back), 0 for file, dir and replay
//   faults=KIND:P;KIND:P, seed=S      fault injection (see fault_injection.hpp)
// e.g. "usb:0#width=640,height=480,reconnect=0" or "file:clip.mp4#faults=disconnect:0.1,seed=7".
// ensures: the camera is open.
// throws models::InputError for a malformed URI or missing file/folder (names the URI and
//        what was expected); DeviceFault when a well-formed device cannot be opened.
std::unique_ptr<Camera> open_camera(const std::string& uri, Clock& clock = steady_clock());

}  // namespace gatesim::devices
