// The face pipeline against the reference values in tests/data/faces/SOURCES.md and against
// dlib's own pipeline (tests/support/dlib_reference.hpp), with the real models.
#include "biometrics/face_analyzer.hpp"

#include <dlib/clustering.h>
#include <gtest/gtest.h>

#include "biometrics/image_io.hpp"
#include "biometrics/matcher.hpp"
#include "tests/support/dlib_reference.hpp"
#include "tests/support/run_command.hpp"

namespace gatesim::biometrics {
namespace {

using gatesim::testing::test_data;

class FaceAnalyzerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { analyzer_ = new FaceAnalyzer(ModelStore::from_environment(), DetectorOptions{}); }
  static void TearDownTestSuite() {
    delete analyzer_;
    analyzer_ = nullptr;
  }

  static FaceAnalyzer& analyzer() { return *analyzer_; }

  static FaceDescriptor only_descriptor(const std::string& image_path) {
    const cv::Mat image = load_image(test_data(image_path));
    const auto faces = analyzer().detect(image);
    EXPECT_EQ(faces.size(), 1u) << image_path;
    return analyzer().describe(image, faces.at(0));
  }

  static FaceAnalyzer* analyzer_;
};
FaceAnalyzer* FaceAnalyzerTest::analyzer_ = nullptr;

TEST_F(FaceAnalyzerTest, ObamaReferenceBox) {
  const auto faces = analyzer().detect(load_image(test_data("faces/reference/obama.jpg")));
  ASSERT_EQ(faces.size(), 1u);
  EXPECT_EQ(faces[0].box, (FaceBox{349, 142, 617, 409}));
}

TEST_F(FaceAnalyzerTest, PartialFaceBoxExtendsPastTheEdgeUntilClipped) {
  const cv::Mat image = load_image(test_data("faces/reference/obama_partial_face.jpg"));
  const auto faces = analyzer().detect(image);
  ASSERT_EQ(faces.size(), 1u);
  EXPECT_EQ(faces[0].box, (FaceBox{-56, 142, 191, 365}));
  EXPECT_EQ(faces[0].box.clipped_to(image.cols, image.rows), (FaceBox{0, 142, 191, 365}));
}

TEST_F(FaceAnalyzerTest, SamePersonBelowDlibThresholdDifferentPersonAbove) {
  const auto obama = only_descriptor("faces/reference/obama.jpg");
  const Matcher matcher;
  EXPECT_TRUE(matcher.compare(obama, only_descriptor("faces/reference/obama2.jpg")).same_person);
  EXPECT_TRUE(matcher.compare(obama, only_descriptor("faces/reference/obama3.jpg")).same_person);
  const auto biden = matcher.compare(obama, only_descriptor("faces/reference/biden.jpg"));
  EXPECT_FALSE(biden.same_person);
  EXPECT_GT(biden.distance, 0.6);
}

TEST_F(FaceAnalyzerTest, DogsHaveNoHumanFace) {
  EXPECT_TRUE(analyzer().detect(load_image(test_data("faces/scenes/dogs.jpg"))).empty());
}

TEST_F(FaceAnalyzerTest, TwoPeopleAreTwoFacesOfTwoPersons) {
  const cv::Mat image = load_image(test_data("faces/examples/two_people.jpg"));
  const auto faces = analyzer().detect(image);
  ASSERT_EQ(faces.size(), 2u);
  const auto descriptors = analyzer().describe(image, faces);
  EXPECT_FALSE(Matcher().compare(descriptors[0], descriptors[1]).same_person);
}

// dlib's face clustering example: HOG without upsampling, Chinese whispers at 0.6.
TEST_F(FaceAnalyzerTest, BaldGuysAreTwentyFourFacesOfFourPeople) {
  analyzer().set_options(DetectorOptions{.upsample = 0});
  const cv::Mat image = load_image(test_data("faces/scenes/bald_guys.jpg"));
  const auto faces = analyzer().detect(image);
  analyzer().set_options(DetectorOptions{});
  ASSERT_EQ(faces.size(), 24u);
  const auto descriptors = analyzer().describe(image, faces);
  std::vector<dlib::sample_pair> edges;
  for (std::size_t i = 0; i < descriptors.size(); ++i)
    for (std::size_t j = i; j < descriptors.size(); ++j)
      if (descriptor_distance(descriptors[i], descriptors[j]) < 0.6) edges.emplace_back(i, j);
  std::vector<unsigned long> labels;
  EXPECT_EQ(dlib::chinese_whispers(edges, labels), 4u);
}

// Our analyzer reads images through OpenCV and wraps frames without copying; dlib's own
// pipeline decodes with dlib::load_image. Boxes, landmarks and descriptors must agree.
TEST_F(FaceAnalyzerTest, EqualsDlibsOwnPipeline) {
  gatesim::testing::PlainDlibPipeline plain(ModelStore::from_environment().folder());
  for (const char* file : {"faces/reference/obama.jpg", "faces/reference/biden.jpg", "faces/examples/two_people.jpg",
                           "faces/people/train/rose_leslie/img1.jpg"}) {
    SCOPED_TRACE(file);
    plain.load_file(test_data(file));
    const cv::Mat image = load_image(test_data(file));
    const auto ours = analyzer().detect(image);
    const auto theirs = plain.detect(1);
    ASSERT_EQ(ours.size(), theirs.size());
    for (std::size_t i = 0; i < ours.size(); ++i) {
      EXPECT_EQ(ours[i].box, theirs[i]);
      const auto reference_points = plain.landmarks(theirs[i]);
      for (std::size_t p = 0; p < 5; ++p) {
        EXPECT_EQ(ours[i].landmarks[p].x, reference_points[p].x);
        EXPECT_EQ(ours[i].landmarks[p].y, reference_points[p].y);
      }
      const auto a = analyzer().describe(image, ours[i]);
      const auto b = plain.describe(theirs[i]);
      for (std::size_t k = 0; k < kDescriptorSize; ++k) EXPECT_NEAR(a[k], b[k], 1e-4) << "element " << k;
    }
  }
}

// The gate camera settings (no upsampling, frontal filter only) must reach the
// same decisions as the plain pipeline on frames where the face is large enough.
TEST_F(FaceAnalyzerTest, GateModeDetectionReachesTheSameDecisions) {
  const cv::Mat probe = load_image(test_data("faces/examples/obama-480p.jpg"));
  const auto plain_faces = analyzer().detect(probe);
  ASSERT_EQ(plain_faces.size(), 1u);
  const auto plain_descriptor = analyzer().describe(probe, plain_faces[0]);
  analyzer().set_options(kGateCameraDetector);
  const auto gate_faces = analyzer().detect(probe);
  analyzer().set_options(DetectorOptions{});
  ASSERT_EQ(gate_faces.size(), 1u);
  const auto gate_descriptor = analyzer().describe(probe, gate_faces[0]);
  const Matcher matcher;
  for (const char* other : {"faces/reference/obama.jpg", "faces/reference/obama2.jpg", "faces/reference/biden.jpg",
                            "faces/people/train/kit_harington/john1.jpeg"}) {
    const auto enrolled = only_descriptor(other);
    EXPECT_EQ(matcher.compare(gate_descriptor, enrolled).same_person,
              matcher.compare(plain_descriptor, enrolled).same_person)
        << other;
  }
  EXPECT_LT(descriptor_distance(gate_descriptor, plain_descriptor), 0.1);
}

// dlib's CNN detector (optional, slower) finds the same face as HOG, and its box feeds the
// same landmarks and descriptor.
TEST_F(FaceAnalyzerTest, MmodDetectorFindsTheSameFace) {
  FaceAnalyzer cnn(ModelStore::from_environment(), DetectorOptions{.kind = DetectorKind::mmod, .upsample = 0});
  const cv::Mat image = load_image(test_data("faces/examples/obama_small.jpg"));
  const auto cnn_faces = cnn.detect(image);
  const auto hog_faces = analyzer().detect(image);
  ASSERT_EQ(cnn_faces.size(), 1u);
  ASSERT_EQ(hog_faces.size(), 1u);
  const auto& a = cnn_faces[0].box;
  const auto& b = hog_faces[0].box;
  const double overlap = std::max(0L, std::min(a.right, b.right) - std::max(a.left, b.left)) *
                         static_cast<double>(std::max(0L, std::min(a.bottom, b.bottom) - std::max(a.top, b.top)));
  EXPECT_GT(overlap / (a.width() * a.height()), 0.5);
  EXPECT_TRUE(Matcher().compare(cnn.describe(image, cnn_faces[0]), analyzer().describe(image, hog_faces[0])).same_person);
}

TEST_F(FaceAnalyzerTest, AlignedChipIs150Square) {
  const cv::Mat image = load_image(test_data("faces/reference/obama.jpg"));
  const auto faces = analyzer().detect(image);
  ASSERT_EQ(faces.size(), 1u);
  const cv::Mat chip = analyzer().aligned_chip(image, faces[0]);
  EXPECT_EQ(chip.cols, 150);
  EXPECT_EQ(chip.rows, 150);
  EXPECT_EQ(chip.type(), CV_8UC3);
}

TEST_F(FaceAnalyzerTest, RejectsNonBgrInput) {
  cv::Mat grey(100, 100, CV_8UC1, cv::Scalar(0));
  EXPECT_THROW(analyzer().detect(grey), std::invalid_argument);
}

}  // namespace
}  // namespace gatesim::biometrics
