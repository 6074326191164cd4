#include "devices/replay_camera.hpp"

#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "devices/camera_backends.hpp"
#include "models/input_error.hpp"

namespace gatesim::devices {

ReplayCamera::ReplayCamera(std::vector<ScriptedFrame> script, Clock& clock, std::string name)
    : script_(std::move(script)), clock_(clock), name_(std::move(name)) {
  for (std::size_t i = 1; i < script_.size(); ++i)
    if (script_[i].at < script_[i - 1].at)
      throw std::invalid_argument("ReplayCamera: frame " + std::to_string(i) + " is due before frame " +
                                  std::to_string(i - 1));
}

void ReplayCamera::open() {
  started_ = clock_.now();
  next_ = 0;
  dropped_ = 0;
  open_ = true;
}

Frame ReplayCamera::read() {
  if (!open_) throw DeviceFault(FaultKind::disconnected, name_, "not open");
  if (next_ >= script_.size()) throw DeviceFault(FaultKind::end_of_stream, name_, "the script has no more frames");
  const Duration elapsed = clock_.now() - started_;
  // Late reader: skip to the latest frame already due.
  while (next_ + 1 < script_.size() && script_[next_ + 1].at <= elapsed) {
    ++next_;
    ++dropped_;
  }
  const ScriptedFrame& scripted = script_[next_];
  const std::uint64_t sequence = next_++;
  clock_.sleep_until(started_ + scripted.at);
  cv::Mat image;
  if (const auto* file = std::get_if<std::filesystem::path>(&scripted.image)) {
    image = cv::imread(file->string(), cv::IMREAD_COLOR);
    if (image.empty()) throw DeviceFault(FaultKind::corrupt, name_, file->string() + " is not a readable image");
  } else {
    image = std::get<cv::Mat>(scripted.image);
  }
  return {to_bgr_frame(image, {}, name_), started_ + scripted.at, sequence};
}

std::vector<ScriptedFrame> load_replay_script(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw models::InputError(file.string() + ": cannot read the replay script");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw models::InputError(file.string() + ": not JSON (" + e.what() + ")");
  }
  auto bad = [&](const std::string& field, const std::string& expected) {
    throw models::InputError(file.string() + ": " + field + ": expected " + expected);
  };
  if (!j.is_object() || !j.contains("frames") || !j["frames"].is_array() || j["frames"].empty())
    bad("frames", "a non-empty list of {\"at_ms\", \"image\"}");
  std::vector<ScriptedFrame> script;
  double previous = 0;
  for (std::size_t i = 0; i < j["frames"].size(); ++i) {
    const auto& f = j["frames"][i];
    const std::string where = "frames[" + std::to_string(i) + "]";
    if (!f.is_object()) bad(where, "an object {\"at_ms\", \"image\"}");
    if (!f.contains("at_ms") || !f["at_ms"].is_number() || f["at_ms"].get<double>() < previous)
      bad(where + ".at_ms", "a number of milliseconds, not before the previous frame's");
    if (!f.contains("image") || !f["image"].is_string() || f["image"].get<std::string>().empty())
      bad(where + ".image", "an image file name");
    previous = f["at_ms"].get<double>();
    const std::filesystem::path image = file.parent_path() / f["image"].get<std::string>();
    if (!std::filesystem::is_regular_file(image)) bad(where + ".image", "an existing file (" + image.string() + ")");
    script.push_back({std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::milli>(previous)), image});
  }
  return script;
}

}  // namespace gatesim::devices
