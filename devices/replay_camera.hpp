#pragma once
// ReplayCamera: plays scripted frames at scripted times, like a live camera whose picture is
// known in advance. Frame i is due at open() + at_i on the camera's Clock: read() waits for
// the next due frame; a reader that comes late gets the latest frame already due (earlier
// ones are dropped, as a live camera's buffer would). After the last frame, end_of_stream.
// With a VirtualClock the waits take no real time, so timings are tested exactly.
//
// Thread safety: one thread at a time.

#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include "devices/camera.hpp"

namespace gatesim::devices {

struct ScriptedFrame {
  Duration at{};                                    // since open()
  std::variant<std::filesystem::path, cv::Mat> image;  // a file decoded when due, or a frame
};

class ReplayCamera final : public Camera {
 public:
  // requires: `at` never decreases along the script (else std::invalid_argument).
  ReplayCamera(std::vector<ScriptedFrame> script, Clock& clock = steady_clock(), std::string name = "replay");
  void open() override;
  Frame read() override;
  void close() override { open_ = false; }
  bool is_open() const override { return open_; }
  std::string name() const override { return name_; }
  // Frames skipped because the reader came late, since open().
  std::size_t dropped() const { return dropped_; }

 private:
  std::vector<ScriptedFrame> script_;
  Clock& clock_;
  std::string name_;
  Duration started_{};
  std::size_t next_ = 0;
  std::size_t dropped_ = 0;
  bool open_ = false;
};

// Loads a replay script: {"frames": [{"at_ms": 0, "image": "a.jpg"}, ...]}; image paths are
// relative to the script's folder.
// throws models::InputError "<file>: frames[3].at_ms: expected ..." for a bad script.
std::vector<ScriptedFrame> load_replay_script(const std::filesystem::path& file);

}  // namespace gatesim::devices
