#pragma once
// Presentation-attack detection metrics, ISO/IEC 30107-3 vocabulary, from scores.
//
// A score is a presentation's liveness margin: the session's cue values divided by their
// thresholds, the smallest of them when several cues decide (1 = exactly at the configured
// threshold; a frozen clip or an undecided session scores 0). A presentation is classified bona
// fide when score >= threshold (threshold 1 is the configured operating point), so
//   APCER(t) = share of one attack type's presentations with score >= t (accepted attacks),
//   BPCER(t) = share of bona fide presentations with score < t (refused live people).
// The headline is the worst attack type's APCER (30107-3 reports APCER per PAI species and the
// maximum); BPCER at APCER x picks the lowest threshold at which every type's APCER is <= x.
//
// Thread safety: free functions on values; safe from any thread.

#include <map>
#include <string>
#include <vector>

namespace gatesim::biometrics {

struct PadScores {
  std::vector<double> bona_fide;
  std::map<std::string, std::vector<double>> attacks;  // by attack type
};

// requires: scores non-empty.
double apcer_at(const std::vector<double>& attack_scores, double threshold);
double bpcer_at(const std::vector<double>& bona_fide_scores, double threshold);

struct PadOperatingPoint {
  double threshold = 1;
  double apcer = 0;          // the worst type's
  std::string worst_type;    // which type that is
  double bpcer = 0;
  bool reachable = true;     // false: no threshold brings every type down to the target (there
                             // is always one, above every score, unless there are no attacks)
};

// ensures: the rates at `threshold`, the worst type named (the first in name order on a tie).
// requires: bona fide and at least one attack type non-empty.
PadOperatingPoint pad_rates_at(const PadScores& scores, double threshold);

// ensures: the lowest threshold (among the scores and just above the largest) at which the worst
//          type's APCER <= target, with the BPCER there.
// requires: as pad_rates_at; 0 <= target < 1.
PadOperatingPoint bpcer_at_apcer(const PadScores& scores, double target_apcer);

}  // namespace gatesim::biometrics
