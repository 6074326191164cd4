#include "sim/controller_gate_model.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <optional>
#include <string_view>
#include <utility>
#include <variant>

#include "biometrics/presentation_attacks.hpp"

// g++ 12 at -O3 reports the moves of a gate::Event (a std::variant) inside
// std::vector::push_back as "may be used uninitialized" in this file: a false positive of its
// variant/vector inlining (the same code compiled inside another translation unit did not trip
// it). Only this warning, only here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace gatesim::sim {
namespace {

// A gate run by the real gate controller: its one outstanding delayed reply (a document read, a
// frame, a fingerprint, the traveller walking out) and which members of the party it is serving.
struct Lane {
  std::unique_ptr<gate::GateController> controller;
  std::uint64_t reply_token = 0;  // bumps to drop a reply the controller no longer awaits
  // One event of each delayed kind, written over in place for each reply (their strings and
  // lists keep their buffers: no allocation per reply), and the one that is due (nullptr: none).
  gate::Event document_read{std::in_place_type<gate::DocumentRead>};
  gate::Event frame{std::in_place_type<gate::FrameAnalysed>};
  gate::Event fingerprint{std::in_place_type<gate::FingerprintResult>};
  gate::Event passed{std::in_place_type<gate::TravellerPassed>};
  const gate::Event* pending = nullptr;
  Transactions plan;
  std::uint8_t next_transaction = 0;
  std::uint8_t traveller = 0;  // member in the transaction under way
  bool completed = false;      // the controller reported Completed for it
  // The member whose liveness verdict the pending frame carries (-1: none). Drawn when the
  // frame was asked for; if the reply is dropped (a fault, a timer ended the step) the gate
  // never saw it, so it is forgotten (Member::judged_live), as the sampled model forgets it.
  std::int8_t verdict_in_flight = -1;
  SimTime barrier_opened = 0;
  int tailgaters = 0;  // drawn to follow the traveller out when the barrier opened
  const FaceImages::Analysed* last_frame = nullptr;  // image-level mode: the frame to match
  // Started and not cancelled, with their kernel FIFOs; a cancelled one the kernel could not
  // drop (EventQueue::cancel_last_timeout) is ignored when it comes.
  struct Timer {
    std::uint64_t id;
    std::size_t fifo;
  };
  std::vector<Timer> timers;
};

class ControllerGateModel final : public GateModel {
 public:
  // requires: `parts` outlive the model. `gate_channels`: by server, the channel of each
  //           simulated gate (a controller each), -1 for the others.
  ControllerGateModel(const GateModelParts& parts, const std::vector<int>& gate_channels)
      : parts_(parts), events_(parts.events), devices_(parts.devices), passback_(parts.passback),
        lanes_(gate_channels.size()) {
    for (std::size_t g = 0; g < gate_channels.size(); ++g)
      if (gate_channels[g] >= 0)
        lanes_[g].controller = std::make_unique<gate::GateController>(parts.config_of(gate_channels[g]));
  }

  void handle(const SimEvent& e) override {
    if (e.kind == kLaneReply) on_lane_reply(e);
    else on_lane_timer(e);
  }

  // The controller decides what a fault means for the transaction under way. A simulated gate
  // failure is out of service until repaired, as if unplugged.
  void fault(std::uint32_t server) override {
    feed(server,
         gate::DeviceFault{at(), gate::Device::camera, devices::FaultKind::disconnected, "gate fault (simulated)"});
  }

  // One transaction per traveller; a ward with limited capacity passes in one transaction with
  // the guardian (member 0), as the controller pairs them.
  void serve(std::uint32_t server, int, Party& p) override {
    Lane& lane = lanes_[server];
    lane.plan = transactions(p);
    lane.next_transaction = 0;
    next_transaction(server);
  }

