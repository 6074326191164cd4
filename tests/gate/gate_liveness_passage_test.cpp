// The lane state machine's liveness decision, passage and anti-passback, driven by scripted
// events: the measurements a detector would give, an exit sensor's reports, a scripted clock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gate/gate_controller.hpp"
#include "models/input_error.hpp"
#include "tests/gate/gate_script.hpp"

namespace gatesim::gate {
namespace {

using namespace std::chrono_literals;
using testing::all_of;
using testing::codes;
using testing::contains;
using testing::GateScript;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using biometrics::LivenessMeasurements;
using biometrics::LivenessMode;
using biometrics::LivenessVerdict;

// The rule itself (biometrics::judge_liveness) is tested in tests/biometrics/liveness_rule_test.cpp;
// these tests check that the controller asks it at the right moments and acts on its answer.
GateConfig with_liveness(LivenessMode mode, Channel channel = Channel::document) {
  GateConfig config;
  config.channel = channel;
  config.liveness.mode = mode;
  config.liveness.min_frames = 2;
  config.liveness.max_frames = 4;
  config.liveness.time_budget_s = 3;
  return config;
}

LivenessMeasurements measured(int frames, std::optional<double> passive, std::optional<double> temporal = std::nullopt,
                              bool frozen = false) {
  return {frames, passive, temporal, frozen, std::nullopt};
}

// A face-step frame with one face of good quality and the detector's measurements so far.
const std::vector<Action>& live_frame(GateScript& s, std::optional<LivenessMeasurements> m) {
  const auto at = s.next();
  return s.send(FrameAnalysed{at, s.awaited(), 1, true, {}, "", std::move(m)});
}

TEST(GateLiveness, AnAttackIsReferredWithFaceLivenessNamingTheCue) {
  GateScript s(with_liveness(LivenessMode::passive));
  s.arrive();
  s.document("H1", "C1");
  s.eligible();
  live_frame(s, measured(1, 0.4));  // undecided: one frame of the two it needs
  s.matched(0.3);                   // the face matches; liveness must still say live
  ASSERT_EQ(all_of<CaptureFrame>(s.last).size(), 1u) << "the step goes on for liveness";
  EXPECT_TRUE(all_of<CaptureFrame>(s.last)[0].liveness_only) << "a matched face needs no descriptor";
  for (int frames = 2; frames <= 3; ++frames) {
    live_frame(s, measured(frames, 0.15));
    ASSERT_TRUE(contains<CaptureFrame>(s.last)) << "a low score waits for the frames it may use (" << frames << ")";
  }
  auto& f = live_frame(s, measured(4, 0.15));
  ASSERT_TRUE(contains<WriteAudit>(f));
  EXPECT_FALSE(contains<MatchFace>(f)) << "a known face is not matched again";
  s.audit_written();
  const auto o = s.outcome();
  EXPECT_EQ(o.decision, Decision::referred);
  ASSERT_THAT(codes(o.reasons), ElementsAre("face.liveness"));
  EXPECT_THAT(o.reasons[0].detail, HasSubstr("attack: passive 0.15 < 0.75"));
  ASSERT_TRUE(o.people[0].liveness);
  EXPECT_EQ(o.people[0].liveness->verdict, LivenessVerdict::attack);
  EXPECT_EQ(o.people[0].liveness->frames, 4);
  EXPECT_FALSE(contains<OpenBarrier>(s.history));
  const auto j = to_json(o)["people"][0]["liveness"];
  EXPECT_EQ(j["decision"], "attack");
  EXPECT_EQ(j["cue"], "passive");
  EXPECT_DOUBLE_EQ(j["score"].get<double>(), 0.15 / 0.75);  // the passive cue decided: its margin
  EXPECT_EQ(j["cues"][0]["cue"], "passive");
}

TEST(GateLiveness, AFrozenFaceIsReferredAtOnceBeforeItIsIdentified) {
  GateScript s(with_liveness(LivenessMode::temporal, Channel::document_free));
  s.arrive();
  live_frame(s, measured(1, std::nullopt, 0.0));
  EXPECT_TRUE(contains<Identify>(s.last)) << "one frame says nothing yet";
  s.identified(Candidate{"H1", 0.3}, Candidate{"H2", 0.7});
  auto& f = live_frame(s, measured(2, std::nullopt, 0.0, true));
  ASSERT_TRUE(contains<WriteAudit>(f));
  s.audit_written();
  EXPECT_THAT(codes(s.outcome().reasons), ElementsAre("face.liveness"));
  EXPECT_THAT(s.outcome().reasons[0].detail, HasSubstr("frozen"));
}

// The JSON line's score is the deciding cue's margin: a frozen face the networks rate live
// scores 0, with the passive value still among the cues.
TEST(GateLiveness, TheScoreIsTheDecidingCuesMarginZeroForAFrozenFace) {
  GateScript s(with_liveness(LivenessMode::both, Channel::document_free));
  s.arrive();
  live_frame(s, measured(1, 0.99, 0.0));
  s.identified(Candidate{"H1", 0.3}, Candidate{"H2", 0.7});
  auto& f = live_frame(s, measured(2, 0.99, 0.0, true));
  ASSERT_TRUE(contains<WriteAudit>(f));
  s.audit_written();
  const auto j = to_json(s.outcome())["people"][0]["liveness"];
  EXPECT_EQ(j["decision"], "attack");
  EXPECT_EQ(j["cue"], "frozen");
  EXPECT_EQ(j["score"], 0.0);
  EXPECT_EQ(j["cues"][0]["cue"], "passive");
  EXPECT_EQ(j["cues"][0]["value"], 0.99);
}

TEST(GateLiveness, AnAttackIsReferredBeforeTheFaceIsMatched) {
  GateConfig config = with_liveness(LivenessMode::temporal, Channel::document_free);
  config.liveness.min_frames = config.liveness.max_frames = 1;
  GateScript s(config);
  s.arrive();
  auto& f = live_frame(s, measured(1, std::nullopt, 0.004));
  EXPECT_FALSE(contains<Identify>(f));
  s.audit_written();
  EXPECT_THAT(codes(s.outcome().reasons), ElementsAre("face.liveness"));
  EXPECT_THAT(s.outcome().reasons[0].detail, HasSubstr("temporal 0.0040 < 0.0250"));
}

TEST(GateLiveness, ALiveMatchedFaceClearsBothChannels) {
  for (Channel channel : {Channel::document, Channel::document_free}) {
    GateScript s(with_liveness(LivenessMode::both, channel));
    s.arrive();
    if (channel == Channel::document) {
      s.document("H1", "C1");
      s.eligible();
    }
    live_frame(s, measured(1, 0.9, 0.05));
    if (channel == Channel::document)
      s.matched(0.3);
    else
      s.identified(Candidate{"H1", 0.3}, Candidate{"H2", 0.7});
    ASSERT_EQ(s.gate.current_step(), Step::face) << "undecided on one frame";
    live_frame(s, measured(2, 0.9, 0.05));
    if (channel == Channel::document_free) s.eligible();  // the policy check follows the face
    s.audit_written();
    const auto o = s.outcome();
    EXPECT_EQ(o.decision, Decision::cleared) << to_string(channel);
    ASSERT_TRUE(o.people[0].liveness);
    EXPECT_EQ(o.people[0].liveness->verdict, LivenessVerdict::live);
    EXPECT_EQ(o.people[0].frames, 2);
    EXPECT_TRUE(contains<OpenBarrier>(s.history));
  }
}

TEST(GateLiveness, TooFewFramesWhenTheStepsFramesAreSpentIsAReferral) {
  GateConfig config = with_liveness(LivenessMode::temporal);
  config.max_face_frames = 4;
  GateScript s(config);
  s.arrive();
  s.document("H1", "C1");
  s.eligible();
  live_frame(s, measured(1, std::nullopt, 0.05));
  s.matched(0.3);
  // The detector loses the face: the controller's frames run on, the measurements do not.
  for (int frame = 2; frame <= 4; ++frame) live_frame(s, std::nullopt);
  ASSERT_TRUE(contains<WriteAudit>(s.last));
  s.audit_written();
  const auto o = s.outcome();
  ASSERT_THAT(codes(o.reasons), ElementsAre("face.liveness"));
  EXPECT_THAT(o.reasons[0].detail, HasSubstr("undecided: too few frames (1 of 2 frames)"));
  EXPECT_THAT(o.reasons[0].detail, HasSubstr("4 frames were spent"));
  EXPECT_EQ(o.people[0].liveness->verdict, LivenessVerdict::undecided);
  EXPECT_EQ(o.people[0].face_passed, true) << "the face did match";
}

TEST(GateLiveness, ALowScoreIsAnAttackOnceTheTimeBudgetIsSpent) {
  GateConfig config = with_liveness(LivenessMode::temporal);
  config.liveness.max_frames = 100;
  config.liveness.time_budget_s = 1.5;
  GateScript s(config);
  s.arrive();
  s.document("H1", "C1");
  s.eligible();
  live_frame(s, measured(1, std::nullopt, 0.01));
  s.matched(0.3);
  s.tick = 600ms;
  live_frame(s, measured(2, std::nullopt, 0.01));
  ASSERT_TRUE(contains<CaptureFrame>(s.last)) << "the step is a second old, its budget 1.5 s";
  live_frame(s, measured(3, std::nullopt, 0.01));
  EXPECT_EQ(s.gate.state(), LaneState::writing_audit);
  s.audit_written();
  EXPECT_THAT(codes(s.outcome().reasons), ElementsAre("face.liveness"));
  EXPECT_THAT(s.outcome().reasons[0].detail, HasSubstr("temporal 0.0100 < 0.0250"));
}

TEST(GateLiveness, TheFaceWindowEndingWhileUndecidedNamesLiveness) {
  GateScript s(with_liveness(LivenessMode::passive));
  s.arrive();
  s.document("H1", "C1");
  s.eligible();
  live_frame(s, measured(1, 0.9));
  s.matched(0.3);
  s.fire_latest_timer();  // the face window, while the next frame is awaited
  s.audit_written();
  EXPECT_THAT(codes(s.outcome().reasons), ElementsAre("face.liveness"));
  EXPECT_THAT(s.outcome().reasons[0].detail, HasSubstr("too few frames (1 of 2 frames) when the face window"));
}

TEST(GateLiveness, TheGuardianFaceStepChecksLivenessToo) {
  GateScript s(with_liveness(LivenessMode::passive));
  s.arrive();
  s.document("C1", "D1");
  s.eligible(true, {"G1"});
  live_frame(s, measured(2, 0.9));
  s.matched(0.3);
  ASSERT_EQ(s.gate.current_role(), Role::guardian);
  s.document("G1", "DG");
  s.eligible();
  live_frame(s, measured(4, 0.1));
  s.audit_written();
  EXPECT_THAT(codes(s.outcome().reasons), ElementsAre("guardian.face.liveness"));
  EXPECT_EQ(s.outcome().people[0].liveness->verdict, LivenessVerdict::live);
  EXPECT_EQ(s.outcome().people[1].liveness->verdict, LivenessVerdict::attack);
}

TEST(GateLiveness, OffIgnoresMeasurementsAndRecordsNone) {
  GateScript s;
  s.arrive();
  s.document("H1", "C1");
  s.eligible();
  live_frame(s, measured(5, 0.01, 0.0, true));
  s.matched(0.3);
  s.audit_written();
  EXPECT_EQ(s.outcome().decision, Decision::cleared);
  EXPECT_FALSE(s.outcome().people[0].liveness);
  EXPECT_FALSE(to_json(s.outcome())["people"][0].contains("liveness"));
}

TEST(GateLiveness, BadSettingsAreRejectedNamingThem) {
  GateConfig c = with_liveness(LivenessMode::both);
  c.liveness.time_budget_s = 6;  // the face window is 5 s
  try {
    GateController{c};
    FAIL() << "no error";
  } catch (const models::InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("within face_window"));
  }
  c = with_liveness(LivenessMode::passive);
  c.liveness.min_frames = 0;
  try {
    GateController{c};
    FAIL() << "no error";
  } catch (const models::InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("min_frames"));
  }
}

