#pragma once
// Evaluation of a face verifier from labelled descriptors (ISO/IEC 19795-1 vocabulary): the
// genuine (same identity) and impostor (different identities) distance sets over all pairs,
// false-match and false-non-match rates at thresholds, the equal error rate, the threshold
// for a target false-match rate, distance histograms and a DET curve image.
//
// A pair is declared a match when distance < threshold (as Matcher does), so
//   FMR(t)  = share of impostor distances  < t,
//   FNMR(t) = share of genuine distances  >= t.
// Everything except write_det_curve is pure computation on numbers.
//
// Thread safety: free functions on values; safe from any thread.

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "biometrics/face_types.hpp"

namespace gatesim::biometrics {

struct LabelledDescriptor {
  std::string identity;
  FaceDescriptor descriptor{};
};

struct DistanceSets {
  std::vector<double> genuine;   // one per pair of descriptors of the same identity
  std::vector<double> impostor;  // one per pair of descriptors of different identities
};

// ensures: every unordered pair of `samples` in exactly one of the two sets, each set sorted
//          ascending; n samples give n(n-1)/2 distances in all.
DistanceSets pair_distances(std::span<const LabelledDescriptor> samples);

struct ErrorRates {
  double threshold = 0;
  double fmr = 0;
  double fnmr = 0;
};

// requires: both sets non-empty and sorted ascending (as pair_distances gives them).
ErrorRates error_rates_at(const DistanceSets& sets, double threshold);

// ensures: `from`, from + step, ... up to `to` inclusive (within rounding).
// requires: step > 0, to >= from.
std::vector<double> threshold_grid(double from, double to, double step);

// ensures: the rates at each threshold where a rate changes (each distinct distance, and just
//          above the largest), ascending: the full step curves, from (0, 1) to (1, 0).
// requires: both sets non-empty and sorted.
std::vector<ErrorRates> error_rate_curve(const DistanceSets& sets);

// The equal error rate: where FMR and FNMR cross, interpolated linearly between the two
// consecutive points of error_rate_curve that bracket the crossing. Separable sets give 0.
// requires: both sets non-empty and sorted.
ErrorRates equal_error_rate(const DistanceSets& sets);

// ensures: the largest threshold whose FMR is <= target_fmr (the operating point a deployment
//          calibrates for), with its rates. With fewer than 1/target_fmr impostor pairs, that is
//          the smallest impostor distance (FMR 0): the set is too small to measure the target.
// requires: both sets non-empty and sorted; 0 <= target_fmr < 1.
ErrorRates threshold_for_fmr(const DistanceSets& sets, double target_fmr);

struct DistanceHistogram {
  std::vector<double> edges;         // counts.size() + 1 increasing bin edges
  std::vector<std::size_t> counts;   // bin i holds edges[i] <= d < edges[i + 1]
  std::size_t above = 0;             // distances >= edges.back()
};

// requires: bin_width > 0, upper > 0.
// ensures: bins of bin_width from 0 to upper (the last one narrower when upper is not a multiple).
DistanceHistogram distance_histogram(std::span<const double> distances, double bin_width, double upper);

// What a DET plot calls its axes and the marked equal-error point: face verification by
// default; presentation-attack detection (ISO/IEC 30107-3) plots APCER against BPCER with the
// attacks as the "impostors" and scores negated into distances (kPadDetAxes).
struct DetAxes {
  std::string x = "False match rate (FMR, probit scale)";
  std::string y = "False non-match rate (FNMR, probit scale)";
  std::string threshold_name = "distance";
  double threshold_sign = 1;  // the marked threshold is shown multiplied by this
};
inline const DetAxes kPadDetAxes{"Attack presentation classification error rate (APCER, probit)",
                                 "Bona fide classification error rate (BPCER, probit)", "score", -1};

// ensures: a DET curve (FNMR against FMR, both on probit axes from 0.01% to 95%), rates of 0
//          drawn on the axis edge, the FMR = FNMR diagonal, the EER point marked and labelled,
//          axis labels and a title; 8-bit BGR, width x height.
// requires: both sets non-empty and sorted; width >= 400, height >= 300.
cv::Mat render_det_curve(const DistanceSets& sets, const std::string& title, int width = 800, int height = 640,
                         const DetAxes& axes = {});

// ensures: render_det_curve(...) written as an image file (format from the extension, PNG).
// throws models::InputError naming `file` when it cannot be written.
void write_det_curve(const DistanceSets& sets, const std::string& title, const std::filesystem::path& file,
                     const DetAxes& axes = {});

}  // namespace gatesim::biometrics