 private:
  void next_transaction(std::uint32_t server) {
    Lane& lane = lanes_[server];
    Party& p = parts_.hall.party_at(server);
    if (lane.verdict_in_flight >= 0) p.members[lane.verdict_in_flight].judged_live = -1;
    lane.verdict_in_flight = -1;
    if (p.referred || lane.next_transaction == lane.plan.count) {
      ++lane.reply_token;
      lane.pending = nullptr;
      parts_.hall.finish_service(server);
      return;
    }
    lane.traveller = lane.plan.traveller[lane.next_transaction++];
    lane.completed = false;
    feed(server, gate::TravellerArrived{gate::Time(events_.now())});
  }

  Member& lane_member(std::uint32_t server, gate::Role role) {
    const Lane& lane = lanes_[server];
    Party& p = parts_.hall.party_at(server);
    return p.members[role == gate::Role::guardian ? 0 : lane.traveller];
  }

  // `reply` (one of the lane's reply events, already written) is handed to the controller after `delay`.
  void reply_later(std::uint32_t server, SimTime delay, const gate::Event& reply) {
    Lane& lane = lanes_[server];
    lane.pending = &reply;
    events_.schedule_in(delay, kLaneReply, server, ++lane.reply_token);
  }

  // `answer` (one of the immediate answer events, already written) is handed to the controller
  // once it is done with the event under way (feed()). The controller awaits one request at a
  // time, so one answer is due at a time; should more come, the others are copied and follow in order.
  void answer_now(const gate::Event& answer) {
    if (due_now_ || overflow_next_ < overflow_.size()) overflow_.push_back(answer);
    else due_now_ = &answer;
  }

  void on_lane_reply(const SimEvent& e) {
    Lane& lane = lanes_[e.target];
    if (e.data != lane.reply_token || !lane.pending) return;  // superseded (timeout, fault)
    if (lane.pending == &lane.passed && parts_.hall.serving(e.target))
      lane_member(e.target, gate::Role::traveller).exit_s =
          static_cast<float>(to_seconds(events_.now() - lane.barrier_opened));
    lane.verdict_in_flight = -1;  // the verdict reaches the gate
    // Fed in place: feed() is done with its event once the controller has handled it, before
    // any action can set the lane's next reply (which bumps the token: that one stays).
    feed(e.target, *lane.pending);
    if (lane.reply_token == e.data) lane.pending = nullptr;
  }

  // A cancelled timer the kernel kept comes when due; the controller would ignore it, so it is
  // dropped here.
  void on_lane_timer(const SimEvent& e) {
    auto& timers = lanes_[e.target].timers;
    const auto live = std::find_if(timers.begin(), timers.end(), [&](const Lane::Timer& t) { return t.id == e.data; });
    if (live == timers.end()) return;
    timers.erase(live);
    feed(e.target, gate::TimerFired{gate::Time(events_.now()), e.data});
  }

  // Hands `event` to the gate's controller and carries out its actions: delayed answers become
  // kernel events, immediate ones (policy, matching, audit) are fed back at once.
  // The buffers are reused (no allocation per event once warm): no act() calls feed(), and the
  // nested feed() of next_transaction() comes after this one is done with them. `event` is
  // read only until the controller has handled it (an action may replace the lane's reply).
  void feed(std::uint32_t server, const gate::Event& event) {
    Lane& lane = lanes_[server];
    due_now_ = nullptr;
    overflow_.clear();
    overflow_next_ = 0;
    auto handle = [&](const gate::Event& e) {
      lane.controller->handle(e, actions_);
      for (const auto& action : actions_) std::visit([&](const auto& a) { act(server, a); }, action);
    };
    handle(event);
    for (;;) {
      if (due_now_) handle(*std::exchange(due_now_, nullptr));
      else if (overflow_next_ < overflow_.size()) handle(overflow_[overflow_next_++]);
      else break;
    }
    if (lane.completed && lane.controller->state() == gate::LaneState::idle && parts_.hall.serving(server)) {
      lane.completed = false;
      next_transaction(server);
    }
  }

  gate::Time at() const { return gate::Time(events_.now()); }

