#include "devices/synthetic_fingerprint.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace gatesim::devices {

std::string to_string(FingerPattern pattern) {
  switch (pattern) {
    case FingerPattern::arch: return "arch";
    case FingerPattern::tented_arch: return "tented arch";
    case FingerPattern::left_loop: return "left loop";
    case FingerPattern::right_loop: return "right loop";
    case FingerPattern::whorl: return "whorl";
  }
  return "unknown";
}

namespace {

constexpr double kPi = 3.14159265358979323846;

// Gabor bank: ridge orientations in [0, pi) and periods in [kMinPeriod, kMaxPeriod] px.
constexpr int kRadius = 8;
constexpr int kSide = 2 * kRadius + 1;
constexpr int kOrientations = 32;
constexpr double kMinPeriod = 6.0, kMaxPeriod = 13.0, kPeriodStep = 0.25;
const int kPeriods = static_cast<int>((kMaxPeriod - kMinPeriod) / kPeriodStep) + 1;

// A smooth random field, roughly N(0, 1) at every pixel, varying over `scale` pixels.
cv::Mat smooth_field(std::mt19937_64& random, cv::Size size, double scale) {
  const int w = static_cast<int>(size.width / scale) + 4, h = static_cast<int>(size.height / scale) + 4;
  cv::Mat coarse(h, w, CV_32F);
  std::normal_distribution<float> normal(0, 1);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) coarse.at<float>(y, x) = normal(random);
  cv::Mat field;
  cv::resize(coarse, field, size, 0, 0, cv::INTER_CUBIC);
  return field;
}

// Even-symmetric Gabor kernels, zero mean, gain 1 for a ridge wave of their own period, so
// repeated filtering grows ridges of the local orientation and period and nothing else.
std::vector<float> gabor_bank() {
  std::vector<float> bank(static_cast<std::size_t>(kOrientations * kPeriods * kSide * kSide));
  const double sigma = 3.6;
  for (int o = 0; o < kOrientations; ++o) {
    const double t = kPi * o / kOrientations;
    for (int p = 0; p < kPeriods; ++p) {
      const double period = kMinPeriod + p * kPeriodStep;
      float* k = &bank[static_cast<std::size_t>((o * kPeriods + p) * kSide * kSide)];
      std::vector<double> envelope(kSide * kSide), wave(kSide * kSide);
      double sum_k = 0, sum_g = 0;
      for (int dy = -kRadius; dy <= kRadius; ++dy)
        for (int dx = -kRadius; dx <= kRadius; ++dx) {
          const int i = (dy + kRadius) * kSide + dx + kRadius;
          const double across = -dx * std::sin(t) + dy * std::cos(t);  // along the ridge normal
          envelope[i] = std::exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
          wave[i] = std::cos(2 * kPi * across / period);
          sum_k += envelope[i] * wave[i];
          sum_g += envelope[i];
        }
      double gain = 0;
      for (int i = 0; i < kSide * kSide; ++i) {
        envelope[i] *= wave[i] - sum_k / sum_g;
        gain += envelope[i] * wave[i];
      }
      for (int i = 0; i < kSide * kSide; ++i) k[i] = static_cast<float>(envelope[i] / gain);
    }
  }
  return bank;
}

// The ridge direction (image coordinates, radians mod pi) of the zero-pole model: half the
// sum of the angles seen from each delta minus those seen from each core.
double zero_pole(double x, double y, const std::vector<cv::Point2d>& cores, const std::vector<cv::Point2d>& deltas) {
  double theta = 0;
  // Angles are taken with y pointing up, as the model is written, then turned back.
  for (const auto& d : deltas) theta += std::atan2(-(y - d.y), x - d.x);
  for (const auto& c : cores) theta -= std::atan2(-(y - c.y), x - c.x);
  return 0.5 * theta;
}

}  // namespace

