#include "biometrics/presentation_attacks.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <numbers>
#include <string>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "models/input_error.hpp"

namespace gatesim::biometrics {
namespace {

// splitmix64: a small, fully specified generator, so the attacks are the same pixels on every
// platform and library version (std:: distributions are not specified bit for bit).
class Draw {
 public:
  Draw(std::uint64_t seed, AttackKind kind, std::uint64_t variant)
      : state_(seed * 0x9E3779B97F4A7C15ULL ^ (static_cast<std::uint64_t>(kind) + 1) * 0xD1B54A32D192ED03ULL ^
               (variant + 1) * 0x8CB92BA72F3D8DD7ULL) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double uniform(double lo, double hi) { return lo + (hi - lo) * static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool coin() { return (next() >> 63) != 0; }

 private:
  std::uint64_t state_;
};

cv::Mat to_float(const cv::Mat& bgr) {
  cv::Mat f;
  bgr.convertTo(f, CV_32FC3);
  return f;
}

// Zero-mean Gaussian noise of the given deviation, from a seeded OpenCV generator.
cv::Mat noise(cv::Size size, int type, double sigma, std::uint64_t seed) {
  cv::Mat n(size, type);
  cv::RNG rng(seed);
  rng.fill(n, cv::RNG::NORMAL, 0.0, sigma);
  return n;
}

// The camera's last steps: optics blur, sensor noise, 8-bit quantisation, JPEG.
cv::Mat camera(cv::Mat f, Draw& d, double blur, double sigma, int jpeg_quality) {
  if (blur > 0) cv::GaussianBlur(f, f, {0, 0}, blur);
  f += noise(f.size(), CV_32FC3, sigma, d.next());
  cv::Mat out;
  f.convertTo(out, CV_8UC3);  // saturates
  std::vector<uchar> bytes;
  cv::imencode(".jpg", out, bytes, {cv::IMWRITE_JPEG_QUALITY, jpeg_quality});
  return cv::imdecode(bytes, cv::IMREAD_COLOR);
}

// A homography for a plane facing the camera turned by (yaw, pitch, roll) radians about its centre, then
// zoomed and shifted: what a hand does to a sheet or a tablet in front of the camera.
cv::Mat hand_motion(cv::Size size, double yaw, double pitch, double roll, double zoom, double dx, double dy) {
  const double f = size.width;  // about a 53 degree field of view
  const double cx = size.width / 2.0, cy = size.height / 2.0;
  const cv::Matx33d k(f, 0, cx, 0, f, cy, 0, 0, 1);
  const cv::Matx33d ry(std::cos(yaw), 0, std::sin(yaw), 0, 1, 0, -std::sin(yaw), 0, std::cos(yaw));
  const cv::Matx33d rx(1, 0, 0, 0, std::cos(pitch), -std::sin(pitch), 0, std::sin(pitch), std::cos(pitch));
  const cv::Matx33d rz(std::cos(roll), -std::sin(roll), 0, std::sin(roll), std::cos(roll), 0, 0, 0, 1);
  const cv::Matx33d zoom_shift(zoom, 0, (1 - zoom) * cx + dx, 0, zoom, (1 - zoom) * cy + dy, 0, 0, 1);
  // The plane turns about its own centre, which stays in view: for a plane facing the camera
  // that is K [r1 r2 e3] K^-1 (the rotation's third column replaced by the optical axis).
  cv::Matx33d m = rz * rx * ry;
  m(0, 2) = 0;
  m(1, 2) = 0;
  m(2, 2) = 1;
  return cv::Mat(zoom_shift * k * m * k.inv());
}

// How a hand moves over a clip: smooth oscillations with random amplitudes, phases and rates.
struct HandPath {
  double yaw, pitch, roll, zoom, pan_x, pan_y;  // amplitudes (radians, relative zoom, pixels)
  double rate, phase[6];

