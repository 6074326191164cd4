#include <set>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include "devices/synthetic_fingerprint.hpp"

namespace gatesim::devices {
namespace {

bool same(const cv::Mat& a, const cv::Mat& b) { return a.size() == b.size() && cv::norm(a, b, cv::NORM_INF) == 0; }

// The strongest spatial period (pixels) of a patch: where its spectrum peaks, DC excluded.
double dominant_period(const cv::Mat& grey) {
  cv::Mat patch;
  grey.convertTo(patch, CV_32F);
  patch -= cv::mean(patch)[0];
  cv::Mat spectrum;
  cv::dft(patch, spectrum, cv::DFT_COMPLEX_OUTPUT);
  double best = 0, period = 0;
  const int n = patch.rows;
  for (int v = 0; v < n; ++v)
    for (int u = 0; u < n; ++u) {
      const int fu = u <= n / 2 ? u : u - n, fv = v <= n / 2 ? v : v - n;
      const double radius = std::hypot(fu, fv);
      if (radius < 3) continue;  // slow shading, not ridges
      const auto c = spectrum.at<cv::Vec2f>(v, u);
      const double power = c[0] * c[0] + c[1] * c[1];
      if (power > best) best = power, period = n / radius;
    }
  return period;
}

TEST(SyntheticFinger, TheSeedAndTheImpressionNumberFixEveryPixel) {
  const SyntheticFinger a(7), again(7), other(8);
  EXPECT_TRUE(same(a.impression(0), again.impression(0)));
  EXPECT_TRUE(same(a.impression(3), again.impression(3)));
  EXPECT_FALSE(same(a.impression(0), a.impression(1)));
  EXPECT_FALSE(same(a.ridges(), other.ridges()));
}

TEST(SyntheticFinger, ImpressionsLookLikeFiveHundredDpiPrints) {
  const SyntheticFinger finger(21);
  const cv::Mat image = finger.impression(0);
  ASSERT_EQ(image.type(), CV_8UC1);
  EXPECT_EQ(image.cols, 300);
  EXPECT_EQ(image.rows, 400);
  // Nothing touches the sensor's corners; the finger covers a good part of the middle.
  EXPECT_EQ(image.at<unsigned char>(0, 0), 255);
  EXPECT_EQ(image.at<unsigned char>(399, 299), 255);
  const double dark = cv::countNonZero(image < 128) / static_cast<double>(image.total());
  EXPECT_GT(dark, 0.15);
  EXPECT_LT(dark, 0.55);
  // Ridges about 0.45 mm apart: 7-12 px at 500 dpi.
  const double period = dominant_period(image(cv::Rect(86, 136, 128, 128)));
  EXPECT_GT(period, 7.0);
  EXPECT_LT(period, 12.0);
}

TEST(SyntheticFinger, SeedsSpreadOverTheFingerClasses) {
  std::set<FingerPattern> seen;
  for (std::uint64_t seed = 0; seed < 16; ++seed) seen.insert(SyntheticFinger(seed, {128, 160}).pattern());
  EXPECT_GE(seen.size(), 3u);
}

TEST(SyntheticFinger, RefusesSizesNoSensorHas) {
  EXPECT_THROW(SyntheticFinger(1, {100, 400}), std::invalid_argument);
  EXPECT_THROW(SyntheticFinger(1, {300, 2001}), std::invalid_argument);
}

}  // namespace
}  // namespace gatesim::devices
