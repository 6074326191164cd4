// FaceFollower on the shipped clip and images with the real dlib models: a face is followed
// from frame to frame without full detections, where full detections find it too; a frame
// without it (another face elsewhere, no face) is not followed.
#include "biometrics/face_follower.hpp"

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "biometrics/image_io.hpp"
#include "tests/support/run_command.hpp"

namespace gatesim::biometrics {
namespace {

using gatesim::testing::test_data;

double overlap(const FaceBox& a, const FaceBox& b) {
  const double w = std::min(a.right, b.right) - std::max(a.left, b.left) + 1;
  const double h = std::min(a.bottom, b.bottom) - std::max(a.top, b.top) + 1;
  if (w <= 0 || h <= 0) return 0;
  return w * h / (static_cast<double>(a.width()) * a.height() + static_cast<double>(b.width()) * b.height() - w * h);
}

class FaceFollowerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { analyzer_ = new FaceAnalyzer(ModelStore::from_environment(), kGateCameraDetector); }
  static void TearDownTestSuite() { delete analyzer_; }
  static FaceAnalyzer* analyzer_;
};
FaceAnalyzer* FaceFollowerTest::analyzer_ = nullptr;

// The clip's frames from the first with a face on: the performer is followed through 30 frames
// with one full detection (the first) instead of 31, and where a full detection finds the face
// the followed box is the same face (they overlap by more than half).
TEST_F(FaceFollowerTest, FollowsTheClipsFaceWithOneFullDetection) {
  cv::VideoCapture video(test_data("faces/examples/short_hamilton_clip.mp4").string());
  cv::Mat frame;
  std::vector<DetectedFace> first;
  while (first.empty() && video.read(frame)) first = analyzer_->detect(frame);
  ASSERT_FALSE(first.empty()) << "no face in the shipped clip";
  int full_detections = 1, followed = 0, compared = 0;
  FaceFollower follower(*analyzer_);
  follower.start(first.front());
  for (int i = 0; i < 30 && video.read(frame); ++i) {
    auto face = follower.follow(frame);
    if (!face) {  // lost: a full detection takes over, as the lane does
      ++full_detections;
      const auto found = analyzer_->detect(frame);
      if (!found.empty()) follower.start(found.front());
      continue;
    }
    ++followed;
    EXPECT_TRUE(follower.following());
    // Its landmarks lie in its box (placed from the followed box on the full frame).
    for (const auto& p : face->landmarks) {
      EXPECT_GE(p.x, face->box.left - 2);
      EXPECT_LE(p.x, face->box.right + 2);
    }
    const auto truth = analyzer_->detect(frame);
    if (truth.empty()) continue;
    ++compared;
    double best = 0;
    for (const auto& t : truth) best = std::max(best, overlap(t.box, face->box));
    EXPECT_GT(best, 0.5) << "frame " << i;
  }
  EXPECT_GE(followed, 27) << "lost " << 30 - followed << " of 30 frames";
  EXPECT_LE(full_detections, 4);
  EXPECT_GE(compared, 20);
}

// A frame whose search region shows no face is not followed: a plain grey frame, and a frame
// where the face is elsewhere (the same image shifted by more than the search region).
TEST_F(FaceFollowerTest, AFrameWithoutTheFaceIsNotFollowed) {
  const cv::Mat obama = load_image(test_data("faces/reference/obama2.jpg"));
  const auto faces = analyzer_->detect(obama);
  ASSERT_EQ(faces.size(), 1u);
  FaceFollower follower(*analyzer_);

  follower.start(faces.front());
  ASSERT_TRUE(follower.follow(obama)) << "the same frame again is followed";
  EXPECT_TRUE(follower.following());

  EXPECT_FALSE(follower.follow(cv::Mat(obama.size(), CV_8UC3, cv::Scalar(120, 120, 120))));
  EXPECT_FALSE(follower.following()) << "a lost face stops following";

  // The face moved by two face widths between two frames: outside the region, not followed.
  follower.start(faces.front());
  const double dx = 2.0 * faces.front().box.width();
  cv::Mat moved;
  const cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, dx, 0, 1, 0);
  cv::warpAffine(obama, moved, shift, cv::Size(obama.cols + static_cast<int>(dx), obama.rows));
  ASSERT_FALSE(analyzer_->detect(moved).empty()) << "the moved face is still there for a full detection";
  EXPECT_FALSE(follower.follow(moved));
}

// Another person's face in the place of the followed one is followed: following says where,
// not who (the lane checks the descriptor; tests/gate/lane_driver_test.cpp).
TEST_F(FaceFollowerTest, FollowingSaysWhereNotWho) {
  const cv::Mat obama = load_image(test_data("faces/reference/obama2.jpg"));
  const auto faces = analyzer_->detect(obama);
  ASSERT_EQ(faces.size(), 1u);
  const cv::Rect box(static_cast<int>(faces[0].box.left), static_cast<int>(faces[0].box.top),
                     static_cast<int>(faces[0].box.width()), static_cast<int>(faces[0].box.height()));
  // Biden's face, scaled into Obama's box in Obama's frame.
  const cv::Mat biden = load_image(test_data("faces/reference/biden.jpg"));
  const auto biden_faces = analyzer_->detect(biden);
  ASSERT_EQ(biden_faces.size(), 1u);
  const FaceBox& b = biden_faces[0].box;
  const double s = static_cast<double>(box.width) / b.width();
  cv::Mat swapped = obama.clone();
  const cv::Mat m = (cv::Mat_<double>(2, 3) << s, 0, box.x - s * b.left, 0, s, box.y - s * b.top);
  cv::Mat warped;
  cv::warpAffine(biden, warped, m, obama.size());
  const cv::Rect region = cv::Rect(box.x - box.width / 2, box.y - box.height / 2, 2 * box.width, 2 * box.height) &
                          cv::Rect(0, 0, obama.cols, obama.rows);
  warped(region).copyTo(swapped(region));
  FaceFollower follower(*analyzer_);
  follower.start(faces.front());
  EXPECT_TRUE(follower.follow(swapped));
}

}  // namespace
}  // namespace gatesim::biometrics