// ---- Passage ----

GateConfig live_lane() {
  GateConfig config;
  config.passage_required = true;
  return config;
}

TEST(GatePassage, TheNextTransactionWaitsUntilTheClearedTravellerHasPassed) {
  GateScript s(live_lane());
  s.genuine_until_audit();
  s.audit_written();
  ASSERT_EQ(s.gate.state(), LaneState::passing);
  EXPECT_TRUE(s.arrive().empty()) << "nobody is served while the traveller is in the passage";
  auto& closed = s.fire_latest_timer();  // the exit timer: nobody walked through yet
  EXPECT_TRUE(contains<CloseBarrier>(closed));
  EXPECT_EQ(s.gate.state(), LaneState::passing) << "the traveller is still in the lane";
  EXPECT_TRUE(s.arrive().empty());
  auto& passed = s.send(TravellerPassed{s.next()});
  EXPECT_FALSE(contains<CloseBarrier>(passed)) << "already closed";
  EXPECT_EQ(s.gate.state(), LaneState::idle);
  EXPECT_TRUE(contains<ReadDocument>(s.arrive()));
}

TEST(GatePassage, WithoutPassageRequiredTheExitTimerReadiesTheLane) {
  GateScript s;
  s.genuine_until_audit();
  s.audit_written();
  s.fire_latest_timer();
  EXPECT_EQ(s.gate.state(), LaneState::idle);
}