SyntheticFinger::SyntheticFinger(std::uint64_t seed, cv::Size size) : seed_(seed) {
  if (size.width < 128 || size.height < 128 || size.width > 2000 || size.height > 2000)
    throw std::invalid_argument("SyntheticFinger: size must be 128..2000 pixels a side");
  std::seed_seq sequence{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), 0x6d617374u};
  std::mt19937_64 random(sequence);
  std::uniform_real_distribution<double> uniform(0, 1);
  auto between = [&](double low, double high) { return low + (high - low) * uniform(random); };
  const double w = size.width, h = size.height;

  // Finger classes at roughly their natural frequencies (loops most common).
  const double pick = uniform(random);
  pattern_ = pick < 0.05   ? FingerPattern::arch
             : pick < 0.10 ? FingerPattern::tented_arch
             : pick < 0.42 ? FingerPattern::left_loop
             : pick < 0.70 ? FingerPattern::right_loop
                           : FingerPattern::whorl;
  center_ = {static_cast<float>(w * between(0.47, 0.53)), static_cast<float>(h * between(0.48, 0.52))};
  axes_ = {static_cast<float>(w * between(0.40, 0.45)), static_cast<float>(h * between(0.43, 0.47))};

  const cv::Point2d core{center_.x + w * between(-0.06, 0.06), h * between(0.38, 0.46)};
  std::vector<cv::Point2d> cores, deltas;
  switch (pattern_) {
    case FingerPattern::arch: break;
    case FingerPattern::tented_arch:
      cores = {core};
      deltas = {{core.x + w * between(-0.02, 0.02), core.y + h * between(0.12, 0.18)}};
      break;
    case FingerPattern::left_loop:
    case FingerPattern::right_loop: {
      const double side = pattern_ == FingerPattern::left_loop ? 1 : -1;
      cores = {core};
      deltas = {{core.x + side * w * between(0.22, 0.32), core.y + h * between(0.22, 0.30)}};
      break;
    }
    case FingerPattern::whorl: {
      const double spread = h * between(0.02, 0.05), tilt = w * between(-0.03, 0.03);
      cores = {{core.x - tilt, core.y - spread}, {core.x + tilt, core.y + spread}};
      deltas = {{core.x - w * between(0.26, 0.34), core.y + h * between(0.24, 0.32)},
                {core.x + w * between(0.26, 0.34), core.y + h * between(0.24, 0.32)}};
      break;
    }
  }
  // An arch has no singular point: its ridges are level lines of y + A(y) g(x), a bump that
  // flattens towards the crease.
  const double arch_height = h * between(0.08, 0.14), arch_width = w * between(0.18, 0.28);
  auto arch = [&](double x, double y) {
    const double g = std::exp(-0.5 * std::pow((x - core.x) / arch_width, 2));
    const double a = -arch_height * std::exp(-0.5 * std::pow(std::max(0.0, y - core.y) / (0.25 * h), 2));
    const double gx = -g * (x - core.x) / (arch_width * arch_width);
    return std::atan2(-a * gx, 1.0);
  };

  cv::Mat bend = smooth_field(random, size, 90);
  cv::Mat period = smooth_field(random, size, 110);
  const double base_period = between(8.4, 10.0);
  cv::Mat kernel_of(size, CV_32S);
  for (int y = 0; y < size.height; ++y)
    for (int x = 0; x < size.width; ++x) {
      double theta = pattern_ == FingerPattern::arch ? arch(x, y) : zero_pole(x, y, cores, deltas);
      theta += 0.10 * bend.at<float>(y, x);
      theta = std::fmod(std::fmod(theta, kPi) + kPi, kPi);
      const int o = static_cast<int>(std::lround(theta / kPi * kOrientations)) % kOrientations;
      const double p = std::clamp(base_period + 0.6 * period.at<float>(y, x), kMinPeriod, kMaxPeriod);
      kernel_of.at<int>(y, x) = o * kPeriods + static_cast<int>(std::lround((p - kMinPeriod) / kPeriodStep));
    }

  // Where ridges are grown: the contact ellipse and a rim, so harder touches find ridges too.
  cv::Mat grow(size, CV_8U, cv::Scalar(0));
  cv::ellipse(grow, center_, axes_ * 1.08f, 0, 0, 360, cv::Scalar(1), cv::FILLED);

  // Seeds: a few random dots. Each grows into a patch of ridges; where patches meet out of
  // phase they leave the minutiae, so their number sets how many the finger has.
  cv::Mat field(size.height + 2 * kRadius, size.width + 2 * kRadius, CV_32F, cv::Scalar(0));
  const int seeds = static_cast<int>(between(70, 110));
  for (int placed = 0; placed < seeds;) {
    const int x = static_cast<int>(between(0, w - 1)), y = static_cast<int>(between(0, h - 1));
    if (!grow.at<unsigned char>(y, x)) continue;
    field.at<float>(y + kRadius, x + kRadius) = uniform(random) < 0.5 ? -1.f : 1.f;
    ++placed;
  }
  static const std::vector<float> bank = gabor_bank();
  cv::Mat next = field.clone();
  for (int iteration = 0; iteration < 16; ++iteration) {
    for (int y = 0; y < size.height; ++y) {
      const unsigned char* inside = grow.ptr<unsigned char>(y);
      const int* kernel_index = kernel_of.ptr<int>(y);
      float* out = next.ptr<float>(y + kRadius) + kRadius;
      for (int x = 0; x < size.width; ++x) {
        if (!inside[x]) continue;
        const float* k = &bank[static_cast<std::size_t>(kernel_index[x]) * kSide * kSide];
        float sum = 0;
        for (int ky = 0; ky < kSide; ++ky) {
          const float* row = field.ptr<float>(y + ky) + x;
          for (int kx = 0; kx < kSide; ++kx) sum += k[ky * kSide + kx] * row[kx];
        }
        out[x] = std::clamp(2.5f * sum, -1.f, 1.f);
      }
    }
    std::swap(field, next);
  }
  ridges_ = field(cv::Rect(kRadius, kRadius, size.width, size.height)).clone();
}

