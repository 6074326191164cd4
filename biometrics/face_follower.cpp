#include "biometrics/face_follower.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace gatesim::biometrics {
namespace {

double overlap(const FaceBox& a, const FaceBox& b) {
  const double w = std::min(a.right, b.right) - std::max(a.left, b.left) + 1;
  const double h = std::min(a.bottom, b.bottom) - std::max(a.top, b.top) + 1;
  if (w <= 0 || h <= 0) return 0;
  const double both = w * h;
  return both / (static_cast<double>(a.width()) * a.height() + static_cast<double>(b.width()) * b.height() - both);
}

}  // namespace

FaceFollower::FaceFollower(FaceAnalyzer& analyzer, FollowSettings settings) : analyzer_(&analyzer), settings_(settings) {
  assert(settings.search_margin > 0 && settings.max_shift > 0 && settings.max_scale_change >= 1);
}

void FaceFollower::start(const DetectedFace& face) { previous_ = face.box; }
void FaceFollower::forget() { previous_.reset(); }

cv::Rect FaceFollower::search_region(int width, int height) const {
  assert(previous_);
  const FaceBox& b = *previous_;
  const long dx = std::lround(b.width() * settings_.search_margin), dy = std::lround(b.height() * settings_.search_margin);
  const FaceBox grown = FaceBox{b.left - dx, b.top - dy, b.right + dx, b.bottom + dy}.clipped_to(width, height);
  return {static_cast<int>(grown.left), static_cast<int>(grown.top), static_cast<int>(grown.width()),
          static_cast<int>(grown.height())};
}

std::optional<DetectedFace> FaceFollower::follow(const cv::Mat& bgr) {
  assert(previous_ && !bgr.empty() && bgr.type() == CV_8UC3);
  const FaceBox before = *previous_;
  forget();  // kept only when a face that fits is found
  const cv::Rect region = search_region(bgr.cols, bgr.rows);
  if (region.width < 2 || region.height < 2) return std::nullopt;

  // The best candidate is the one overlapping the previous box most (a second face at the edge
  // of the region is someone else).
  std::optional<DetectedFace> best;
  double best_overlap = 0;
  for (DetectedFace face : analyzer_->detect_boxes(bgr(region))) {
    face.box = {face.box.left + region.x, face.box.top + region.y, face.box.right + region.x,
                face.box.bottom + region.y};
    const double o = overlap(face.box, before);
    if (o > best_overlap) {
      best_overlap = o;
      best = face;
    }
  }
  if (!best) return std::nullopt;

  const double width_before = before.width(), width_now = best->box.width();
  const double shift = std::hypot((best->box.left + best->box.right - before.left - before.right) / 2.0,
                                  (best->box.top + best->box.bottom - before.top - before.bottom) / 2.0);
  if (shift > settings_.max_shift * width_before) return std::nullopt;
  if (std::max(width_now / width_before, width_before / width_now) > settings_.max_scale_change) return std::nullopt;

  best->landmarks = analyzer_->landmarks(bgr, best->box);
  previous_ = best->box;
  return best;
}

}  // namespace gatesim::biometrics
