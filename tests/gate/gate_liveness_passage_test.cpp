// The lane state machine's liveness decision, passage and anti-passback, driven by scripted
// events: the evidence a detector would give, an exit sensor's reports, a scripted clock.
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

GateConfig with_liveness(LivenessMode mode, Channel channel = Channel::document) {
  GateConfig config;
  config.channel = channel;
  config.liveness = mode;
  config.passive_frames = 2;
  config.temporal_frames = 4;
  config.liveness_max_frames = 8;
  return config;
}

LivenessEvidence evidence(std::optional<double> passive, int passive_frames, std::optional<double> temporal = std::nullopt,
                          int temporal_frames = 0) {
  LivenessEvidence e;
  if (passive) e.passive = LivenessCue{"passive", *passive, passive_frames};
  if (temporal) e.temporal = LivenessCue{"temporal.rigid", *temporal, temporal_frames};
  return e;
}

// A face-step frame with one face of good quality and the detector's evidence so far.
const std::vector<Action>& live_frame(GateScript& s, LivenessEvidence e) {
  const auto at = s.next();
  return s.send(FrameAnalysed{at, s.awaited(), 1, true, {}, "", std::move(e)});
}

TEST(GateLiveness, JudgementNamesTheCueAndItsValue) {
  GateConfig c = with_liveness(LivenessMode::both);
  EXPECT_EQ(judge_liveness(std::nullopt, c).verdict, LivenessVerdict::undecided);
  EXPECT_EQ(judge_liveness(evidence(0.9, 2, 0.8, 4), c).verdict, LivenessVerdict::live);
  const auto rigid = judge_liveness(evidence(0.9, 2, 0.1, 4), c);
  EXPECT_EQ(rigid.verdict, LivenessVerdict::attack);
  EXPECT_EQ(rigid.detail, "temporal.rigid 0.100 < threshold 0.500 (4 frames)");
  const auto print = judge_liveness(evidence(0.2, 2, std::nullopt, 0), c);
  EXPECT_EQ(print.verdict, LivenessVerdict::attack) << "one cue under its threshold is enough";
  EXPECT_THAT(print.detail, HasSubstr("passive 0.200"));
  const auto early = judge_liveness(evidence(0.9, 2, 0.9, 3), c);
  EXPECT_EQ(early.verdict, LivenessVerdict::undecided) << "temporal needs 4 frames";
  EXPECT_THAT(early.detail, HasSubstr("temporal cue on 3 of the 4 frames"));
  // A mode ignores the cue it does not use.
  EXPECT_EQ(judge_liveness(evidence(0.9, 2, 0.1, 4), with_liveness(LivenessMode::passive)).verdict,
            LivenessVerdict::live);
  EXPECT_EQ(judge_liveness(evidence(0.1, 2, 0.9, 4), with_liveness(LivenessMode::temporal)).verdict,
            LivenessVerdict::live);
}

TEST(GateLiveness, AnAttackIsReferredWithFaceLivenessNamingTheCue) {
  GateScript s(with_liveness(LivenessMode::passive));
  s.arrive();
  s.document("H1", "C1");
  s.eligible();
  live_frame(s, evidence(0.4, 1));  // undecided: one frame
  s.matched(0.3);                   // the face matches; liveness must still say live
  EXPECT_TRUE(contains<CaptureFrame>(s.last)) << "the step goes on for liveness";
  auto& f = live_frame(s, evidence(0.15, 2));
  ASSERT_TRUE(contains<WriteAudit>(f));
  EXPECT_FALSE(contains<MatchFace>(f)) << "a known face is not matched again";
  s.audit_written();
  const auto o = s.outcome();
  EXPECT_EQ(o.decision, Decision::referred);
  ASSERT_THAT(codes(o.reasons), ElementsAre("face.liveness"));
  EXPECT_EQ(o.reasons[0].detail, "passive 0.150 < threshold 0.500 (2 frames)");
  EXPECT_EQ(o.people[0].liveness_verdict, LivenessVerdict::attack);
  EXPECT_EQ(o.people[0].liveness, evidence(0.15, 2));
  EXPECT_FALSE(contains<OpenBarrier>(s.history));
  const auto j = to_json(o)["people"][0]["liveness"];
  EXPECT_EQ(j["decision"], "attack");
  EXPECT_EQ(j["score"], 0.15);
  EXPECT_EQ(j["cues"][0]["cue"], "passive");
}

TEST(GateLiveness, AnAttackIsReferredBeforeTheFaceIsMatched) {
  GateScript s(with_liveness(LivenessMode::temporal, Channel::document_free));
  s.arrive();
  auto& f = live_frame(s, evidence(std::nullopt, 0, 0.02, 4));
  EXPECT_FALSE(contains<Identify>(f));
  s.audit_written();
  EXPECT_THAT(codes(s.outcome().reasons), ElementsAre("face.liveness"));
  EXPECT_THAT(s.outcome().reasons[0].detail, HasSubstr("temporal.rigid 0.020"));
}