TEST(GatePassage, ASecondPersonInThePassageIsTailgating) {
  GateScript s(live_lane());
  s.genuine_until_audit("H7");
  s.audit_written();
  auto& passed = s.send(TravellerPassed{s.next(), 2});
  EXPECT_TRUE(contains<CloseBarrier>(passed));
  ASSERT_EQ(all_of<RaiseAlarm>(passed).size(), 1u);
  EXPECT_THAT(all_of<RaiseAlarm>(passed)[0].what, HasSubstr("tailgating in the passage"));
  const auto incidents = all_of<RecordIncident>(passed);
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].transaction, 1u);
  EXPECT_EQ(incidents[0].what.name(), "passage.tailgating");
  EXPECT_EQ(incidents[0].what.detail, "2 people went through the passage, 1 cleared (H7)");
  EXPECT_EQ(s.gate.state(), LaneState::idle);
}

TEST(GatePassage, OnePersonThroughIsNoIncident) {
  GateScript s(live_lane());
  s.genuine_until_audit();
  s.audit_written();
  auto& passed = s.send(TravellerPassed{s.next(), 1});
  EXPECT_FALSE(contains<RaiseAlarm>(passed));
  EXPECT_FALSE(contains<RecordIncident>(passed));
}

TEST(GatePassage, AnExitSensorFaultCallsStaffAndReadiesTheLane) {
  GateScript s(live_lane());
  s.genuine_until_audit();
  s.audit_written();
  auto& fault = s.fault(Device::passage_sensor, "sim: disconnected: scripted");
  EXPECT_TRUE(contains<CloseBarrier>(fault));
  ASSERT_EQ(all_of<RaiseAlarm>(fault).size(), 1u);
  EXPECT_THAT(all_of<RaiseAlarm>(fault)[0].what, HasSubstr("exit sensor fault"));
  EXPECT_EQ(s.gate.state(), LaneState::idle);
  s.genuine_until_audit("H2");
  s.audit_written();
  ASSERT_EQ(s.outcome().device_faults.size(), 1u) << "recorded with the next transaction";
  EXPECT_EQ(s.outcome().device_faults[0].device, Device::passage_sensor);
}

