#include "biometrics/face_quality.hpp"

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "biometrics/face_analyzer.hpp"
#include "biometrics/image_io.hpp"
#include "tests/support/run_command.hpp"

namespace gatesim::biometrics {
namespace {

using gatesim::testing::test_data;

DetectedFace frontal_face_at(double cx, double cy, double eye_gap, double nose_shift = 0) {
  DetectedFace face;
  face.box = {static_cast<long>(cx - eye_gap), static_cast<long>(cy - eye_gap), static_cast<long>(cx + eye_gap),
              static_cast<long>(cy + eye_gap)};
  const double half = eye_gap / 2;
  face.landmarks = {Point2{cx + half + 10, cy}, Point2{cx + half - 10, cy}, Point2{cx - half - 10, cy},
                    Point2{cx - half + 10, cy}, Point2{cx + nose_shift, cy + 0.6 * eye_gap}};
  return face;
}

TEST(FaceQuality, GeometryFromLandmarks) {
  const cv::Mat grey_frame(480, 640, CV_8UC3, cv::Scalar(128, 128, 128));
  const auto q = assess_face(grey_frame, frontal_face_at(320, 240, 60));
  EXPECT_DOUBLE_EQ(q.inter_eye_px, 60);
  EXPECT_NEAR(q.yaw_deg, 0, 1e-9);
  const auto turned = assess_face(grey_frame, frontal_face_at(320, 240, 60, 25));
  EXPECT_GT(std::abs(turned.yaw_deg), 25);
}

TEST(FaceQuality, EachFailingMeasureGivesAReason) {
  const cv::Mat flat(480, 640, CV_8UC3, cv::Scalar(10, 10, 10));  // dark and without detail
  const auto q = assess_face(flat, frontal_face_at(320, 240, 20, 15));
  EXPECT_FALSE(q.acceptable);
  ASSERT_EQ(q.reasons.size(), 4u);
  EXPECT_NE(q.reasons[0].find("face too small"), std::string::npos);
  EXPECT_NE(q.reasons[1].find("face blurred"), std::string::npos);
  EXPECT_NE(q.reasons[2].find("face too dark"), std::string::npos);
  EXPECT_NE(q.reasons[3].find("head turned"), std::string::npos);
}

TEST(FaceQuality, FrameNeedsExactlyOneFace) {
  const cv::Mat frame(480, 640, CV_8UC3, cv::Scalar(128, 128, 128));
  EXPECT_EQ(assess_frame(frame, {}).reasons, std::vector<std::string>{"no face"});
  const auto two = assess_frame(frame, {frontal_face_at(200, 240, 60), frontal_face_at(450, 240, 60)});
  EXPECT_FALSE(two.acceptable);
  EXPECT_EQ(two.reasons.front(), "2 faces: one traveller at a time");
}

// Real photographs: sharp reference portraits pass; the same face blurred fails on sharpness.
TEST(FaceQuality, BlurIsDetectedOnARealFace) {
  FaceAnalyzer analyzer(ModelStore::from_environment(), DetectorOptions{});
  const cv::Mat image = load_image(test_data("faces/examples/obama-720p.jpg"));
  const auto faces = analyzer.detect(image);
  ASSERT_EQ(faces.size(), 1u);
  EXPECT_TRUE(assess_frame(image, faces).acceptable) << assess_frame(image, faces).reasons.front();
  cv::Mat blurred;
  cv::GaussianBlur(image, blurred, cv::Size(0, 0), 8);
  const auto q = assess_face(blurred, faces[0]);
  EXPECT_FALSE(q.acceptable);
  EXPECT_NE(q.reasons.at(0).find("face blurred"), std::string::npos);
}

}  // namespace
}  // namespace gatesim::biometrics
