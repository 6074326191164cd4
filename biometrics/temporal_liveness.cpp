#include "biometrics/temporal_liveness.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

namespace gatesim::biometrics {
namespace {

constexpr int kMaxCorners = 120;
constexpr double kForwardBackwardPixels = 0.7;   // a track that does not come back here is dropped
constexpr double kFrozenMeanDifference = 0.5;    // grey levels, averaged over the face crop

cv::Rect inside(const FaceBox& box, const cv::Mat& image) {
  const FaceBox c = box.clipped_to(image.cols, image.rows);
  return {static_cast<int>(c.left), static_cast<int>(c.top), static_cast<int>(c.width()), static_cast<int>(c.height())};
}

// The region tracking looks at: both boxes, grown by this share of the wider one's width on each
// side (room for the motion between two frames and for the search window at the coarsest
// pyramid level), inside the image.
constexpr double kTrackMargin = 1.0;

cv::Rect around(const FaceBox& a, const FaceBox& b, const cv::Mat& image) {
  const long grow = std::lround(kTrackMargin * std::max(a.width(), b.width()));
  const FaceBox both{std::min(a.left, b.left) - grow, std::min(a.top, b.top) - grow, std::max(a.right, b.right) + grow,
                     std::max(a.bottom, b.bottom) + grow};
  return inside(both, image);
}

}  // namespace

void TemporalLiveness::reset_tracks() {
  previous_.release();
  anchors_.clear();
  points_.clear();
}

void TemporalLiveness::start_tracks(const FaceBox& box) {
  anchors_.clear();
  points_.clear();
  const cv::Rect roi = inside(box, previous_);
  if (roi.width < 8 || roi.height < 8) return;
  // Corners of the face box only: looked for in the box (the same corners as a mask over the
  // whole frame would give, bar the box's outermost 2 pixels, at the box's cost, not the frame's).
  const double min_distance = std::max(3.0, roi.width / 25.0);
  cv::goodFeaturesToTrack(previous_(roi), points_, kMaxCorners, 0.005, min_distance, cv::noArray(), 5);
  for (auto& p : points_) p += cv::Point2f(static_cast<float>(roi.x), static_cast<float>(roi.y));
  anchors_ = points_;
  face_width_ = std::max<double>(roi.width, 1);
}

void TemporalLiveness::add(const cv::Mat& bgr, const FaceBox& box) {
  assert(!bgr.empty() && (bgr.type() == CV_8UC3 || bgr.type() == CV_8UC1));
  cv::Mat grey;
  if (bgr.channels() == 3)
    cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  else
    grey = bgr.clone();
  ++frames_;
  if (previous_.empty() || previous_.size() != grey.size()) {
    previous_ = grey;
    previous_box_ = box;
    start_tracks(box);
    return;
  }

  // Frozen: the face crop of this frame against the last one's.
  const cv::Rect roi = inside(previous_box_, grey);
  ++pairs_;
  if (cv::norm(previous_(roi), grey(roi), cv::NORM_L1) / static_cast<double>(roi.area()) < kFrozenMeanDifference)
    ++frozen_pairs_;

  if (points_.size() >= static_cast<std::size_t>(kMinTrackedPoints)) {
    std::vector<cv::Point2f> next, back;
    std::vector<uchar> ok, ok_back;
    std::vector<float> err;
    const cv::Size window(21, 21);
    // Tracked in the part of both frames around the face (the boxes of both frames grown by
    // kTrackMargin), not in the whole frames: the pyramids are built for that part only.
    const cv::Rect near = around(previous_box_, box, grey);
    const cv::Point2f origin(static_cast<float>(near.x), static_cast<float>(near.y));
    std::vector<cv::Point2f> from(points_.size());
    for (std::size_t i = 0; i < points_.size(); ++i) from[i] = points_[i] - origin;
    cv::calcOpticalFlowPyrLK(previous_(near), grey(near), from, next, ok, err, window, 3);
    cv::calcOpticalFlowPyrLK(grey(near), previous_(near), next, back, ok_back, err, window, 3);
    for (auto& p : next) p += origin;
    for (auto& p : back) p += origin;
    std::vector<cv::Point2f> anchors, points;
    for (std::size_t i = 0; i < points_.size(); ++i) {
      if (!ok[i] || !ok_back[i]) continue;
      const cv::Point2f d = back[i] - points_[i];
      if (std::hypot(d.x, d.y) > kForwardBackwardPixels) continue;
      anchors.push_back(anchors_[i]);
      points.push_back(next[i]);
    }
    anchors_ = std::move(anchors);
    points_ = std::move(points);
    if (points_.size() >= static_cast<std::size_t>(kMinTrackedPoints)) {
      const cv::Mat h = cv::findHomography(anchors_, points_, 0);
      if (!h.empty()) {
        std::vector<cv::Point2f> predicted;
        cv::perspectiveTransform(anchors_, predicted, h);
        double sum = 0;
        for (std::size_t i = 0; i < points_.size(); ++i) {
          const cv::Point2f d = predicted[i] - points_[i];
          sum += d.x * d.x + d.y * d.y;
        }
        const double value = std::sqrt(sum / static_cast<double>(points_.size())) / face_width_;
        non_rigidity_ = std::max(non_rigidity_.value_or(0.0), value);
      }
    }
  }
  previous_ = grey;
  previous_box_ = box;
  if (points_.size() < static_cast<std::size_t>(kMinTrackedPoints)) start_tracks(box);
}

}  // namespace gatesim::biometrics
