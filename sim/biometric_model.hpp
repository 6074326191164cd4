#pragma once
// BiometricModel: the statistical fidelity mode of the gate's biometric steps. Face distances are
// drawn from a genuine distribution (the holder) or an impostor one (someone else), and a frame
// fails quality with a fixed probability (failure to acquire after max_frames such frames).
//
// The distributions are normal by default (dlib's ResNet: genuine pairs cluster near 0.4,
// different people near 0.8; an assumption until calibrated), or the empirical histograms of a
// `gatesim eval-faces --json` run: any JSON object holding "genuine" and "impostor" entries, at
// the top or under "histograms" or "distances", each either a list of distances or a histogram
// {"edges": [n+1 numbers], "counts": [n numbers]} ("bin_edges"/"bins" accepted for "edges");
// "failure_to_acquire" or "fta_rate", when present, replaces frame_failure.
//
// Thread safety: immutable after construction; sample() takes the caller's Rng.

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sim/random.hpp"
#include "sim/scenario.hpp"

namespace gatesim::sim {

class ScoreDistribution {
 public:
  static ScoreDistribution normal(double mean, double sd);
  // requires: edges.size() == counts.size() + 1, edges increasing, some count > 0.
  static ScoreDistribution histogram(std::vector<double> edges, std::vector<double> counts);
  // ensures: a distance >= 0 (uniform within the drawn bin for histograms).
  double sample(Rng& rng) const;
  // ensures: P(distance < threshold), for reports (FNMR = 1 - this for genuine).
  double cdf(double threshold) const;

 private:
  double mean_ = 0, sd_ = 0;
  std::vector<double> edges_, cumulative_;  // empty: normal
};

struct BiometricModel {
  bool enabled = true;
  ScoreDistribution genuine = ScoreDistribution::normal(0.38, 0.07);
  ScoreDistribution impostor = ScoreDistribution::normal(0.83, 0.07);
  double frame_failure = 0.05;
  double fingerprint_fnmr = 0.01;
  // Thresholds and attempt limits are the gate's rules, not the biometrics': sim::gate_config().
  std::string calibrated_from;  // the eval-faces file, when one was given
};

// ensures: the model of `spec`; reads spec.calibration when set.
// throws models::InputError naming the calibration file and the entry that is wrong.
BiometricModel make_biometric_model(const BiometricSpec& spec);

// ensures: the JSON document in `file` (a calibration file: `what` names it, `key` is the
//          scenario key that gave it).
// throws models::InputError naming the file and the key when it cannot be opened or parsed.
nlohmann::json read_calibration_file(const std::string& file, const std::string& what, const std::string& key);

}  // namespace gatesim::sim
