// The liveness rule on measurements, without a detector: the one rule both the detector's
// session and the gate controller use (biometrics/liveness_rule.hpp).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "biometrics/liveness_rule.hpp"
#include "models/input_error.hpp"

namespace gatesim::biometrics {
namespace {

using ::testing::HasSubstr;

LivenessConfig config(LivenessMode mode) {
  LivenessConfig c;
  c.mode = mode;
  c.min_frames = 3;
  c.max_frames = 6;
  c.time_budget_s = 2;
  return c;
}

LivenessMeasurements measured(int frames, std::optional<double> passive, std::optional<double> temporal,
                              bool frozen = false) {
  return {frames, passive, temporal, frozen, std::nullopt};
}

TEST(LivenessRule, CollectsUntilMinFramesThenLiveAsSoonAsEveryCuePasses) {
  const auto c = config(LivenessMode::both);
  const auto early = judge_liveness(measured(2, 0.9, 0.05), c, 0.1, false);
  EXPECT_EQ(early.verdict, LivenessVerdict::undecided);
  EXPECT_EQ(early.undecided_reason, UndecidedReason::collecting);
  const auto live = judge_liveness(measured(3, 0.9, 0.05), c, 0.2, false);
  EXPECT_EQ(live.verdict, LivenessVerdict::live);
  EXPECT_EQ(live.cue, LivenessCue::temporal);
  EXPECT_EQ(describe(live, c), "live: temporal 0.0500 >= 0.0250, passive 0.90 >= 0.75");
}

TEST(LivenessRule, ALowCueIsAnAttackOnlyOnceFramesOrTimeAreSpent) {
  const auto c = config(LivenessMode::both);
  EXPECT_EQ(judge_liveness(measured(3, 0.9, 0.01), c, 0.5, false).verdict, LivenessVerdict::undecided)
      << "a traveller may hold still at first";
  const auto by_frames = judge_liveness(measured(6, 0.9, 0.01), c, 0.5, false);
  EXPECT_EQ(by_frames.verdict, LivenessVerdict::attack);
  EXPECT_EQ(by_frames.cue, LivenessCue::temporal);
  const auto by_time = judge_liveness(measured(4, 0.2, 0.05), c, 2.0, false);
  EXPECT_EQ(by_time.verdict, LivenessVerdict::attack);
  EXPECT_EQ(by_time.cue, LivenessCue::passive);
  EXPECT_THAT(describe(by_time, c), HasSubstr("passive 0.20 < 0.75"));
  EXPECT_EQ(judge_liveness(measured(4, 0.2, 0.05), c, 0.5, true).verdict, LivenessVerdict::attack)
      << "final: no more frames will come";
}

TEST(LivenessRule, AFrozenImageIsAnAttackAtOnce) {
  const auto e = judge_liveness(measured(3, 0.99, 0.0, true), config(LivenessMode::temporal), 0.1, false);
  EXPECT_EQ(e.verdict, LivenessVerdict::attack);
  EXPECT_EQ(e.cue, LivenessCue::frozen);
  EXPECT_EQ(liveness_score(e, config(LivenessMode::temporal)), 0);
}

TEST(LivenessRule, AModeIgnoresTheCueItDoesNotUse) {
  EXPECT_EQ(judge_liveness(measured(3, 0.9, 0.0, true), config(LivenessMode::passive), 0, false).verdict,
            LivenessVerdict::live);
  EXPECT_EQ(judge_liveness(measured(3, 0.1, 0.05), config(LivenessMode::temporal), 0, false).verdict,
            LivenessVerdict::live);
  const auto off = judge_liveness(measured(0, std::nullopt, std::nullopt), config(LivenessMode::off), 0, false);
  EXPECT_EQ(off.verdict, LivenessVerdict::live);
  EXPECT_EQ(off.cue, LivenessCue::none);
}

TEST(LivenessRule, FinalWithTooFewFramesSaysWhy) {
  const auto c = config(LivenessMode::passive);
  const auto few = judge_liveness(measured(2, 0.9, std::nullopt), c, 5, true);
  EXPECT_EQ(few.verdict, LivenessVerdict::undecided);
  EXPECT_EQ(few.undecided_reason, UndecidedReason::too_few_frames);
  EXPECT_EQ(describe(few, c), "undecided: too few frames (2 of 3 frames)");
  EXPECT_EQ(judge_liveness(measured(0, std::nullopt, std::nullopt), c, 5, true).undecided_reason,
            UndecidedReason::no_face);
}

LivenessMeasurements with_moire(LivenessMeasurements m, double moire) {
  m.moire = moire;
  return m;
}

// The display grid is a passive cue where lower is live: above its threshold it refuses (and
// names itself before the networks), unmeasured it does not vote, at 0 it is off.
TEST(LivenessRule, ADisplayGridAboveItsThresholdIsAnAttackNamedFirst) {
  const auto c = config(LivenessMode::both);
  const auto grid = with_moire(measured(6, 0.2, 0.05), 9.0);
  const auto e = judge_liveness(grid, c, 0.5, false);
  EXPECT_EQ(e.verdict, LivenessVerdict::attack);
  EXPECT_EQ(e.cue, LivenessCue::moire);
  EXPECT_EQ(describe(e, c), "attack: moire 9.00 > 4.00 (a periodic pattern around the face: a display's pixel grid, a print's dots, a "
            "resampled picture)");
  EXPECT_DOUBLE_EQ(cue_margin(e), 4.0 / 9.0);
  EXPECT_DOUBLE_EQ(liveness_score(e, c), 0.2 / 0.75) << "the smallest margin of the cues";

  const auto live = judge_liveness(with_moire(measured(3, 0.9, 0.05), 2.5), c, 0.2, false);
  EXPECT_TRUE(live.live());
  EXPECT_EQ(describe(live, c), "live: temporal 0.0500 >= 0.0250, passive 0.90 >= 0.75, moire 2.50 <= 4.00");
  EXPECT_DOUBLE_EQ(liveness_score(live, c), 0.9 / 0.75) << "temporal 2.0, passive 1.2, moire 1.6: the smallest";
  EXPECT_EQ(judge_liveness(with_moire(measured(3, 0.9, 0.05), 4.0), c, 0.2, false).verdict, LivenessVerdict::live)
      << "at the threshold is live";

  EXPECT_EQ(judge_liveness(measured(3, 0.9, 0.05), c, 0.2, false).verdict, LivenessVerdict::live)
      << "not measured yet (fewer than 8 frames, or one image): no vote";
  auto off = c;
  off.moire_threshold = 0;
  EXPECT_EQ(judge_liveness(grid, off, 0.5, false).cue, LivenessCue::passive) << "moire off: the networks name it";
  EXPECT_EQ(judge_liveness(grid, config(LivenessMode::temporal), 0.5, false).verdict, LivenessVerdict::live)
      << "temporal mode does not use the passive cues";
  off.moire_threshold = 0.5;
  EXPECT_THROW(off.validate(), models::InputError);
}

// A threshold of 0 lets every value through: the deciding cue's margin says so (2), not 0,
// which would read as refused.
TEST(LivenessRule, AThresholdOfZeroPassesWithMarginTwo) {
  auto c = config(LivenessMode::temporal);
  c.temporal_threshold = 0;
  const auto e = judge_liveness(measured(3, std::nullopt, 0.0), c, 0.2, false);
  EXPECT_TRUE(e.live());
  EXPECT_EQ(cue_margin(e), 2.0);
  EXPECT_EQ(liveness_score(e, c), 2.0);
}

// The passive cue scores passive_frames of every min_frames frames, spread evenly, always the
// min_frames-th (the first frame a session may decide on), then the same pattern again.
TEST(LivenessRule, PassiveFramesAreSpreadAndIncludeEveryRunsLast) {
  LivenessConfig c;
  c.min_frames = 8;
  c.passive_frames = 3;
  std::vector<int> scored;
  for (int n = 1; n <= 16; ++n)
    if (c.passive_frame(n)) scored.push_back(n);
  EXPECT_EQ(scored, (std::vector<int>{3, 6, 8, 11, 14, 16}));
  c.passive_frames = 1;
  EXPECT_TRUE(c.passive_frame(8));
  EXPECT_FALSE(c.passive_frame(7));
  for (int every : {0, 8, 20}) {
    c.passive_frames = every;
    for (int n = 1; n <= 16; ++n) EXPECT_TRUE(c.passive_frame(n)) << every << " " << n;
  }
  c.passive_frames = -1;
  EXPECT_THROW(c.validate(), models::InputError);
}

}  // namespace
}  // namespace gatesim::biometrics
