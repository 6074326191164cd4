// The lane state machine driven by scripted events: no devices, no clock, no sleeps.
#include "gate/gate_controller.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "models/input_error.hpp"
#include "tests/gate/gate_script.hpp"

namespace gatesim::gate {
namespace {

using namespace std::chrono_literals;
using testing::all_of;
using testing::codes;
using testing::contains;
using testing::GateScript;
using testing::index_of;
using ::testing::ElementsAre;

std::map<std::string, Duration> timings(const TransactionOutcome& o) {
  std::map<std::string, Duration> m;
  for (const auto& t : o.timings) m[std::string(t.name())] = t.duration;
  return m;
}

GateConfig with_fingerprint(Channel channel = Channel::document) {
  GateConfig config;
  config.channel = channel;
  config.steps = default_steps(channel);
  const auto face = std::find(config.steps.begin(), config.steps.end(), Step::face);
  config.steps.insert(face + 1, Step::fingerprint);
  return config;
}

TEST(TransactionOutcome, ClearLeavesWhatAFreshRecordHolds) {
  TransactionOutcome o;
  o.transaction = 7;
  o.channel = Channel::document_free;
  o.started_at = 1s;
  o.decided_at = 2s;
  o.decision = Decision::cleared;
  o.reasons = {{ReasonCode::face_no_match, "distance 0.7"}};
  o.holder_id = "H1";
  o.document_number = "D1";
  o.guardian_id = "G1";
  o.people.resize(2);
  o.alarm = true;
  o.device_faults = {{Device::camera, devices::FaultKind::disconnected, "unplugged", 1s}};
  o.timings = {{Step::face, Role::traveller, 1s}};
  o.image_paths = {"frame.jpg"};
  o.clear();
  EXPECT_EQ(to_json(o), to_json(TransactionOutcome{}));
  EXPECT_EQ(o.transaction, 0u);
  EXPECT_EQ(o.started_at, Time{});
  EXPECT_FALSE(o.alarm);
}

TEST(GateController, GenuineTravellerPassesAndTheBarrierOpensOnlyAfterTheAuditWrite) {
  GateScript s;
  auto& a = s.arrive();
  ASSERT_EQ(all_of<ReadDocument>(a).size(), 1u);
  EXPECT_EQ(all_of<StartTimer>(a).at(0).duration, 5s);
  EXPECT_EQ(all_of<ShowIndicator>(a).at(0).signal, Signal::present_document);

  auto& d = s.document("H1", "C1234");
  ASSERT_EQ(all_of<CheckPolicy>(d).size(), 1u);
  EXPECT_EQ(all_of<CheckPolicy>(d)[0].holder_id, "H1");
  EXPECT_EQ(all_of<CheckPolicy>(d)[0].document_number, "C1234");
  EXPECT_TRUE(contains<CancelTimer>(d));  // the document timer

  EXPECT_TRUE(contains<CaptureFrame>(s.eligible()));
  auto& f = s.good_frame();
  ASSERT_EQ(all_of<MatchFace>(f).size(), 1u);
  EXPECT_EQ(all_of<MatchFace>(f)[0].holder_id, "H1");

  auto& m = s.matched(0.35);
  ASSERT_EQ(all_of<WriteAudit>(m).size(), 1u);
  EXPECT_EQ(all_of<WriteAudit>(m)[0].outcome->decision, Decision::cleared);
  EXPECT_FALSE(contains<OpenBarrier>(m)) << "the barrier waits for the audit record";
  EXPECT_EQ(s.gate.state(), LaneState::writing_audit);

  auto& w = s.audit_written();
  ASSERT_TRUE(contains<OpenBarrier>(w));
  EXPECT_LT(index_of<OpenBarrier>(w), index_of<Completed>(w));
  EXPECT_EQ(s.gate.state(), LaneState::passing);

  const auto o = s.outcome();
  EXPECT_EQ(o.transaction, 1u);
  EXPECT_EQ(o.decision, Decision::cleared);
  EXPECT_TRUE(o.reasons.empty());
  EXPECT_EQ(o.holder_id, "H1");
  EXPECT_EQ(o.document_number, "C1234");
  ASSERT_EQ(o.people.size(), 1u);
  EXPECT_EQ(o.people[0].distance, 0.35);
  EXPECT_EQ(o.people[0].face_passed, true);
  EXPECT_EQ(o.decided_at - o.started_at, 800ms);
  // Each scripted event takes 200 ms: every step's duration is in the outcome.
  const auto t = timings(o);
  EXPECT_EQ(t.at("read_document"), 200ms);
  EXPECT_EQ(t.at("check_policy"), 200ms);
  EXPECT_EQ(t.at("face"), 400ms);
  EXPECT_EQ(t.at("audit"), 200ms);

  auto& p = s.send(TravellerPassed{s.next()});
  EXPECT_TRUE(contains<CloseBarrier>(p));
  EXPECT_EQ(all_of<ShowIndicator>(p).at(0).signal, Signal::ready);
  EXPECT_EQ(s.gate.state(), LaneState::idle);
}

// A lane without an indicator (the port simulator's) gets every other action, in the same order.
TEST(GateController, WithoutSignalsEveryOtherActionIsTheSame) {
  auto run = [](bool signals) {
    GateConfig config;
    config.signals = signals;
    GateScript s(config);
    s.genuine_until_audit();
    s.audit_written();
    s.send(TravellerPassed{s.next()});
    s.arrive();
    s.document("H2", "C2");
    s.ineligible({Reason::policy("M3.age", "under 14")});
    s.audit_written();
    std::vector<std::size_t> kinds;
    for (const auto& a : s.history)
      if (!std::holds_alternative<ShowIndicator>(a)) kinds.push_back(a.index());
    return std::pair{kinds, all_of<ShowIndicator>(s.history).size()};
  };
  const auto [with_signals, shown] = run(true);
  const auto [without_signals, none] = run(false);
  EXPECT_EQ(without_signals, with_signals);
  EXPECT_GE(shown, 5u);  // present_document, look_at_camera, proceed, ready, present_document, go_to_counter
  EXPECT_EQ(none, 0u);
}

TEST(GateController, BarrierClosesWhenTheExitTimeRunsOut) {
  GateScript s;
  s.genuine_until_audit();
  s.audit_written();
  auto& closed = s.fire_latest_timer();
  EXPECT_TRUE(contains<CloseBarrier>(closed));
  EXPECT_EQ(s.gate.state(), LaneState::idle);
}

TEST(GateController, ImpostorIsReferredAfterTheConfiguredMatchAttempts) {
  GateScript s;
  s.arrive();
  s.document("H1", "C1");
  s.eligible();
  s.good_frame();
  EXPECT_TRUE(contains<CaptureFrame>(s.matched(0.74))) << "a second attempt";
  s.good_frame();
  EXPECT_TRUE(contains<WriteAudit>(s.matched(0.71)));
  auto& w = s.audit_written();
  EXPECT_FALSE(contains<OpenBarrier>(s.history));
  ASSERT_EQ(all_of<Refer>(w).size(), 1u);
  EXPECT_THAT(codes(all_of<Refer>(w)[0].reasons), ElementsAre("face.no_match"));
  const auto o = s.outcome();
  EXPECT_EQ(o.decision, Decision::referred);
  EXPECT_EQ(o.people[0].match_attempts, 2);
  EXPECT_EQ(o.people[0].distance, 0.71);
  EXPECT_EQ(o.people[0].face_passed, false);
  EXPECT_EQ(s.gate.state(), LaneState::idle);
}

TEST(GateController, Under14IsReferredBeforeAnyCapture) {
  GateScript s;
  s.arrive();
  s.document("CHILD", "C9");
  s.ineligible({Reason::policy("M3.age", "13 years old on 2025-11-20; the smart channel needs 14")});
  s.audit_written();
  EXPECT_FALSE(contains<CaptureFrame>(s.history));
  EXPECT_FALSE(contains<CaptureFingerprint>(s.history));
  EXPECT_THAT(codes(s.outcome().reasons), ElementsAre("M3.age"));
}

// No consent, an expired permit and a tourism endorsement all come from the policy verdict.
TEST(GateController, EveryPolicyReasonIsReferredWithItsClause) {
  for (const Reason& why : {Reason::policy("M3.consent", "no consent to biometric collection"),
                            Reason::policy("M3.document", "permit expired on 2025-01-31"),
                            Reason::policy("M3.endorsement", "tourism endorsements are not eligible")}) {
    GateScript s;
    s.arrive();
    s.document("H1", "C1");
    s.ineligible({why});
    auto& w = s.audit_written();
    ASSERT_EQ(all_of<Refer>(w).size(), 1u) << why.name();
    EXPECT_EQ(all_of<Refer>(w)[0].reasons, std::vector<Reason>{why});
    EXPECT_FALSE(contains<CaptureFrame>(s.history)) << why.name();
    EXPECT_FALSE(contains<OpenBarrier>(s.history)) << why.name();
  }
}

TEST(GateController, LimitedCapacityTravellerPassesWithTheGuardianInTheSameTransaction) {
  GateScript s;
  s.arrive();
  s.document("WARD", "C1");
  s.eligible(true, {"G1", "G2"});
  s.good_frame();
  auto& m = s.matched(0.3);
  ASSERT_EQ(all_of<ReadDocument>(m).size(), 1u);
  EXPECT_EQ(all_of<ReadDocument>(m)[0].role, Role::guardian);
  EXPECT_EQ(all_of<ShowIndicator>(m).at(0).signal, Signal::guardian_next);
  EXPECT_EQ(s.gate.current_role(), Role::guardian);

  auto& d = s.document("G2", "C2");
  ASSERT_EQ(all_of<CheckPolicy>(d).size(), 1u);
  EXPECT_EQ(all_of<CheckPolicy>(d)[0].role, Role::guardian);
  EXPECT_EQ(all_of<CheckPolicy>(d)[0].holder_id, "G2");
  EXPECT_EQ(all_of<CheckPolicy>(d)[0].document_number, "C2");
  s.eligible();
  // The ward is still in the lane while the guardian looks at the camera: two faces are fine.
  auto& f = s.frame(2, true);
  ASSERT_EQ(all_of<MatchFace>(f).size(), 1u);
  EXPECT_EQ(all_of<MatchFace>(f)[0].holder_id, "G2");
  s.matched(0.4);
  EXPECT_TRUE(contains<OpenBarrier>(s.audit_written()));
  EXPECT_EQ(all_of<OpenBarrier>(s.history).size(), 1u) << "one opening for both";

  const auto o = s.outcome();
  EXPECT_EQ(o.decision, Decision::cleared);
  EXPECT_EQ(o.holder_id, "WARD");
  EXPECT_EQ(o.guardian_id, "G2");
  ASSERT_EQ(o.people.size(), 2u);
  EXPECT_EQ(o.people[1].role, Role::guardian);
  EXPECT_EQ(o.people[1].distance, 0.4);
  const auto t = timings(o);
  EXPECT_TRUE(t.contains("guardian.read_document"));
  EXPECT_TRUE(t.contains("guardian.face"));
}

TEST(GateController, LimitedCapacityTravellerWithoutGuardianIsReferred) {
  GateScript s;
  s.arrive();
  s.document("WARD", "C1");
  s.eligible(true, {"G1"});
  s.good_frame();
  s.matched(0.3);
  s.fire_latest_timer();  // nobody presents a guardian's document
  s.audit_written();
  EXPECT_THAT(codes(s.outcome().reasons), ElementsAre("guardian.document.timeout"));
  EXPECT_FALSE(contains<OpenBarrier>(s.history));
}

TEST(GateController, SomeoneWhoIsNotTheGuardianOnRecordDoesNotCount) {
  GateScript s;
  s.arrive();
  s.document("WARD", "C1");
  s.eligible(true, {"G1"});
  s.good_frame();
  s.matched(0.3);
  s.document("STRANGER", "C7");
  s.audit_written();
  EXPECT_THAT(codes(s.outcome().reasons), ElementsAre("M3.guardian"));
  EXPECT_FALSE(contains<OpenBarrier>(s.history));
}

TEST(GateController, GuardianRequiredButNoneOnRecordIsReferred) {
  GateScript s;
  s.arrive();
  s.document("WARD", "C1");
  s.eligible(true, {});
  s.good_frame();
  s.matched(0.3);
  s.audit_written();
  EXPECT_THAT(codes(s.outcome().reasons), ElementsAre("M3.guardian"));
}

TEST(GateController, DocumentFreeHitIdentifiesThenChecksPolicyOnWhoWasFound) {
  GateConfig config;
  config.channel = Channel::document_free;
  GateScript s(config);
  auto& a = s.arrive();
  EXPECT_FALSE(contains<ReadDocument>(a));
  EXPECT_TRUE(contains<CaptureFrame>(a));
  EXPECT_TRUE(contains<Identify>(s.good_frame()));
  auto& i = s.identified(Candidate{"HK1", 0.31}, Candidate{"HK2", 0.62});
  ASSERT_EQ(all_of<CheckPolicy>(i).size(), 1u);
  EXPECT_EQ(all_of<CheckPolicy>(i)[0].holder_id, "HK1");
  s.eligible();
  EXPECT_TRUE(contains<OpenBarrier>(s.audit_written()));
  const auto o = s.outcome();
  EXPECT_EQ(o.holder_id, "HK1");
  EXPECT_EQ(o.people[0].distance, 0.31);
  EXPECT_EQ(o.people[0].second_distance, 0.62);
}

TEST(GateController, DocumentFreeMissWhenTheRunnerUpIsTooClose) {
  GateConfig config;
  config.channel = Channel::document_free;
  GateScript s(config);
  s.arrive();
  s.good_frame();
  s.identified(Candidate{"HK1", 0.30}, Candidate{"HK2", 0.35});  // margin 0.05 < 0.08
  s.good_frame();
  s.identified(Candidate{"HK1", 0.31}, Candidate{"HK2", 0.36});
  s.audit_written();
  const auto o = s.outcome();
  EXPECT_THAT(codes(o.reasons), ElementsAre("identification.ambiguous"));
  EXPECT_FALSE(contains<CheckPolicy>(s.history)) << "nobody was identified";
  EXPECT_TRUE(o.holder_id.empty());
}

TEST(GateController, DocumentFreeMissWhenNobodyIsNearEnough) {
  GateConfig config;
  config.channel = Channel::document_free;
  config.max_match_attempts = 1;
  GateScript s(config);
  s.arrive();
  s.good_frame();
  s.identified(Candidate{"HK1", 0.55}, std::nullopt);
  s.audit_written();
  EXPECT_THAT(codes(s.outcome().reasons), ElementsAre("identification.not_found"));
}

TEST(GateController, PoorQualityFramesThenAGoodOne) {
  GateScript s;
  s.arrive();
  s.document("H1", "C1");
  s.eligible();
  EXPECT_TRUE(contains<CaptureFrame>(s.frame(0, false)));
  EXPECT_TRUE(contains<CaptureFrame>(s.frame(1, false, {"face too small: 20 px between the eyes"})));
  EXPECT_TRUE(contains<CaptureFrame>(s.frame(1, false, {"too blurred"})));
  EXPECT_TRUE(contains<MatchFace>(s.good_frame()));
  s.matched(0.4);
  s.audit_written();
  const auto o = s.outcome();
  EXPECT_EQ(o.decision, Decision::cleared);
  EXPECT_EQ(o.people[0].frames, 4);
  EXPECT_EQ(o.people[0].frames_rejected, 3);
}

TEST(GateController, NoAcceptableFrameWithinTheFrameLimit) {
  GateConfig config;
  config.max_face_frames = 3;
  GateScript s(config);
  s.arrive();
  s.document("H1", "C1");
  s.eligible();
  s.frame(1, false, {"too dark"});
  s.frame(0, false);
  auto& last = s.frame(1, false, {"head turned"});
  EXPECT_TRUE(contains<WriteAudit>(last));
  s.audit_written();
  const auto o = s.outcome();
  ASSERT_THAT(codes(o.reasons), ElementsAre("face.quality"));
  EXPECT_NE(o.reasons[0].detail.find("head turned"), std::string::npos) << o.reasons[0].detail;
}

TEST(GateController, NoAcceptableFrameWithinTheFaceWindow) {
  GateScript s;
  s.arrive();
  s.document("H1", "C1");
  s.eligible();
  s.frame(1, false, {"too dark"});
  s.fire_latest_timer();
  s.audit_written();
  const auto o = s.outcome();
  EXPECT_THAT(codes(o.reasons), ElementsAre("face.timeout"));
  EXPECT_EQ(timings(o).at("face"), 200ms + 5s);
}

TEST(GateController, ACameraThatGivesNoFrameIsNamedAsStalled) {
  GateScript s;
  s.arrive();
  s.document("H1", "C1");
  s.eligible();  // asks for a frame that never comes
  s.fire_latest_timer();
  s.audit_written();
  const auto o = s.outcome();
  EXPECT_THAT(codes(o.reasons), ElementsAre("face.timeout"));
  EXPECT_NE(o.reasons[0].detail.find("the camera gave no frame for 5 s"), std::string::npos) << o.reasons[0].detail;
  ASSERT_EQ(o.device_faults.size(), 1u);
  EXPECT_EQ(o.device_faults[0].device, Device::camera);
  EXPECT_EQ(o.device_faults[0].what, "stalled: no frame for 5 s");
  EXPECT_EQ(o.device_faults[0].kind, devices::FaultKind::timeout);
}

TEST(GateController, FramesUpToTheTimeoutAreNotAStalledCamera) {
  GateScript s;
  s.arrive();
  s.document("H1", "C1");
  const auto face_window = all_of<StartTimer>(s.eligible()).at(0);
  s.frame(1, false, {"too dark"});
  s.frame(1, false, {"too dark"});
  s.send(TimerFired{s.next(), face_window.id});  // 200 ms after the last frame
  s.audit_written();
  const auto o = s.outcome();
  EXPECT_THAT(codes(o.reasons), ElementsAre("face.timeout"));
  EXPECT_EQ(o.reasons[0].detail.find("camera"), std::string::npos) << o.reasons[0].detail;
  EXPECT_TRUE(o.device_faults.empty());
}

TEST(GateController, TwoFacesIsTailgatingReferAndAlarm) {
  GateScript s;
  s.arrive();
  s.document("H1", "C1");
  s.eligible();
  auto& f = s.frame(2, true);
  ASSERT_TRUE(contains<RaiseAlarm>(f));
  EXPECT_LT(index_of<RaiseAlarm>(f), index_of<WriteAudit>(f)) << "the alarm does not wait for the log";
  EXPECT_FALSE(contains<MatchFace>(f));
  s.audit_written();
  const auto o = s.outcome();
  EXPECT_THAT(codes(o.reasons), ElementsAre("tailgating"));
  EXPECT_TRUE(o.alarm);
}

TEST(GateController, CameraUnpluggedMidTransactionIsReferredAndTheLaneRecovers) {
  GateScript s;
  s.arrive();
  s.document("H1", "C1");
  s.eligible();
  const auto stale = s.awaited();  // the CaptureFrame in flight
  // The text names another kind: the record keeps the kind the event carries.
  s.fault(Device::camera, "camera: timeout: unplugged", devices::FaultKind::corrupt);
  s.audit_written();
  const auto first = s.outcome();
  EXPECT_THAT(codes(first.reasons), ElementsAre("device.camera"));
  ASSERT_EQ(first.device_faults.size(), 1u);
  EXPECT_EQ(first.device_faults[0].device, Device::camera);
  EXPECT_EQ(first.device_faults[0].kind, devices::FaultKind::corrupt);
  EXPECT_EQ(to_json(first)["device_faults"][0]["kind"], "corrupt");
  EXPECT_EQ(s.gate.state(), LaneState::idle);

  // The frame the camera never delivered arrives late: ignored.
  EXPECT_TRUE(s.send(FrameAnalysed{s.next(), stale, 1, true, {}, ""}).empty());

  s.genuine_until_audit("H2");
  s.audit_written();
  const auto second = s.outcome();
  EXPECT_EQ(second.transaction, 2u);
  EXPECT_EQ(second.decision, Decision::cleared);
  EXPECT_TRUE(second.device_faults.empty());
}

TEST(GateController, FingerprintReaderTimeoutIsReferred) {
  GateScript s(with_fingerprint());
  s.arrive();
  s.document("H1", "C1");
  s.eligible();
  s.good_frame();
  auto& m = s.matched(0.3);
  ASSERT_EQ(all_of<CaptureFingerprint>(m).size(), 1u);
  EXPECT_EQ(all_of<CaptureFingerprint>(m)[0].holder_id, "H1");
  s.fire_latest_timer();
  s.audit_written();
  EXPECT_THAT(codes(s.outcome().reasons), ElementsAre("fingerprint.timeout"));
  // A reader waits for the finger: named in the reason, not recorded as a fault.
  EXPECT_NE(s.outcome().reasons[0].detail.find("still waiting for the fingerprint_reader"), std::string::npos);
  EXPECT_TRUE(s.outcome().device_faults.empty());
  EXPECT_EQ(timings(s.outcome()).at("fingerprint"), 8s);
}

TEST(GateController, FingerprintRetriedAfterAPoorCaptureThenMatched) {
  GateScript s(with_fingerprint());
  s.genuine_until_audit();
  EXPECT_TRUE(contains<CaptureFingerprint>(s.fingerprint(FingerprintOutcome::poor_capture)));
  EXPECT_TRUE(contains<WriteAudit>(s.fingerprint(FingerprintOutcome::matched)));
  s.audit_written();
  const auto o = s.outcome();
  EXPECT_EQ(o.decision, Decision::cleared);
  EXPECT_EQ(o.people[0].fingerprint_attempts, 2);
  EXPECT_EQ(o.people[0].fingerprint_matched, true);
}

TEST(GateController, FingerprintMismatchAfterTheAttemptLimit) {
  GateScript s(with_fingerprint());
  s.genuine_until_audit();
  for (int i = 0; i < 3; ++i) s.fingerprint(FingerprintOutcome::not_matched);
  s.audit_written();
  EXPECT_THAT(codes(s.outcome().reasons), ElementsAre("fingerprint.no_match"));
  EXPECT_EQ(s.outcome().people[0].fingerprint_matched, false);
}

TEST(GateController, UnreadableDocumentIsRetriedThenReferred) {
  GateScript s;
  s.arrive();
  EXPECT_TRUE(contains<ReadDocument>(s.unreadable_document("chip did not answer")));
  s.unreadable_document("chip did not answer");
  s.audit_written();
  EXPECT_THAT(codes(s.outcome().reasons), ElementsAre("document.unreadable"));
}

TEST(GateController, FailedAuditWriteKeepsTheBarrierShut) {
  GateScript s;
  s.genuine_until_audit();
  auto& w = s.audit_written(false, "disk full");
  EXPECT_FALSE(contains<OpenBarrier>(w));
  EXPECT_TRUE(contains<RaiseAlarm>(w));
  EXPECT_TRUE(contains<Refer>(w));
  const auto o = s.outcome();
  EXPECT_EQ(o.decision, Decision::referred);
  EXPECT_THAT(codes(o.reasons), ElementsAre("audit.failed"));
}

TEST(GateController, CancelledTimersAndArrivalsMidTransactionAreIgnored) {
  GateScript s;
  s.arrive();
  const auto document_timer = all_of<StartTimer>(s.last).at(0).id;
  s.document("H1", "C1");
  EXPECT_TRUE(s.send(TimerFired{s.next(), document_timer}).empty());
  EXPECT_TRUE(s.send(TravellerArrived{s.next()}).empty());
  EXPECT_EQ(s.gate.current_step(), Step::check_policy);
}

TEST(GateController, FaultsBetweenTransactionsGoIntoTheNextRecord) {
  GateScript s;
  s.fault(Device::document_reader, "reconnected after a USB reset", devices::FaultKind::end_of_stream);
  s.genuine_until_audit();
  s.audit_written();
  const auto o = s.outcome();
  EXPECT_EQ(o.decision, Decision::cleared);
  ASSERT_EQ(o.device_faults.size(), 1u);
  EXPECT_EQ(o.device_faults[0].device, Device::document_reader);
  EXPECT_EQ(o.device_faults[0].kind, devices::FaultKind::end_of_stream);
}

TEST(GateController, StepOrderIsConfigurableAndChecked) {
  GateConfig config = with_fingerprint();
  // Fingerprint first is not allowed: it needs to know whose fingerprint.
  config.steps = {Step::read_document, Step::check_policy, Step::fingerprint, Step::face};
  EXPECT_THROW(GateController{config}, models::InputError);
  config.steps = {Step::check_policy, Step::read_document, Step::face};
  EXPECT_THROW(GateController{config}, models::InputError);
  config.steps = {Step::read_document, Step::face, Step::check_policy};  // face before policy: allowed
  EXPECT_NO_THROW(GateController{config});
  config.channel = Channel::document_free;
  EXPECT_THROW(GateController{config}, models::InputError);  // no document in that channel
  GateConfig bad;
  bad.max_face_frames = 0;
  EXPECT_THROW(GateController{bad}, models::InputError);
  bad = {};
  bad.match_threshold = 0;
  EXPECT_THROW(GateController{bad}, models::InputError);
}

// A driver that keeps actions (this script keeps them all) keeps what they said: the audit
// timing added after the write and the next transaction do not change the records it holds.
TEST(GateController, ARecordAnActionHoldsNeverChanges) {
  GateScript s;
  s.genuine_until_audit("H1");
  const auto written = all_of<WriteAudit>(s.last).at(0).outcome;
  s.audit_written();
  const auto first = all_of<Completed>(s.last).at(0).outcome;
  EXPECT_FALSE(timings(*written).contains("audit"));
  EXPECT_TRUE(timings(*first).contains("audit"));
  s.send(TravellerPassed{s.next()});
  s.genuine_until_audit("H2");
  s.audit_written();
  EXPECT_EQ(s.outcome().transaction, 2u);
  EXPECT_EQ(s.outcome().holder_id, "H2");
  EXPECT_EQ(first->transaction, 1u);
  EXPECT_EQ(first->holder_id, "H1");
  EXPECT_EQ(written->decision, Decision::cleared);
  EXPECT_FALSE(timings(*written).contains("audit"));
}

// A driver that drops each event's actions before the next event (the simulator) gets the
// controller's one record every time: no copy per transaction.
TEST(GateController, ADriverThatDropsItsActionsSharesOneRecord) {
  GateController gate{GateConfig{}};
  std::vector<Action> out;
  Time now{};
  const auto answer = [&](auto event) {
    event.at = now += 200ms;
    event.request = gate.awaited_request().value();
    gate.handle(event, out);
  };
  std::vector<const TransactionOutcome*> completed;
  for (int t = 0; t < 3; ++t) {
    gate.handle(TravellerArrived{now}, out);
    answer(DocumentRead{{}, 0, DocumentInfo{"H" + std::to_string(t), "C1"}, ""});
    answer(PolicyChecked{{}, 0, true, {}, false, {}});
    answer(FrameAnalysed{{}, 0, 1, true, {}, ""});
    answer(FaceMatched{{}, 0, true, 0.3});
    const TransactionOutcome* written = std::get<WriteAudit>(out.back()).outcome.get();
    answer(AuditWritten{{}, 0, true, ""});
    const auto& done = std::get<Completed>(out.back()).outcome;
    EXPECT_EQ(done.get(), written);
    EXPECT_EQ(done->holder_id, "H" + std::to_string(t));
    EXPECT_EQ(done->timings.size(), 4u);  // read_document, check_policy, face, audit
    completed.push_back(done.get());
    gate.handle(TravellerPassed{now}, out);
  }
  EXPECT_EQ(completed[1], completed[0]);
  EXPECT_EQ(completed[2], completed[0]);
}

TEST(GateController, OutcomeAsJsonCarriesDecisionReasonsScoresAndTimings) {
  GateScript s;
  s.genuine_until_audit();
  s.audit_written();
  const auto j = to_json(s.outcome());
  EXPECT_EQ(j["decision"], "cleared");
  EXPECT_EQ(j["holder_id"], "H1");
  EXPECT_DOUBLE_EQ(j["people"][0]["distance"].get<double>(), 0.35);
  EXPECT_DOUBLE_EQ(j["timings_ms"]["face"].get<double>(), 400.0);
  EXPECT_DOUBLE_EQ(j["total_ms"].get<double>(), 800.0);
}

}  // namespace
}  // namespace gatesim::gate