  void act(std::uint32_t server, const gate::ReadDocument& a) {
    Lane& lane = lanes_[server];
    const Member& m = lane_member(server, a.role);
    const SimTime delay = devices_.step_time(parts_.scenario.steps.document, m);
    auto& read = std::get<gate::DocumentRead>(lane.document_read);
    read.at = at() + gate::Duration(delay);
    read.request = a.request;
    gate::DocumentInfo& document = read.document ? *read.document : read.document.emplace();
    GateDevices::assign_tagged_id(document.holder_id, GateDevices::kHolderTag, person(m));
    GateDevices::assign_tagged_id(document.document_number, 'D', person(m));
    read.problem.clear();
    if (a.role == gate::Role::traveller && passback_.may_be_known(m))
      seed_passback(server, document.holder_id, at() + gate::Duration(delay));
    reply_later(server, delay, lane.document_read);
  }

  // The controller asks about the person whose document was read or whom the gallery found:
  // one of the party (P ids) gets the engine's verdict; someone else the gallery matched (X, Y)
  // is assumed eligible, so the simulation shows what a false identification lets through.
  void act(std::uint32_t server, const gate::CheckPolicy& a) {
    auto& checked = std::get<gate::PolicyChecked>(policy_answer_);
    checked.at = at();
    checked.request = a.request;
    checked.eligible = true;
    checked.reasons.clear();
    checked.guardian_required = false;
    checked.guardian_ids.clear();
    if (a.holder_id.empty() || a.holder_id[0] == GateDevices::kHolderTag) {
      const Party& p = parts_.hall.party_at(server);
      const int i = a.role == gate::Role::guardian ? 0 : lanes_[server].traveller;
      const Verdict& v = *p.members[i].gate_verdict;
      checked.eligible = v.reasons == 0;
      for (std::uint32_t bits = v.reasons; bits != 0; bits &= bits - 1)  // each set bit, lowest first
        checked.reasons.push_back(
            gate::Reason::policy(parts_.reasons.name_of(static_cast<std::size_t>(std::countr_zero(bits))), ""));
      checked.guardian_required = v.guardian_required;
      if (v.guardian_required && i > 0 && p.has_guardian) checked.guardian_ids.push_back(GateDevices::holder_id(p.members[0]));
    }
    answer_now(policy_answer_);
  }

  void act(std::uint32_t server, const gate::CaptureFrame& a) {
    Lane& lane = lanes_[server];
    Member& m = lane_member(server, a.role);
    const SimTime delay = devices_.step_time(parts_.scenario.steps.frame, m);
    std::optional<biometrics::LivenessMeasurements> liveness;
    if (a.first) m.liveness_frames = 0;  // a face step starts: the lane's detector starts afresh
    if (devices_.pad().on()) {
      // Before the check's last frame the detector is still collecting; the verdict (in image
      // mode the real detector's, which is costly) is taken only once that frame is reached.
      if (++m.liveness_frames < lanes_[server].controller->config().liveness.min_frames) {
        liveness.emplace().frames = m.liveness_frames;
      } else {
        const bool frozen = m.profile.attack && m.profile.attack_kind == std::uint8_t(biometrics::AttackKind::frozen);
        liveness = devices_.pad().measurements(devices_.judged_live(m), frozen, m.liveness_frames);
        lanes_[server].verdict_in_flight =
            static_cast<std::int8_t>(a.role == gate::Role::guardian ? 0 : lanes_[server].traveller);
      }
    }
    auto& frame = std::get<gate::FrameAnalysed>(lane.frame);
    frame.at = at() + gate::Duration(delay);
    frame.request = a.request;
    frame.image_path.clear();
    frame.liveness = liveness;
    if (a.liveness_only) {  // the face already matched: as the sampled model, no failure draw and no image analysed
      frame.face_count = 1;
      frame.quality_ok = true;
      frame.quality_reasons.clear();
      reply_later(server, delay, lane.frame);
      return;
    }
    const GateDevices::Frame drawn = devices_.draw_frame(m);
    lane.last_frame = drawn.image;
    frame.face_count = drawn.faces;
    frame.quality_ok = drawn.quality_ok;
    if (drawn.image) frame.quality_reasons = drawn.image->reasons;
    else if (!drawn.quality_ok) frame.quality_reasons.assign(1, "quality below threshold (simulated)");
    else frame.quality_reasons.clear();
    reply_later(server, delay, lane.frame);
  }