  HandPath(Draw& d, cv::Size size, double strength) {
    yaw = d.uniform(0.03, 0.12) * strength;
    pitch = d.uniform(0.03, 0.10) * strength;
    roll = d.uniform(0.01, 0.04) * strength;
    zoom = d.uniform(0.02, 0.08) * strength;
    pan_x = d.uniform(0.01, 0.05) * strength * size.width;
    pan_y = d.uniform(0.01, 0.04) * strength * size.height;
    rate = d.uniform(0.15, 0.5);  // radians per frame
    for (double& p : phase) p = d.uniform(0, 2 * std::numbers::pi);
  }
  cv::Mat at(cv::Size size, int t, double base_zoom) const {
    auto wave = [&](int i, double amplitude) { return amplitude * std::sin(rate * t + phase[i]); };
    return hand_motion(size, wave(0, yaw), wave(1, pitch), wave(2, roll), base_zoom * (1 + wave(3, zoom)),
                       wave(4, pan_x), wave(5, pan_y));
  }
};

// The sheet as printed: reduced gamut, halftone, ink blur, tinted paper with texture. A printer
// dots finer than a camera pixel: the halftone is made at kPrintUpscale times the image's
// resolution and the sheet brought back to it, so what survives is the printer's noise and
// tone, not a coarse pattern that would hide the face.
constexpr int kPrintUpscale = 3;

cv::Mat print_sheet(const cv::Mat& bgr, Draw& d) {
  cv::Mat f;
  cv::resize(to_float(bgr), f, {}, kPrintUpscale, kPrintUpscale, cv::INTER_CUBIC);
  cv::Mat grey;
  cv::cvtColor(f, grey, cv::COLOR_BGR2GRAY);
  cv::cvtColor(grey, grey, cv::COLOR_GRAY2BGR);
  const double saturation = d.uniform(0.55, 0.85);
  f = grey + saturation * (f - grey);
  // Ordered dither (Bayer 4x4) to a few ink levels per channel, at a cell of 1 or 2 pixels.
  static constexpr std::array<int, 16> kBayer{0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5};
  const int levels = static_cast<int>(d.uniform(5, 10));
  const int cell = d.coin() ? 1 : 2;
  const double step = 255.0 / (levels - 1);
  for (int y = 0; y < f.rows; ++y) {
    auto* row = f.ptr<cv::Vec3f>(y);
    for (int x = 0; x < f.cols; ++x) {
      const double threshold = (kBayer[((y / cell) % 4) * 4 + (x / cell) % 4] + 0.5) / 16.0;
      for (int c = 0; c < 3; ++c) {
        const double v = std::clamp(static_cast<double>(row[x][c]), 0.0, 255.0) / step;
        const double lower = std::floor(v);
        row[x][c] = static_cast<float>((v - lower > threshold ? lower + 1 : lower) * step);
      }
    }
  }
  cv::GaussianBlur(f, f, {0, 0}, d.uniform(0.5, 1.2) * kPrintUpscale);  // ink spreads
  cv::resize(f, f, bgr.size(), 0, 0, cv::INTER_AREA);
  // Paper: ink never reaches black nor the paper white; the paper is tinted and textured.
  const double black = d.uniform(22, 45);
  const cv::Scalar paper(255 * d.uniform(0.84, 0.95), 255 * d.uniform(0.92, 0.99), 255 * d.uniform(0.95, 1.0));
  std::vector<cv::Mat> channels;
  cv::split(f, channels);
  for (int c = 0; c < 3; ++c) channels[c] = black + channels[c] * ((paper[c] - black) / 255.0);
  cv::merge(channels, f);
  cv::Mat texture = noise(f.size(), CV_32F, 1.0, d.next());
  cv::GaussianBlur(texture, texture, {0, 0}, 1.5);
  texture *= d.uniform(6, 14);  // the blur takes the deviation down to about a quarter
  cv::cvtColor(texture, texture, cv::COLOR_GRAY2BGR);
  return f + texture;
}

// The sheet bent about a vertical axis (y moves with the square of x), shaded where it turns
// away from the light.
cv::Mat curl(const cv::Mat& f, Draw& d) {
  const double bend = d.uniform(-0.05, 0.05), shade = d.uniform(0.04, 0.18);
  cv::Mat map_x(f.size(), CV_32F), map_y(f.size(), CV_32F), light(f.size(), CV_32F);
  const double cx = f.cols / 2.0;
  for (int y = 0; y < f.rows; ++y)
    for (int x = 0; x < f.cols; ++x) {
      const double u = (x - cx) / f.cols;
      map_x.at<float>(y, x) = static_cast<float>(x);
      map_y.at<float>(y, x) = static_cast<float>(y + bend * u * u * 4 * f.rows);
      light.at<float>(y, x) = static_cast<float>(1 - shade * u * u * 4);
    }
  cv::Mat out;
  cv::remap(f, out, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_REFLECT);
  cv::cvtColor(light, light, cv::COLOR_GRAY2BGR);
  return out.mul(light);
}

// Light on the sheet: a gradient, a global level and a glare spot (fixed to the lamp, not to
// the sheet).
struct Lighting {
  double gx, gy, level, glare, glare_x, glare_y, glare_sx, glare_sy;
  Lighting(Draw& d, cv::Size size) {
    gx = d.uniform(-0.2, 0.2);
    gy = d.uniform(-0.15, 0.15);
    level = d.uniform(0.82, 1.08);
    glare = d.uniform(20, 70);
    glare_x = d.uniform(0.15, 0.85) * size.width;
    glare_y = d.uniform(0.15, 0.85) * size.height;
    glare_sx = d.uniform(0.06, 0.2) * size.width;
    glare_sy = d.uniform(0.06, 0.2) * size.height;
  }
  cv::Mat apply(cv::Mat f) const {
    for (int y = 0; y < f.rows; ++y) {
      auto* row = f.ptr<cv::Vec3f>(y);
      for (int x = 0; x < f.cols; ++x) {
        const double gain = level * (1 + gx * (static_cast<double>(x) / f.cols - 0.5) + gy * (static_cast<double>(y) / f.rows - 0.5));
        const double ex = (x - glare_x) / glare_sx, ey = (y - glare_y) / glare_sy;
        const double spot = glare * std::exp(-0.5 * (ex * ex + ey * ey));
        for (int c = 0; c < 3; ++c) row[x][c] = static_cast<float>(row[x][c] * gain + spot);
      }
    }
    return f;
  }
};

struct PrintAttack {
  cv::Mat sheet;         // printed and curled, float
  cv::Mat tilt;          // the perspective the sheet is held at
  double zoom;           // held close enough to fill most of the view
  Lighting lighting;
  double blur, sigma;
  int jpeg;