cv::Mat SyntheticFinger::impression(std::uint64_t number) const {
  std::seed_seq sequence{static_cast<std::uint32_t>(seed_), static_cast<std::uint32_t>(seed_ >> 32),
                         static_cast<std::uint32_t>(number), static_cast<std::uint32_t>(number >> 32), 0x746f7563u};
  std::mt19937_64 random(sequence);
  std::uniform_real_distribution<double> uniform(-1, 1);
  const cv::Size size = ridges_.size();

  // The touch: the finger turned and moved on the sensor, the skin stretched unevenly.
  const double angle = uniform(random) * 8 * kPi / 180;
  const cv::Point2d shift{uniform(random) * 12, uniform(random) * 12};
  const double pressure = uniform(random);  // -1 light .. 1 hard
  const cv::Mat stretch_x = smooth_field(random, size, 70), stretch_y = smooth_field(random, size, 70);
  const double elastic = 1.5 + 1.0 * std::abs(uniform(random));
  cv::Mat map_x(size, CV_32F), map_y(size, CV_32F);
  const double c = std::cos(angle), s = std::sin(angle);
  for (int y = 0; y < size.height; ++y)
    for (int x = 0; x < size.width; ++x) {
      const double dx = x - center_.x - shift.x, dy = y - center_.y - shift.y;
      map_x.at<float>(y, x) =
          static_cast<float>(center_.x + c * dx + s * dy + elastic * stretch_x.at<float>(y, x));
      map_y.at<float>(y, x) =
          static_cast<float>(center_.y - s * dx + c * dy + elastic * stretch_y.at<float>(y, x));
    }
  cv::Mat ridges;
  cv::remap(ridges_, ridges, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0));

  // Contact: how deep inside the finger's ellipse each pixel is, cut at a level that a harder
  // touch lowers (a larger print) and the skin's unevenness roughens.
  const cv::Mat rough = smooth_field(random, size, 40), dryness = smooth_field(random, size, 50);
  std::normal_distribution<float> sensor_noise(0, 9);
  cv::Mat image(size, CV_32F);
  for (int y = 0; y < size.height; ++y)
    for (int x = 0; x < size.width; ++x) {
      const double u = (map_x.at<float>(y, x) - center_.x) / axes_.width;
      const double v = (map_y.at<float>(y, x) - center_.y) / axes_.height;
      const double depth = 1 - u * u - v * v;
      const double cut = 0.10 - 0.07 * pressure + 0.04 * rough.at<float>(y, x);
      const double contact = std::clamp((depth - cut) / 0.06, 0.0, 1.0);
      // Harder pressure flattens the ridges into wider, darker lines.
      const double ink = 1 / (1 + std::exp(-5 * (ridges.at<float>(y, x) + 0.25 * pressure)));
      const double contrast = std::clamp(0.8 + 0.15 * dryness.at<float>(y, x), 0.5, 1.0);
      image.at<float>(y, x) =
          static_cast<float>(255 - contact * (8 + contrast * 210 * ink) + contact * sensor_noise(random));
    }
  cv::GaussianBlur(image, image, {3, 3}, 0.7);
  cv::Mat grey;
  image.convertTo(grey, CV_8U);
  return grey;
}

}  // namespace gatesim::devices