  void act(std::uint32_t server, const gate::MatchFace& a) {
    const Member& m = lane_member(server, lanes_[server].controller->current_role());
    std::get<gate::FaceMatched>(match_answer_) =
        gate::FaceMatched{at(), a.request, true, devices_.match_distance(m, lanes_[server].last_frame)};
    answer_now(match_answer_);
  }

  void act(std::uint32_t server, const gate::Identify& a) {
    const gate::Role role = lanes_[server].controller->current_role();
    auto& found = std::get<gate::IdentificationDone>(identified_);
    found = devices_.identify(lane_member(server, role), lanes_[server].last_frame, a.request, at());
    if (role == gate::Role::traveller && found.best && passback_.may_be_known(lane_member(server, role)))
      seed_passback(server, found.best->holder_id, at());
    answer_now(identified_);
  }

  void act(std::uint32_t server, const gate::CaptureFingerprint& a) {
    Lane& lane = lanes_[server];
    const Member& m = lane_member(server, lane.controller->current_role());
    const SimTime delay = devices_.step_time(parts_.scenario.steps.fingerprint_time, m);
    const bool matched = devices_.fingerprint_matches(m);
    std::get<gate::FingerprintResult>(lane.fingerprint) =
        gate::FingerprintResult{at() + gate::Duration(delay), a.request,
                                matched ? gate::FingerprintOutcome::matched : gate::FingerprintOutcome::not_matched};
    reply_later(server, delay, lane.fingerprint);
  }

  void act(std::uint32_t server, const gate::StartTimer& a) {
    lanes_[server].timers.push_back({a.id, events_.schedule_timeout(a.duration.count(), kLaneTimer, server, a.id)});
  }

  void act(std::uint32_t server, const gate::CancelTimer& a) {
    auto& timers = lanes_[server].timers;
    const auto live = std::find_if(timers.begin(), timers.end(), [&](const Lane::Timer& t) { return t.id == a.id; });
    if (live == timers.end()) return;
    events_.cancel_last_timeout(live->fifo, kLaneTimer, server, a.id);
    timers.erase(live);
  }

  // The audit log is not simulated: a write is durable at once.
  void act(std::uint32_t, const gate::WriteAudit& a) {
    auto& written = std::get<gate::AuditWritten>(audit_answer_);
    written.at = at();
    written.request = a.request;
    written.ok = true;
    written.problem.clear();
    answer_now(audit_answer_);
  }

  // The exit sensor reports when the traveller has walked out and how many went through: the
  // people cleared (set at Completed, which follows) and anyone who followed them uncleared.
  void act(std::uint32_t server, const gate::OpenBarrier&) {
    Lane& lane = lanes_[server];
    lane.barrier_opened = events_.now();
    const GateDevices::Passage passage = devices_.passage(lane_member(server, gate::Role::traveller),
                                                          lane.controller->config().exit_timeout.count());
    lane.tailgaters = passage.tailgaters;
    std::get<gate::TravellerPassed>(lane.passed) = gate::TravellerPassed{at() + gate::Duration(passage.walk)};
    reply_later(server, passage.walk, lane.passed);
  }

  // The controller found more people in the passage than it cleared: it has raised the alarm,
  // and the hall takes the tailgater in.
  void act(std::uint32_t server, const gate::RecordIncident& a) {
    if (a.what.code == gate::ReasonCode::passage_tailgating)
      parts_.hall.tailgated(server, lane_member(server, gate::Role::traveller).id);
  }

