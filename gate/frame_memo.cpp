#include "gate/frame_memo.hpp"

#include <cassert>
#include <functional>
#include <string_view>

namespace gatesim::gate {

FrameMemo::FrameMemo(std::size_t capacity) : capacity_(capacity) { assert(capacity > 0); }

FrameAnalysis* FrameMemo::find(const cv::Mat& frame) {
  const std::size_t key = key_of(frame);
  if (const auto it = remembered_.find(key); it != remembered_.end()) {
    ++counts_.reused;
    return &it->second;
  }
  ++counts_.analysed;
  last_key_ = key;
  return nullptr;
}

FrameAnalysis& FrameMemo::remember(const cv::Mat& frame, FrameAnalysis analysis) {
  assert(key_of(frame) == last_key_);
  (void)frame;
  if (remembered_.size() >= capacity_) remembered_.clear();
  return remembered_.insert_or_assign(last_key_, std::move(analysis)).first->second;
}

std::size_t FrameMemo::key_of(const cv::Mat& frame) {
  std::size_t key = std::hash<std::string_view>{}(
      std::string_view(reinterpret_cast<const char*>(&frame.rows), sizeof frame.rows));
  auto mix = [&](std::size_t h) { key ^= h + 0x9e3779b97f4a7c15ULL + (key << 6) + (key >> 2); };
  mix(static_cast<std::size_t>(frame.cols));
  mix(static_cast<std::size_t>(frame.type()));
  for (int row = 0; row < frame.rows; ++row)
    mix(std::hash<std::string_view>{}(std::string_view(frame.ptr<const char>(row), frame.cols * frame.elemSize())));
  return key;
}

}  // namespace gatesim::gate
