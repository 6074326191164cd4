// The ISO/IEC 30107-3 rates eval-pad reports, on scores worked out by hand: ties at the
// threshold, the worst attack type and its tie rule, and BPCER at a target APCER.
#include "biometrics/pad_evaluation.hpp"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace {

using gatesim::biometrics::apcer_at;
using gatesim::biometrics::bpcer_at;
using gatesim::biometrics::bpcer_at_apcer;
using gatesim::biometrics::pad_rates_at;
using gatesim::biometrics::PadScores;

double just_above(double x) { return std::nextafter(x, std::numeric_limits<double>::infinity()); }

// Five live faces, three prints, four screen replays (two with the same score).
PadScores worked_example() {
  PadScores s;
  s.bona_fide = {0.5, 0.9, 1.0, 1.2, 2.0};
  s.attacks["print"] = {0.2, 0.9, 1.1};
  s.attacks["screen"] = {0.3, 0.4, 1.5, 1.5};
  return s;
}

TEST(PadEvaluation, AScoreAtTheThresholdIsAcceptedAsLive) {
  const auto s = worked_example();
  // At 0.9 the print scoring 0.9 passes and the live face scoring 0.9 is not refused.
  EXPECT_DOUBLE_EQ(apcer_at(s.attacks.at("print"), 0.9), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(bpcer_at(s.bona_fide, 0.9), 1.0 / 5.0);
  EXPECT_DOUBLE_EQ(apcer_at(s.attacks.at("print"), just_above(0.9)), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(bpcer_at(s.bona_fide, just_above(0.9)), 2.0 / 5.0);
}

TEST(PadEvaluation, TheHeadlineIsTheWorstAttackType) {
  const auto at_one = pad_rates_at(worked_example(), 1.0);
  EXPECT_EQ(at_one.worst_type, "screen");
  EXPECT_DOUBLE_EQ(at_one.apcer, 0.5);   // 1.5 and 1.5 of four
  EXPECT_DOUBLE_EQ(at_one.bpcer, 0.4);   // 0.5 and 0.9 of five
  EXPECT_DOUBLE_EQ(at_one.threshold, 1.0);
  const auto low = pad_rates_at(worked_example(), 0.35);
  EXPECT_EQ(low.worst_type, "screen");  // 3 of 4 against the prints' 2 of 3
  EXPECT_DOUBLE_EQ(low.apcer, 0.75);
}

TEST(PadEvaluation, OnATieTheFirstTypeInNameOrderIsTheWorst) {
  PadScores s;
  s.bona_fide = {1.0};
  s.attacks["b_screen"] = {0.0, 1.0};
  s.attacks["a_print"] = {1.0, 0.0};
  const auto point = pad_rates_at(s, 0.5);
  EXPECT_EQ(point.worst_type, "a_print");
  EXPECT_DOUBLE_EQ(point.apcer, 0.5);
}

TEST(PadEvaluation, BpcerAtApcerTakesTheLowestThresholdThatMeetsTheTarget) {
  const auto s = worked_example();
  // No attack may pass: just above the highest attack score; four of five live faces are below it.
  const auto zero = bpcer_at_apcer(s, 0.0);
  EXPECT_DOUBLE_EQ(zero.threshold, just_above(1.5));
  EXPECT_DOUBLE_EQ(zero.apcer, 0.0);
  EXPECT_DOUBLE_EQ(zero.bpcer, 0.8);
  EXPECT_TRUE(zero.reachable);
  // 25%: one screen in four would do, but the two at 1.5 pass or fail together.
  EXPECT_DOUBLE_EQ(bpcer_at_apcer(s, 0.25).threshold, just_above(1.5));
  // 50%: the prints decide (one of three may pass): just above 0.9, where the screens are at 0.5.
  const auto half = bpcer_at_apcer(s, 0.5);
  EXPECT_DOUBLE_EQ(half.threshold, just_above(0.9));
  EXPECT_DOUBLE_EQ(half.apcer, 0.5);
  EXPECT_EQ(half.worst_type, "screen");
  EXPECT_DOUBLE_EQ(half.bpcer, 0.4);
  // 70%: two prints of three may pass; the worst type is then the print.
  const auto loose = bpcer_at_apcer(s, 0.7);
  EXPECT_DOUBLE_EQ(loose.threshold, just_above(0.4));
  EXPECT_EQ(loose.worst_type, "print");
  EXPECT_DOUBLE_EQ(loose.apcer, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(loose.bpcer, 0.0);
}

TEST(PadEvaluation, AFrozenOrUndecidedPresentationScoresZeroAndIsRefused) {
  PadScores s;
  s.bona_fide = {0.0, 1.3};  // a live window that was undecided scores 0
  s.attacks["frozen"] = {0.0, 0.0};
  const auto point = pad_rates_at(s, 1.0);
  EXPECT_DOUBLE_EQ(point.apcer, 0.0);
  EXPECT_DOUBLE_EQ(point.bpcer, 0.5);
  // Every attack at 0: any threshold above 0 stops them all, refusing only the undecided window.
  const auto zero = bpcer_at_apcer(s, 0.0);
  EXPECT_DOUBLE_EQ(zero.threshold, just_above(0.0));
  EXPECT_DOUBLE_EQ(zero.bpcer, 0.5);
}

}  // namespace