  void act(std::uint32_t server, const gate::Completed& a) {
    Lane& lane = lanes_[server];
    lane.completed = true;
    Party& p = parts_.hall.party_at(server);
    const gate::TransactionOutcome& o = *a.outcome;
    const bool referred = o.decision == gate::Decision::referred;
    if (!referred && passback_.on())  // the lane recorded the same in its own ledger
      for (const gate::PersonEvidence& e : o.people)
        if (!e.holder_id.empty() && e.holder_id[0] == GateDevices::kHolderTag) passback_.record(server, e.holder_id, at());
    // The controller's first reason says whose step failed (Reason::role) and whether the face
    // step failed to acquire (its typed code). Its bit is taken here, before the evidence's,
    // so the table lists the reasons in the order they first appear.
    bool guardian_failed = false, fta_reason = false;
    if (referred && !o.reasons.empty()) {
      const gate::Reason& first = o.reasons.front();
      guardian_failed = first.role == gate::Role::guardian;
      parts_.reasons.bit(first.code_name());
      fta_reason = is_fta(first.code);
    }
    for (const gate::PersonEvidence& e : o.people) {
      GateEvidence seen{e.frames, e.match_attempts, e.distance, e.face_passed, e.fingerprint_matched};
      for (const auto& t : o.timings) {
        if (t.role != e.role) continue;
        const auto secs = static_cast<float>(std::chrono::duration<double>(t.duration).count());
        if (t.step == gate::Step::read_document) seen.document_s = secs;
        else if (t.step == gate::Step::face) seen.face_s = secs;
        else if (t.step == gate::Step::fingerprint) seen.fingerprint_s = secs;
      }
      // A bona fide refusal is the check's verdict, not a face window that ended first.
      seen.liveness_refused = e.liveness && e.liveness->verdict == biometrics::LivenessVerdict::attack;
      record_evidence(lane_member(server, e.role), seen,
                      referred && (e.role == gate::Role::guardian) == guardian_failed, fta_reason);
    }
    if (!referred) {
      std::get<gate::TravellerPassed>(lane.passed).people = static_cast<int>(o.people.size()) + lane.tailgaters;
      return;
    }
    p.referred = true;
    // Each reason goes on the member it concerns, as in the sampled model: a guardian stopped by
    // liveness is the one with face.liveness, not the ward.
    for (const auto& r : o.reasons) lane_member(server, r.role).reasons |= parts_.reasons.bit(r.code_name());
    refer_the_rest(p);
  }

  // Indicators, alarms (RecordIncident, above, carries what the hall needs), barrier closing
  // and the referral itself (Completed carries it) need nothing from the simulation.
  template <class Other>
  void act(std::uint32_t, const Other&) {}


  // Before a lane asks about `holder` at `at`, it is given the hall's clearance of them within
  // the window (another lane's, or its own), as a live lane is given its audit log's
  // (gate::LaneDriver); the lane's own ledger then applies the rule.
  void seed_passback(std::uint32_t server, const std::string& holder, gate::Time at) {
    if (const gate::Clearance* earlier = passback_.earlier(holder, at)) lanes_[server].controller->remember(*earlier);
  }

  const GateModelParts parts_;
  EventQueue& events_;
  GateDevices& devices_;
  HallPassback& passback_;
  std::vector<Lane> lanes_;          // by server; a controller only on simulated gates
  // feed()'s buffers: the controller's actions, and the immediate answers (policy, matching,
  // identification, audit), one event of each kind written over in place, the one due next
  // (nullptr: none) and any more due (not expected: see answer_now).
  std::vector<gate::Action> actions_;
  gate::Event policy_answer_{std::in_place_type<gate::PolicyChecked>};
  gate::Event match_answer_{std::in_place_type<gate::FaceMatched>};
  gate::Event identified_{std::in_place_type<gate::IdentificationDone>};
  gate::Event audit_answer_{std::in_place_type<gate::AuditWritten>};
  const gate::Event* due_now_ = nullptr;
  std::vector<gate::Event> overflow_;
  std::size_t overflow_next_ = 0;
};

}  // namespace

std::unique_ptr<GateModel> make_controller_gate_model(const GateModelParts& parts,
                                                      const std::vector<int>& gate_channels) {
  return std::make_unique<ControllerGateModel>(parts, gate_channels);
}

}  // namespace gatesim::sim