  PrintAttack(const cv::Mat& bgr, Draw& d)
      : sheet(curl(print_sheet(bgr, d), d)),
        tilt(hand_motion(bgr.size(), d.uniform(-0.25, 0.25), d.uniform(-0.2, 0.2), d.uniform(-0.06, 0.06), 1, 0, 0)),
        zoom(d.uniform(1.0, 1.12)),
        lighting(d, bgr.size()),
        blur(d.uniform(0.4, 1.0)),
        sigma(d.uniform(1.5, 4.0)),
        jpeg(static_cast<int>(d.uniform(55, 90))) {}

  cv::Mat frame(const cv::Mat& motion, Draw& d) const {
    cv::Mat warped;
    const cv::Mat h = motion * hand_motion(sheet.size(), 0, 0, 0, zoom, 0, 0) * tilt;
    cv::warpPerspective(sheet, warped, h, sheet.size(), cv::INTER_LINEAR, cv::BORDER_REFLECT);
    return camera(lighting.apply(warped), d, blur, sigma, jpeg);
  }
};

struct ScreenAttack {
  double gamma, black, gain_b, gain_r, pitch, angle, scale, offset_x, offset_y, bezel;
  double flicker, flicker_period, flicker_phase, flicker_step, blur, sigma;
  int jpeg;
  cv::Mat grid;  // the panel's sub-pixel grid as the camera samples it, mean 1 per channel