TEST(GateLiveness, ALiveMatchedFaceClearsBothChannels) {
  for (Channel channel : {Channel::document, Channel::document_free}) {
    GateScript s(with_liveness(LivenessMode::both, channel));
    s.arrive();
    if (channel == Channel::document) {
      s.document("H1", "C1");
      s.eligible();
    }
    live_frame(s, evidence(0.9, 1, 0.9, 1));
    if (channel == Channel::document)
      s.matched(0.3);
    else
      s.identified(Candidate{"H1", 0.3}, Candidate{"H2", 0.7});
    for (int frames = 2; frames <= 4; ++frames) {
      ASSERT_EQ(s.gate.current_step(), Step::face) << "undecided at " << frames - 1 << " frames";
      live_frame(s, evidence(0.9, frames, 0.9, frames));
    }
    if (channel == Channel::document_free) s.eligible();
    s.audit_written();
    const auto o = s.outcome();
    EXPECT_EQ(o.decision, Decision::cleared) << to_string(channel);
    EXPECT_EQ(o.people[0].liveness_verdict, LivenessVerdict::live);
    EXPECT_EQ(o.people[0].frames, 4);
    EXPECT_TRUE(contains<OpenBarrier>(s.history));
  }
}

TEST(GateLiveness, UndecidedWhenTheBudgetIsSpentIsAReferral) {
  GateConfig config = with_liveness(LivenessMode::temporal);
  config.temporal_frames = 100;  // never enough: the frame budget ends it
  config.liveness_max_frames = 5;
  GateScript s(config);
  s.arrive();
  s.document("H1", "C1");
  s.eligible();
  live_frame(s, evidence(std::nullopt, 0, 0.9, 1));
  s.matched(0.3);
  for (int frames = 2; frames <= 5; ++frames) live_frame(s, evidence(std::nullopt, 0, 0.9, frames));
  ASSERT_TRUE(contains<WriteAudit>(s.last));
  s.audit_written();
  const auto o = s.outcome();
  ASSERT_THAT(codes(o.reasons), ElementsAre("face.liveness"));
  EXPECT_THAT(o.reasons[0].detail, HasSubstr("undecided after 5 frames"));
  EXPECT_THAT(o.reasons[0].detail, HasSubstr("temporal cue on 5 of the 100 frames"));
  EXPECT_EQ(o.people[0].liveness_verdict, LivenessVerdict::undecided);
  EXPECT_EQ(o.people[0].face_passed, true) << "the face did match";
}

TEST(GateLiveness, UndecidedWhenTheTimeBudgetIsSpent) {
  GateConfig config = with_liveness(LivenessMode::passive);
  config.liveness_window = 1s;
  GateScript s(config);
  s.arrive();
  s.document("H1", "C1");
  s.eligible();
  live_frame(s, evidence(0.9, 1));
  s.matched(0.3);
  s.tick = 600ms;
  live_frame(s, evidence(std::nullopt, 0));  // the detector lost the face: no evidence yet
  EXPECT_EQ(s.gate.state(), LaneState::writing_audit);
  s.audit_written();
  EXPECT_THAT(codes(s.outcome().reasons), ElementsAre("face.liveness"));
  EXPECT_THAT(s.outcome().reasons[0].detail, HasSubstr("budget 8 frames, 1 s"));
}

TEST(GateLiveness, TheFaceWindowEndingWhileUndecidedNamesLiveness) {
  GateScript s(with_liveness(LivenessMode::passive));
  s.arrive();
  s.document("H1", "C1");
  s.eligible();
  live_frame(s, evidence(0.9, 1));
  s.matched(0.3);
  s.fire_latest_timer();  // the face window, while the next frame is awaited
  s.audit_written();
  EXPECT_THAT(codes(s.outcome().reasons), ElementsAre("face.liveness"));
  EXPECT_THAT(s.outcome().reasons[0].detail, HasSubstr("undecided when the face window"));
}

TEST(GateLiveness, TheGuardianFaceStepChecksLivenessToo) {
  GateScript s(with_liveness(LivenessMode::passive));
  s.arrive();
  s.document("C1", "D1");
  s.eligible(true, {"G1"});
  live_frame(s, evidence(0.9, 2));
  s.matched(0.3);
  ASSERT_EQ(s.gate.current_role(), Role::guardian);
  s.document("G1", "DG");
  s.eligible();
  live_frame(s, evidence(0.1, 2));
  s.audit_written();
  EXPECT_THAT(codes(s.outcome().reasons), ElementsAre("guardian.face.liveness"));
  EXPECT_EQ(s.outcome().people[0].liveness_verdict, LivenessVerdict::live);
  EXPECT_EQ(s.outcome().people[1].liveness_verdict, LivenessVerdict::attack);
}

TEST(GateLiveness, OffIgnoresEvidenceAndRecordsNone) {
  GateScript s;
  s.arrive();
  s.document("H1", "C1");
  s.eligible();
  live_frame(s, evidence(0.01, 5));
  s.matched(0.3);
  s.audit_written();
  EXPECT_EQ(s.outcome().decision, Decision::cleared);
  EXPECT_FALSE(s.outcome().people[0].liveness);
  EXPECT_FALSE(to_json(s.outcome())["people"][0].contains("liveness"));
}

TEST(GateLiveness, BadSettingsAreRejectedNamingThem) {
  GateConfig c = with_liveness(LivenessMode::both);
  c.liveness_window = 6s;
  EXPECT_THROW(GateController{c}, models::InputError);
  c = with_liveness(LivenessMode::passive);
  c.passive_frames = 0;
  try {
    GateController{c};
    FAIL() << "no error";
  } catch (const models::InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("passive_frames"));
  }
  EXPECT_EQ(parse_liveness_mode("both"), LivenessMode::both);
  EXPECT_EQ(parse_liveness_mode("photo"), std::nullopt);
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
  EXPECT_EQ(incidents[0].what.code, "passage.tailgating");
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
    s.ineligible({{"M3.age", "under 14"}});
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
