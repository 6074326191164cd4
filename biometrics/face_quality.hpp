#pragma once
// FaceQuality: is a detected face good enough to verify? Each measure is reported, and every
// one that fails its threshold adds a reason a person can act on ("face too small: ...").
//
// Measures: face width and inter-eye distance (pixels), sharpness (variance of the Laplacian
// of the face region scaled to 128 px wide, so it does not grow with resolution), brightness
// (mean grey level 0..255 in the face box), and a head-yaw estimate from the 5 landmarks
// (the nose base's offset from the eye midline; about ±5° resolution, enough to reject a
// turned head, not a pose measurement).
//
// Thread safety: pure functions; safe from any thread.

#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "biometrics/face_types.hpp"

namespace gatesim::biometrics {

struct QualityThresholds {
  // ICAO asks 90 px between the eyes for a portrait; a gate frame at 640x480 holds faces with
  // 40-100 px, and dlib's ResNet is trained on chips whose eyes are ~40 px apart.
  double min_inter_eye_px = 30;
  double min_sharpness = 15;
  double min_brightness = 40;
  double max_brightness = 220;
  double max_abs_yaw_deg = 25;
};

struct FaceQuality {
  double face_width_px = 0;
  double inter_eye_px = 0;
  double sharpness = 0;
  double brightness = 0;
  double yaw_deg = 0;
  bool acceptable = false;
  std::vector<std::string> reasons;  // empty when acceptable
};

// requires: bgr is 8-bit 3-channel; face came from FaceAnalyzer::detect on it.
FaceQuality assess_face(const cv::Mat& bgr, const DetectedFace& face, const QualityThresholds& thresholds = {});

// A whole frame for a single-traveller gate: exactly one face, and that face acceptable.
struct FrameQuality {
  std::size_t face_count = 0;
  bool acceptable = false;
  std::vector<std::string> reasons;  // "no face", "2 faces: one traveller at a time", then the face's reasons
  std::vector<FaceQuality> faces;    // one per detected face, in detection order
};

FrameQuality assess_frame(const cv::Mat& bgr, const std::vector<DetectedFace>& faces,
                          const QualityThresholds& thresholds = {});

// Inter-eye distance from dlib's 5-point landmarks (centre of one eye's corners to the other's).
double inter_eye_distance(const FiveLandmarks& landmarks);

}  // namespace gatesim::biometrics