  ScreenAttack(cv::Size size, Draw& d) {
    gamma = d.coin() ? d.uniform(0.65, 0.88) : d.uniform(1.15, 1.45);
    black = d.uniform(6, 22);  // a panel's black glows
    gain_b = d.uniform(1.0, 1.12);
    gain_r = d.uniform(0.86, 1.0);
    pitch = d.uniform(1.3, 2.8);  // camera pixels per panel pixel
    angle = d.uniform(-0.07, 0.07);
    scale = d.uniform(0.78, 0.93);
    offset_x = d.uniform(-0.03, 0.03) * size.width;
    offset_y = d.uniform(-0.03, 0.03) * size.height;
    bezel = d.uniform(0.015, 0.04) * size.width;
    flicker = d.uniform(0.03, 0.10);
    flicker_period = d.uniform(0.08, 0.3) * size.height;
    flicker_phase = d.uniform(0, 2 * std::numbers::pi);
    flicker_step = d.uniform(0.5, 2.5);
    blur = d.uniform(0.4, 0.9);
    sigma = d.uniform(1.5, 3.5);
    jpeg = static_cast<int>(d.uniform(60, 90));
    grid = cv::Mat(size, CV_32FC3);
    const double gap = d.uniform(0.08, 0.2), off = d.uniform(0.2, 0.4);
    for (int y = 0; y < size.height; ++y)
      for (int x = 0; x < size.width; ++x) {
        const double u = (x * std::cos(angle) + y * std::sin(angle)) / pitch;
        const double v = (-x * std::sin(angle) + y * std::cos(angle)) / pitch;
        const int stripe = static_cast<int>(3 * (u - std::floor(u)));  // R, G, B columns
        const double row = (v - std::floor(v)) < gap ? 0.55 : 1.0;
        cv::Vec3f w;
        for (int c = 0; c < 3; ++c) w[c] = static_cast<float>(row * ((2 - c) == stripe ? 1.0 : off));
        grid.at<cv::Vec3f>(y, x) = w;
      }
    // The lens and the sensor's anti-aliasing filter smear the sub-pixels: what reaches the
    // camera is a weak pattern whose beat with the sensor grid is the moire.
    cv::GaussianBlur(grid, grid, {0, 0}, d.uniform(0.5, 0.8));
    const double contrast = d.uniform(0.25, 0.5);
    grid = cv::Scalar::all(1 - contrast) + grid * contrast;
    const cv::Scalar mean = cv::mean(grid);
    std::vector<cv::Mat> channels;
    cv::split(grid, channels);
    for (int c = 0; c < 3; ++c) channels[c] /= mean[c];
    cv::merge(channels, grid);
  }

