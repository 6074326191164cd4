#include "biometrics/face_quality.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>

#include <opencv2/imgproc.hpp>

namespace gatesim::biometrics {
namespace {

Point2 midpoint(const Point2& a, const Point2& b) { return {(a.x + b.x) / 2, (a.y + b.y) / 2}; }

std::string format(const char* what, double value, const char* relation, double limit) {
  std::ostringstream out;
  out.precision(3);
  out << what << ' ' << value << ' ' << relation << ' ' << limit;
  return out.str();
}

// The nose base of a frontal face sits under the eye midpoint; turning the head by θ moves it
// sideways by about depth·sin θ, with depth ≈ 0.55 inter-eye distances for an adult face.
double estimate_yaw_deg(const FiveLandmarks& p) {
  const Point2 eye_a = midpoint(p[0], p[1]), eye_b = midpoint(p[2], p[3]);
  const Point2 mid = midpoint(eye_a, eye_b);
  const double ax = eye_b.x - eye_a.x, ay = eye_b.y - eye_a.y;
  const double ied = std::hypot(ax, ay);
  if (ied <= 0) return 0;
  const double along = ((p[4].x - mid.x) * ax + (p[4].y - mid.y) * ay) / (ied * ied);
  // Keep the sign in image terms: positive when the nose points to the image's right.
  const double sign = ax >= 0 ? 1.0 : -1.0;
  return sign * std::asin(std::clamp(along / 0.55, -1.0, 1.0)) * 180.0 / std::numbers::pi;
}

}  // namespace

double inter_eye_distance(const FiveLandmarks& p) {
  const Point2 a = midpoint(p[0], p[1]), b = midpoint(p[2], p[3]);
  return std::hypot(b.x - a.x, b.y - a.y);
}

FaceQuality assess_face(const cv::Mat& bgr, const DetectedFace& face, const QualityThresholds& t) {
  FaceQuality q;
  q.face_width_px = static_cast<double>(face.box.width());
  q.inter_eye_px = inter_eye_distance(face.landmarks);
  q.yaw_deg = estimate_yaw_deg(face.landmarks);

  const FaceBox inside = face.box.clipped_to(bgr.cols, bgr.rows);
  if (inside.width() >= 2 && inside.height() >= 2) {
    cv::Mat grey;
    cv::cvtColor(bgr(cv::Rect(static_cast<int>(inside.left), static_cast<int>(inside.top),
                              static_cast<int>(inside.width()), static_cast<int>(inside.height()))),
                 grey, cv::COLOR_BGR2GRAY);
    q.brightness = cv::mean(grey)[0];
    cv::Mat normalised, laplacian;
    const double scale = 128.0 / grey.cols;
    cv::resize(grey, normalised, cv::Size(128, std::max(2, static_cast<int>(std::lround(grey.rows * scale)))), 0, 0,
               scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    cv::Laplacian(normalised, laplacian, CV_64F);
    cv::Scalar mean, stddev;
    cv::meanStdDev(laplacian, mean, stddev);
    q.sharpness = stddev[0] * stddev[0];
  }

  if (q.inter_eye_px < t.min_inter_eye_px)
    q.reasons.push_back(format("face too small: inter-eye distance", q.inter_eye_px, "px <", t.min_inter_eye_px));
  if (q.sharpness < t.min_sharpness)
    q.reasons.push_back(format("face blurred: sharpness", q.sharpness, "<", t.min_sharpness));
  if (q.brightness < t.min_brightness)
    q.reasons.push_back(format("face too dark: brightness", q.brightness, "<", t.min_brightness));
  if (q.brightness > t.max_brightness)
    q.reasons.push_back(format("face too bright: brightness", q.brightness, ">", t.max_brightness));
  if (std::abs(q.yaw_deg) > t.max_abs_yaw_deg)
    q.reasons.push_back(format("head turned: yaw", q.yaw_deg, "degrees, limit ±", t.max_abs_yaw_deg));
  q.acceptable = q.reasons.empty();
  return q;
}

FrameQuality assess_frame(const cv::Mat& bgr, const std::vector<DetectedFace>& faces, const QualityThresholds& t) {
  FrameQuality frame;
  frame.face_count = faces.size();
  for (const auto& face : faces) frame.faces.push_back(assess_face(bgr, face, t));
  if (faces.empty()) frame.reasons.push_back("no face");
  if (faces.size() > 1)
    frame.reasons.push_back(std::to_string(faces.size()) + " faces: one traveller at a time");
  if (faces.size() == 1)
    frame.reasons.insert(frame.reasons.end(), frame.faces[0].reasons.begin(), frame.faces[0].reasons.end());
  frame.acceptable = frame.reasons.empty();
  return frame;
}

}  // namespace gatesim::biometrics
