#include "biometrics/pad_evaluation.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace gatesim::biometrics {

double apcer_at(const std::vector<double>& attack_scores, double threshold) {
  assert(!attack_scores.empty());
  const auto accepted = std::count_if(attack_scores.begin(), attack_scores.end(), [&](double s) { return s >= threshold; });
  return static_cast<double>(accepted) / static_cast<double>(attack_scores.size());
}

double bpcer_at(const std::vector<double>& bona_fide_scores, double threshold) {
  assert(!bona_fide_scores.empty());
  const auto refused = std::count_if(bona_fide_scores.begin(), bona_fide_scores.end(), [&](double s) { return s < threshold; });
  return static_cast<double>(refused) / static_cast<double>(bona_fide_scores.size());
}

PadOperatingPoint pad_rates_at(const PadScores& scores, double threshold) {
  assert(!scores.bona_fide.empty() && !scores.attacks.empty());
  PadOperatingPoint point;
  point.threshold = threshold;
  point.apcer = -1;
  for (const auto& [type, attack] : scores.attacks) {
    const double rate = apcer_at(attack, threshold);
    if (rate > point.apcer) {
      point.apcer = rate;
      point.worst_type = type;
    }
  }
  point.bpcer = bpcer_at(scores.bona_fide, threshold);
  return point;
}

PadOperatingPoint bpcer_at_apcer(const PadScores& scores, double target_apcer) {
  assert(target_apcer >= 0 && target_apcer < 1);
  // BPCER only grows with the threshold and APCER only falls: the candidates are the attack
  // scores themselves (just above each one, an attack stops passing), in ascending order.
  std::vector<double> candidates;
  for (const auto& [type, attack] : scores.attacks)
    for (double s : attack) candidates.push_back(std::nextafter(s, std::numeric_limits<double>::infinity()));
  candidates.push_back(-std::numeric_limits<double>::infinity());
  std::sort(candidates.begin(), candidates.end());
  for (double t : candidates) {
    const auto point = pad_rates_at(scores, t);
    if (point.apcer <= target_apcer + 1e-12) return point;
  }
  auto point = pad_rates_at(scores, candidates.back());
  point.reachable = false;
  return point;
}

}  // namespace gatesim::biometrics
