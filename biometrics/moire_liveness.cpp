#include "biometrics/moire_liveness.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace gatesim::biometrics {
namespace {

// Rings the band is cut into for the median: narrow enough that the spectrum's fall with
// frequency is flat inside one, wide enough to hold hundreds of cells.
constexpr int kRings = 16;
// Highest frequency judged: the corner of the spectrum (sqrt(2) / 2 cycles per pixel).
constexpr double kMaxFrequency = 0.71;
// Block coding's period, and how near (in DFT bins: the Hann window's main lobe is 2 bins each
// side) and how far along the axis its peaks spread (the blocks' edges run across the image).
constexpr double kBlockPeriod = 8.0;
constexpr double kBlockBins = 2.5;
constexpr double kBlockAxisStrip = 0.06;

// Whether frequency (fx, fy), cycles per pixel, is one of block coding's: near a multiple of
// 1/8 in x and either near one in y or near the x axis; or the same with x and y swapped.
bool block_frequency(double fx, double fy, int n) {
  auto bins_off = [n](double f) {
    const double blocks = f * kBlockPeriod;
    return std::abs(blocks - std::round(blocks)) * n / kBlockPeriod;
  };
  const bool x_on = bins_off(fx) <= kBlockBins, y_on = bins_off(fy) <= kBlockBins;
  return (x_on && (y_on || std::abs(fy) <= kBlockAxisStrip)) || (y_on && std::abs(fx) <= kBlockAxisStrip);
}

}  // namespace

void MoireLiveness::prepare(int side) {
  side_ = side;
  dft_size_ = cv::getOptimalDFTSize(side);
  cv::createHanningWindow(window_, {side, side}, CV_32F);
  // A real image's spectrum is symmetric: the half with fx >= 0 (the DFT's first n/2 + 1
  // columns, as cv::dft's packed-free complex output lays them out) holds everything.
  const int n = dft_size_;
  cells_.clear();
  for (int y = 0; y < n; ++y)
    for (int x = 0; x <= n / 2; ++x) {
      const double fx = static_cast<double>(x) / n, fy = static_cast<double>(y <= n / 2 ? y : y - n) / n;
      const double f = std::hypot(fx, fy);
      if (f < kMoireMinFrequency || f > kMaxFrequency || block_frequency(fx, fy, n)) continue;
      const int ring =
          std::min(kRings - 1, static_cast<int>((f - kMoireMinFrequency) / (kMaxFrequency - kMoireMinFrequency) * kRings));
      cells_.push_back({y * n + x, ring});
    }
  sum_.assign(cells_.size(), 0.0f);
  rings_.assign(kRings, {});
}

void MoireLiveness::add(const cv::Mat& bgr, const FaceBox& box) {
  assert(!bgr.empty() && (bgr.type() == CV_8UC3 || bgr.type() == CV_8UC1));
  assert(box.width() > 0 && box.height() > 0);
  if (side_ == 0) {
    const int side = std::min({static_cast<int>(kMoireCropFaceWidths * box.width()), kMoireMaxSide, bgr.cols, bgr.rows});
    if (side < kMoireMinSide) return;
    prepare(side);
  }
  if (bgr.cols < side_ || bgr.rows < side_) return;
  // The square about the face's centre, moved inside the frame at its edges.
  const int cx = static_cast<int>((box.left + box.right) / 2), cy = static_cast<int>((box.top + box.bottom) / 2);
  const cv::Rect square(std::clamp(cx - side_ / 2, 0, bgr.cols - side_), std::clamp(cy - side_ / 2, 0, bgr.rows - side_),
                        side_, side_);
  cv::Mat grey;
  if (bgr.channels() == 3)
    cv::cvtColor(bgr(square), grey, cv::COLOR_BGR2GRAY);
  else
    grey = bgr(square);
  cv::Mat plane;
  grey.convertTo(plane, CV_32F);
  plane -= cv::mean(plane)[0];
  plane = plane.mul(window_);
  cv::Mat padded;
  cv::copyMakeBorder(plane, padded, 0, dft_size_ - side_, 0, dft_size_ - side_, cv::BORDER_CONSTANT, 0);
  cv::Mat spectrum, parts[2], magnitude;
  cv::dft(padded, spectrum, cv::DFT_COMPLEX_OUTPUT);
  cv::split(spectrum, parts);
  cv::magnitude(parts[0], parts[1], magnitude);
  const auto* m = magnitude.ptr<float>();
  for (auto& ring : rings_) ring.clear();
  for (const Cell& c : cells_) rings_[c.ring].push_back(m[c.index]);
  float median[kRings];
  for (int r = 0; r < kRings; ++r) {
    auto& v = rings_[r];
    median[r] = 1.0f;
    if (v.empty()) continue;
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    median[r] = std::max(v[v.size() / 2], 1e-6f);
  }
  for (std::size_t i = 0; i < cells_.size(); ++i) sum_[i] += m[cells_[i].index] / median[cells_[i].ring];
  ++frames_;
}

std::optional<double> MoireLiveness::peak() const {
  if (frames_ < kMoireMinFrames || sum_.empty()) return std::nullopt;
  return *std::max_element(sum_.begin(), sum_.end()) / frames_;
}

}  // namespace gatesim::biometrics
