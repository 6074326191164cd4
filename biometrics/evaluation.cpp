#include "biometrics/evaluation.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <limits>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "models/input_error.hpp"

namespace gatesim::biometrics {
namespace {

// Grid values are printed and compared by people: keep them free of binary noise (0.06, not
// 0.060000000000000005).
double tidy(double value) { return std::round(value * 1e9) / 1e9; }

double share_below(const std::vector<double>& sorted, double threshold) {
  const auto below = std::lower_bound(sorted.begin(), sorted.end(), threshold) - sorted.begin();
  return static_cast<double>(below) / static_cast<double>(sorted.size());
}

// The standard normal quantile, by bisection on erfc: exact to double precision for the
// probabilities a DET plot shows, without another library.
double probit(double p) {
  double lo = -10, hi = 10;
  for (int i = 0; i < 200 && hi - lo > 1e-12; ++i) {
    const double mid = (lo + hi) / 2;
    (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

std::string percent(double rate) {
  char text[32];
  const double p = rate * 100;
  std::snprintf(text, sizeof text, p < 0.1 ? "%.2f%%" : (p < 1 ? "%.1f%%" : "%.0f%%"), p);
  return text;
}

}  // namespace

DistanceSets pair_distances(std::span<const LabelledDescriptor> samples) {
  DistanceSets sets;
  for (std::size_t i = 0; i < samples.size(); ++i)
    for (std::size_t j = i + 1; j < samples.size(); ++j)
      (samples[i].identity == samples[j].identity ? sets.genuine : sets.impostor)
          .push_back(descriptor_distance(samples[i].descriptor, samples[j].descriptor));
  std::sort(sets.genuine.begin(), sets.genuine.end());
  std::sort(sets.impostor.begin(), sets.impostor.end());
  return sets;
}

ErrorRates error_rates_at(const DistanceSets& sets, double threshold) {
  assert(!sets.genuine.empty() && !sets.impostor.empty());
  return {threshold, share_below(sets.impostor, threshold), 1.0 - share_below(sets.genuine, threshold)};
}

std::vector<double> threshold_grid(double from, double to, double step) {
  assert(step > 0 && to >= from);
  const auto steps = static_cast<std::size_t>(std::floor((to - from) / step + 1e-9));
  std::vector<double> grid;
  for (std::size_t i = 0; i <= steps; ++i) grid.push_back(tidy(from + static_cast<double>(i) * step));
  return grid;
}

std::vector<ErrorRates> error_rate_curve(const DistanceSets& sets) {
  std::vector<double> cuts = sets.genuine;
  cuts.insert(cuts.end(), sets.impostor.begin(), sets.impostor.end());
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  cuts.push_back(std::nextafter(cuts.back(), std::numeric_limits<double>::infinity()));
  std::vector<ErrorRates> curve;
  for (double t : cuts) curve.push_back(error_rates_at(sets, t));
  return curve;
}

ErrorRates equal_error_rate(const DistanceSets& sets) {
  const auto curve = error_rate_curve(sets);
  // FMR - FNMR rises from -1 to +1 along the curve; find where it first reaches 0.
  for (std::size_t i = 1; i < curve.size(); ++i) {
    const double before = curve[i - 1].fmr - curve[i - 1].fnmr, after = curve[i].fmr - curve[i].fnmr;
    if (after < 0) continue;
    const double a = -before / (after - before);
    const auto lerp = [a](double x, double y) { return x + a * (y - x); };
    return {lerp(curve[i - 1].threshold, curve[i].threshold), lerp(curve[i - 1].fmr, curve[i].fmr),
            lerp(curve[i - 1].fnmr, curve[i].fnmr)};
  }
  return curve.back();  // not reached: the last point has FMR 1, FNMR 0
}

ErrorRates threshold_for_fmr(const DistanceSets& sets, double target_fmr) {
  assert(target_fmr >= 0 && target_fmr < 1);
  const std::size_t n = sets.impostor.size();
  // At most k impostor pairs may fall below the threshold; the (k+1)-th smallest is the limit.
  const auto k = std::min(n - 1, static_cast<std::size_t>(std::floor(target_fmr * static_cast<double>(n) + 1e-9)));
  return error_rates_at(sets, sets.impostor[k]);
}

DistanceHistogram distance_histogram(std::span<const double> distances, double bin_width, double upper) {
  assert(bin_width > 0 && upper > 0);
  DistanceHistogram h;
  h.edges = threshold_grid(0, upper, bin_width);
  if (h.edges.back() < upper - 1e-9) h.edges.push_back(upper);
  h.counts.assign(h.edges.size() - 1, 0);
  for (double d : distances) {
    if (d >= h.edges.back()) {
      ++h.above;
      continue;
    }
    const auto bin = std::upper_bound(h.edges.begin(), h.edges.end(), d) - h.edges.begin() - 1;
    ++h.counts[static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, bin))];
  }
  return h;
}

cv::Mat render_det_curve(const DistanceSets& sets, const std::string& title, int width, int height,
                         const DetAxes& axes) {
  assert(width >= 400 && height >= 300);
  constexpr double kLow = 1e-4, kHigh = 0.95;
  const double z_low = probit(kLow), z_high = probit(kHigh);
  const int left = 90, right = width - 30, top = 50, bottom = height - 70;
  const auto x_of = [&](double rate) {
    const double z = probit(std::clamp(rate, kLow, kHigh));
    return left + static_cast<int>(std::lround((z - z_low) / (z_high - z_low) * (right - left)));
  };
  const auto y_of = [&](double rate) {
    const double z = probit(std::clamp(rate, kLow, kHigh));
    return bottom - static_cast<int>(std::lround((z - z_low) / (z_high - z_low) * (bottom - top)));
  };
  const cv::Scalar white(255, 255, 255), black(0, 0, 0), grid_grey(220, 220, 220), text_grey(60, 60, 60);
  const cv::Scalar blue(180, 90, 20), red(30, 30, 210);
  constexpr int font = cv::FONT_HERSHEY_SIMPLEX;
  cv::Mat image(height, width, CV_8UC3, white);

  const auto centred = [&](cv::Mat& target, const std::string& text, cv::Point at, double scale, int thickness) {
    int baseline = 0;
    const auto size = cv::getTextSize(text, font, scale, thickness, &baseline);
    cv::putText(target, text, {at.x - size.width / 2, at.y + size.height / 2}, font, scale, text_grey, thickness,
                cv::LINE_AA);
  };
  for (double tick : {1e-4, 1e-3, 1e-2, 0.05, 0.2, 0.5, 0.8, 0.95}) {
    const int x = x_of(tick), y = y_of(tick);
    cv::line(image, {x, top}, {x, bottom}, grid_grey, 1);
    cv::line(image, {left, y}, {right, y}, grid_grey, 1);
    centred(image, percent(tick), {x, bottom + 16}, 0.45, 1);
    int baseline = 0;
    const auto size = cv::getTextSize(percent(tick), font, 0.45, 1, &baseline);
    cv::putText(image, percent(tick), {left - 8 - size.width, y + size.height / 2}, font, 0.45, text_grey, 1,
                cv::LINE_AA);
  }
  cv::line(image, {x_of(kLow), y_of(kLow)}, {x_of(kHigh), y_of(kHigh)}, grid_grey, 1, cv::LINE_AA);
  cv::rectangle(image, {left, top}, {right, bottom}, black, 1);

  std::vector<cv::Point> points;
  for (const auto& r : error_rate_curve(sets)) points.emplace_back(x_of(r.fmr), y_of(r.fnmr));
  cv::polylines(image, points, false, blue, 2, cv::LINE_AA);

  const auto eer = equal_error_rate(sets);
  const cv::Point at(x_of(eer.fmr), y_of(eer.fnmr));
  cv::circle(image, at, 6, red, 2, cv::LINE_AA);
  char label[120];
  std::snprintf(label, sizeof label, "EER %.2f%% at %s %.3f", eer.fmr * 100, axes.threshold_name.c_str(),
                eer.threshold * axes.threshold_sign);
  const bool room_right = at.x + 250 < right;
  int baseline = 0;
  const auto label_size = cv::getTextSize(label, font, 0.5, 1, &baseline);
  const cv::Point label_at(room_right ? at.x + 12 : at.x - 12 - label_size.width, std::max(top + 16, at.y - 10));
  cv::putText(image, label, label_at, font, 0.5, red, 1, cv::LINE_AA);

  centred(image, title, {width / 2, top / 2}, 0.6, 1);
  centred(image, axes.x, {(left + right) / 2, bottom + 45}, 0.55, 1);
  // OpenCV draws text horizontally only: draw the y label on its own strip and turn it.
  const std::string& y_label = axes.y;
  const auto y_size = cv::getTextSize(y_label, font, 0.55, 1, &baseline);
  cv::Mat strip(y_size.height + baseline + 6, y_size.width + 6, CV_8UC3, white);
  cv::putText(strip, y_label, {3, y_size.height + 3}, font, 0.55, text_grey, 1, cv::LINE_AA);
  cv::rotate(strip, strip, cv::ROTATE_90_COUNTERCLOCKWISE);
  const int strip_top = std::max(0, (top + bottom) / 2 - strip.rows / 2);
  const int strip_rows = std::min(strip.rows, height - strip_top);
  strip.rowRange(0, strip_rows).copyTo(image(cv::Rect(8, strip_top, strip.cols, strip_rows)));
  return image;
}

void write_det_curve(const DistanceSets& sets, const std::string& title, const std::filesystem::path& file,
                     const DetAxes& axes) {
  bool written = false;
  try {
    written = cv::imwrite(file.string(), render_det_curve(sets, title, 800, 640, axes));
  } catch (const cv::Exception& e) {
    throw models::InputError(file.string() + ": cannot write the DET curve image (" + e.err + ")");
  }
  if (!written) throw models::InputError(file.string() + ": cannot write the DET curve image (folder missing or not writable?)");
}

}  // namespace gatesim::biometrics