// ---- Anti-passback ----

GateConfig with_passback(Duration window, Channel channel = Channel::document) {
  GateConfig config;
  config.channel = channel;
  config.passback_window = window;
  return config;
}

TEST(GatePassback, TheSameHolderInsideTheWindowIsReferredNamingTheEarlierTransaction) {
  GateScript s(with_passback(10min));
  s.genuine_until_audit("H1");
  s.audit_written();
  s.send(TravellerPassed{s.next()});
  s.arrive();
  auto& d = s.document("H1", "CH1");  // the same permit, handed back across the barrier
  EXPECT_FALSE(contains<CheckPolicy>(d)) << "referred before any other step";
  s.audit_written();
  const auto o = s.outcome();
  EXPECT_EQ(o.transaction, 2u);
  ASSERT_THAT(codes(o.reasons), ElementsAre("gate.passback"));
  EXPECT_THAT(o.reasons[0].detail, HasSubstr("H1 was cleared by transaction #1"));
  EXPECT_THAT(o.reasons[0].detail, HasSubstr("anti-passback window 600 s"));
}

TEST(GatePassback, AnotherHolderAndTheSameOneAfterTheWindowAreCleared) {
  GateScript s(with_passback(10min));
  s.genuine_until_audit("H1");
  s.audit_written();
  s.send(TravellerPassed{s.next()});
  s.genuine_until_audit("H2");
  s.audit_written();
  EXPECT_EQ(s.outcome().decision, Decision::cleared);
  s.send(TravellerPassed{s.next()});
  s.now += 10min;
  s.genuine_until_audit("H1");
  s.audit_written();
  EXPECT_EQ(s.outcome().decision, Decision::cleared);
  EXPECT_EQ(s.outcome().transaction, 3u);
}

TEST(GatePassback, AReferredHolderIsNotRememberedAndZeroTurnsTheRuleOff) {
  {
    GateScript s(with_passback(10min));
    s.arrive();
    s.document("H1", "C1");
    s.ineligible({Reason::policy("M3.age", "under 14")});
    s.audit_written();
    s.genuine_until_audit("H1");
    s.audit_written();
    EXPECT_EQ(s.outcome().decision, Decision::cleared);
  }
  GateScript s(with_passback(Duration::zero()));
  for (int i = 0; i < 2; ++i) {
    s.genuine_until_audit("H1");
    s.audit_written();
    EXPECT_EQ(s.outcome().decision, Decision::cleared);
    s.send(TravellerPassed{s.next()});
  }
}

TEST(GatePassback, ARememberedClearanceFromTheAuditLogCounts) {
  GateScript s(with_passback(10min, Channel::document_free));
  s.now = 1s;
  s.gate.remember({"H1", -2min, "lane shenzhen-bay #41"});
  s.arrive();
  s.good_frame();
  s.identified(Candidate{"H1", 0.3}, Candidate{"H2", 0.8});
  s.audit_written();
  ASSERT_THAT(codes(s.outcome().reasons), ElementsAre("gate.passback"));
  EXPECT_THAT(s.outcome().reasons[0].detail, HasSubstr("transaction lane shenzhen-bay #41 122 s ago"));
}

}  // namespace
}  // namespace gatesim::gate