  cv::Mat frame(const cv::Mat& bgr, const cv::Mat& background, int t, Draw& d) const {
    // The panel's tone curve and colour.
    cv::Mat f = to_float(bgr) / 255.0;
    cv::pow(f, gamma, f);
    std::vector<cv::Mat> channels;
    cv::split(f, channels);
    channels[0] *= 255 * gain_b;
    channels[1] *= 255;
    channels[2] *= 255 * gain_r;
    cv::merge(channels, f);
    f = cv::Scalar::all(black) + f * ((255 - black) / 255.0);
    // The panel, smaller than the view, inside its bezel, in front of the room.
    const cv::Mat place = (cv::Mat_<double>(2, 3) << scale, 0, (1 - scale) * bgr.cols / 2 + offset_x, 0, scale,
                           (1 - scale) * bgr.rows / 2 + offset_y);
    cv::Mat panel, mask;
    cv::warpAffine(f, panel, place, f.size(), cv::INTER_AREA, cv::BORDER_CONSTANT, cv::Scalar::all(0));
    cv::Mat inside(f.size(), CV_8U, cv::Scalar(0));
    const cv::Rect screen(static_cast<int>(place.at<double>(0, 2)), static_cast<int>(place.at<double>(1, 2)),
                          static_cast<int>(scale * bgr.cols), static_cast<int>(scale * bgr.rows));
    cv::Mat out = background.clone();
    const int b = static_cast<int>(bezel);
    cv::rectangle(out, cv::Rect(screen.x - b, screen.y - b, screen.width + 2 * b, screen.height + 2 * b),
                  cv::Scalar(18, 18, 20), cv::FILLED);
    const cv::Rect visible = screen & cv::Rect(0, 0, f.cols, f.rows);
    panel(visible).copyTo(out(visible));
    out = out.mul(grid);
    // Refresh flicker: rolling bright and dark bands, moved on at each frame.
    for (int y = 0; y < out.rows; ++y)
      out.row(y) *= 1 + flicker * std::sin(2 * std::numbers::pi * y / flicker_period + flicker_phase + t * flicker_step);
    return camera(out, d, blur, sigma, jpeg);
  }
};

// The room behind a panel: the frame itself, out of focus and dim.
cv::Mat room_behind(const cv::Mat& bgr) {
  cv::Mat f = to_float(bgr);
  cv::GaussianBlur(f, f, {0, 0}, bgr.cols / 40.0 + 1);
  return f * 0.4;
}

}  // namespace

cv::Mat AttackGenerator::image(AttackKind kind, const cv::Mat& bona_fide, std::uint64_t variant) const {
  assert(kind == AttackKind::print || kind == AttackKind::screen);
  assert(bona_fide.type() == CV_8UC3 && bona_fide.cols >= 32 && bona_fide.rows >= 32);
  Draw d(seed_, kind, variant);
  if (kind == AttackKind::print) {
    const PrintAttack attack(bona_fide, d);
    return attack.frame(cv::Mat::eye(3, 3, CV_64F), d);
  }
  const ScreenAttack attack(bona_fide.size(), d);
  return attack.frame(bona_fide, room_behind(bona_fide), 0, d);
}

std::vector<cv::Mat> AttackGenerator::clip(AttackKind kind, const std::vector<cv::Mat>& frames, std::uint64_t variant,
                                           std::size_t still_index) const {
  assert(still_index < frames.size() && frames.front().type() == CV_8UC3);
  Draw d(seed_, kind, variant);
  const cv::Mat& still = frames[still_index];
  const cv::Size size = still.size();
  std::vector<cv::Mat> out;
  out.reserve(frames.size());
  switch (kind) {
    case AttackKind::print: {
      const PrintAttack attack(still, d);
      const HandPath hand(d, size, 1.0);
      for (int t = 0; t < static_cast<int>(frames.size()); ++t) out.push_back(attack.frame(hand.at(size, t, 1.0), d));
      break;
    }
    case AttackKind::screen: {
      const ScreenAttack attack(size, d);
      const cv::Mat room = room_behind(still);
      for (int t = 0; t < static_cast<int>(frames.size()); ++t) out.push_back(attack.frame(frames[t], room, t, d));
      break;
    }
    case AttackKind::moved_photo: {
      const HandPath hand(d, size, 1.0);
      const double base_zoom = d.uniform(1.0, 1.1), sigma = d.uniform(1.0, 2.5);
      const int jpeg = static_cast<int>(d.uniform(75, 93));
      const cv::Mat f = to_float(still);
      for (int t = 0; t < static_cast<int>(frames.size()); ++t) {
        cv::Mat warped;
        cv::warpPerspective(f, warped, hand.at(size, t, base_zoom), size, cv::INTER_LINEAR, cv::BORDER_REFLECT);
        out.push_back(camera(warped, d, 0, sigma, jpeg));
      }
      break;
    }
    case AttackKind::frozen:
      for (std::size_t t = 0; t < frames.size(); ++t) out.push_back(still.clone());
      break;
  }
  return out;
}

}  // namespace gatesim::biometrics
