// Evaluation math on synthetic distances whose answers are known by hand.
#include <filesystem>
#include <unistd.h>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "biometrics/evaluation.hpp"
#include "models/input_error.hpp"

namespace {

using namespace gatesim::biometrics;

// A descriptor at distance `x` from the origin along the first axis.
LabelledDescriptor at(const std::string& identity, float x) {
  LabelledDescriptor d{identity, {}};
  d.descriptor[0] = x;
  return d;
}

TEST(PairDistances, SplitsAllPairsByIdentity) {
  const std::vector<LabelledDescriptor> samples = {at("a", 0.0f), at("a", 0.25f), at("b", 1.0f), at("b", 1.5f),
                                                   at("c", 3.0f)};
  const auto sets = pair_distances(samples);
  ASSERT_EQ(sets.genuine.size(), 2u);   // (a,a) and (b,b)
  ASSERT_EQ(sets.impostor.size(), 8u);  // 10 pairs in all
  EXPECT_DOUBLE_EQ(sets.genuine[0], 0.25);
  EXPECT_DOUBLE_EQ(sets.genuine[1], 0.5);
  EXPECT_DOUBLE_EQ(sets.impostor.front(), 0.75);  // a@0.25 to b@1.0
  EXPECT_DOUBLE_EQ(sets.impostor.back(), 3.0);    // a@0 to c@3
  EXPECT_TRUE(std::is_sorted(sets.impostor.begin(), sets.impostor.end()));
}

TEST(ErrorRates, MatchIsStrictlyBelowThreshold) {
  const DistanceSets sets{{0.1, 0.3, 0.5, 0.7}, {0.4, 0.6, 0.8, 1.0}};
  const auto r = error_rates_at(sets, 0.6);
  EXPECT_DOUBLE_EQ(r.fmr, 0.25);   // 0.4 < 0.6; 0.6 itself is not a match
  EXPECT_DOUBLE_EQ(r.fnmr, 0.25);  // 0.7 >= 0.6
  EXPECT_DOUBLE_EQ(error_rates_at(sets, 0.0).fnmr, 1.0);
  EXPECT_DOUBLE_EQ(error_rates_at(sets, 2.0).fmr, 1.0);
}

TEST(ThresholdGrid, IncludesBothEndsWithoutRoundingNoise) {
  const auto grid = threshold_grid(0, 1.5, 0.05);
  ASSERT_EQ(grid.size(), 31u);
  EXPECT_EQ(grid.front(), 0.0);
  EXPECT_EQ(grid[3], 0.15);
  EXPECT_EQ(grid.back(), 1.5);
}

TEST(ErrorRateCurve, RunsFromAllRejectedToAllAccepted) {
  const DistanceSets sets{{0.2, 0.2, 0.5}, {0.5, 0.9}};
  const auto curve = error_rate_curve(sets);
  ASSERT_EQ(curve.size(), 4u);  // 0.2, 0.5, 0.9 and just above 0.9
  EXPECT_DOUBLE_EQ(curve.front().fmr, 0.0);
  EXPECT_DOUBLE_EQ(curve.front().fnmr, 1.0);
  EXPECT_DOUBLE_EQ(curve[1].fnmr, 1.0 / 3);
  EXPECT_DOUBLE_EQ(curve.back().fmr, 1.0);
  EXPECT_DOUBLE_EQ(curve.back().fnmr, 0.0);
}

TEST(EqualErrorRate, SeparableSetsGiveZero) {
  const DistanceSets sets{{0.1, 0.2, 0.3}, {0.7, 0.8, 0.9, 1.2}};
  const auto eer = equal_error_rate(sets);
  EXPECT_DOUBLE_EQ(eer.fmr, 0.0);
  EXPECT_DOUBLE_EQ(eer.fnmr, 0.0);
  EXPECT_GT(eer.threshold, 0.3);
  EXPECT_LE(eer.threshold, 0.7);
}

TEST(EqualErrorRate, OverlappingSetsCrossAtAPoint) {
  // At 0.6: impostor 0.4 accepted (1/4), genuine 0.7 rejected (1/4); below it FNMR > FMR.
  const DistanceSets sets{{0.1, 0.3, 0.5, 0.7}, {0.4, 0.6, 0.8, 1.0}};
  const auto eer = equal_error_rate(sets);
  EXPECT_DOUBLE_EQ(eer.fmr, 0.25);
  EXPECT_DOUBLE_EQ(eer.fnmr, 0.25);
  EXPECT_DOUBLE_EQ(eer.threshold, 0.6);
}

TEST(EqualErrorRate, InterpolatedBetweenSteps) {
  // At 0.5: FMR 1/3, FNMR 1; at 0.7: FMR 1/3, FNMR 0. FMR - FNMR goes -2/3 -> 1/3, so the
  // crossing is 2/3 of the way: threshold 0.5 + 2/3 * 0.2, both rates 1/3.
  const DistanceSets sets{{0.5}, {0.3, 0.7, 0.9}};
  const auto eer = equal_error_rate(sets);
  EXPECT_NEAR(eer.fmr, 1.0 / 3, 1e-12);
  EXPECT_NEAR(eer.fnmr, 1.0 / 3, 1e-12);
  EXPECT_NEAR(eer.threshold, 0.5 + 0.2 * 2 / 3, 1e-12);
}

TEST(EqualErrorRate, IdenticalSetsGiveOneHalf) {
  const DistanceSets sets{{0.2, 0.4, 0.6, 0.8}, {0.2, 0.4, 0.6, 0.8}};
  EXPECT_NEAR(equal_error_rate(sets).fmr, 0.5, 1e-12);
}

TEST(ThresholdForFmr, LargestThresholdWithinTarget) {
  std::vector<double> impostor;
  for (int i = 1; i <= 10; ++i) impostor.push_back(0.5 + 0.05 * i);  // 0.55 ... 1.0
  const DistanceSets sets{{0.3, 0.6}, impostor};
  const auto r = threshold_for_fmr(sets, 0.2);  // two impostors may pass: stop at the third
  EXPECT_DOUBLE_EQ(r.threshold, impostor[2]);
  EXPECT_DOUBLE_EQ(r.fmr, 0.2);
  EXPECT_DOUBLE_EQ(r.fnmr, 0.0);
  EXPECT_DOUBLE_EQ(error_rates_at(sets, std::nextafter(r.threshold, 2.0)).fmr, 0.3);
  const auto strict = threshold_for_fmr(sets, 0.001);  // too few impostors: FMR 0 operating point
  EXPECT_DOUBLE_EQ(strict.threshold, 0.55);
  EXPECT_DOUBLE_EQ(strict.fmr, 0.0);
  EXPECT_DOUBLE_EQ(strict.fnmr, 0.5);
}

TEST(DistanceHistogram, BinsAndOverflow) {
  const std::vector<double> d = {0.0, 0.019, 0.02, 0.5, 1.49, 1.5, 1.9};
  const auto h = distance_histogram(d, 0.02, 1.5);
  ASSERT_EQ(h.counts.size(), 75u);
  ASSERT_EQ(h.edges.size(), 76u);
  EXPECT_EQ(h.edges[25], 0.5);
  EXPECT_EQ(h.counts[0], 2u);
  EXPECT_EQ(h.counts[1], 1u);
  EXPECT_EQ(h.counts[25], 1u);
  EXPECT_EQ(h.counts[74], 1u);
  EXPECT_EQ(h.above, 2u);
}

TEST(DetCurve, RendersAndWritesAPng) {
  const DistanceSets sets{{0.1, 0.3, 0.5, 0.7}, {0.4, 0.6, 0.8, 1.0}};
  const cv::Mat image = render_det_curve(sets, "test", 800, 640);
  ASSERT_EQ(image.cols, 800);
  ASSERT_EQ(image.rows, 640);
  ASSERT_EQ(image.type(), CV_8UC3);
  // The EER mark is red: some pixels are strongly red.
  cv::Mat red;
  cv::inRange(image, cv::Scalar(0, 0, 150), cv::Scalar(100, 100, 255), red);
  EXPECT_GT(cv::countNonZero(red), 20);

  const auto file = std::filesystem::temp_directory_path() / ("gatesim-det-" + std::to_string(::getpid()) + ".png");
  write_det_curve(sets, "test", file);
  const cv::Mat back = cv::imread(file.string());
  std::filesystem::remove(file);
  EXPECT_EQ(back.cols, 800);
  EXPECT_EQ(back.rows, 640);
  EXPECT_THROW(write_det_curve(sets, "test", "/nonexistent-folder/det.png"), gatesim::models::InputError);
}

}  // namespace
