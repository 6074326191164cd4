#include "gate/gate_controller.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <cassert>

#include "models/input_error.hpp"

namespace gatesim::gate {
namespace {

std::string fixed3(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", value);
  return text;
}

// The device whose answer a request waits for; nullopt for the lane's own services.
std::optional<Device> device_answering(const ReadDocument&) { return Device::document_reader; }
std::optional<Device> device_answering(const CaptureFrame&) { return Device::camera; }
std::optional<Device> device_answering(const CaptureFingerprint&) { return Device::fingerprint_reader; }
std::optional<Device> device_answering(const auto&) { return std::nullopt; }

std::string seconds(Duration d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g s", std::chrono::duration<double>(d).count());
  return text;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string text;
  for (const auto& part : parts) text += (text.empty() ? "" : "; ") + part;
  return text;
}

}  // namespace

void validate(const GateConfig& c) {
  auto fail = [](const std::string& what) { throw models::InputError("gate configuration: " + what); };
  auto position = [&](Step step) {
    auto it = std::find(c.steps.begin(), c.steps.end(), step);
    if (std::count(c.steps.begin(), c.steps.end(), step) > 1) fail("step " + to_string(step) + " appears twice");
    return it == c.steps.end() ? -1 : static_cast<int>(it - c.steps.begin());
  };
  const int document = position(Step::read_document), policy = position(Step::check_policy),
            face = position(Step::face), fingerprint = position(Step::fingerprint), guardian = position(Step::guardian);
  if (position(Step::audit) >= 0) fail("audit is not a step to plan: every transaction ends with it");
  if (policy < 0 || face < 0) fail("steps must include check_policy and face");
  if (c.channel == Channel::document) {
    if (document < 0 || document > policy || document > face)
      fail("the document channel reads the document before check_policy and face");
  } else {
    if (document >= 0) fail("the document-free channel has no read_document step");
    if (face > policy) fail("the document-free channel identifies the face before check_policy");
  }
  if (fingerprint >= 0 && fingerprint < face) fail("fingerprint comes after face (it needs to know who)");
  if (guardian >= 0 && guardian < policy) fail("guardian comes after check_policy (the verdict asks for it)");
  auto positive = [&](auto value, const char* name) {
    if (value <= decltype(value){}) fail(std::string(name) + " must be positive");
  };
  positive(c.document_timeout, "document_timeout");
  positive(c.service_timeout, "service_timeout");
  positive(c.face_window, "face_window");
  positive(c.fingerprint_timeout, "fingerprint_timeout");
  positive(c.exit_timeout, "exit_timeout");
  positive(c.camera_stall, "camera_stall");
  positive(c.max_document_attempts, "max_document_attempts");
  positive(c.max_face_frames, "max_face_frames");
  positive(c.max_match_attempts, "max_match_attempts");
  positive(c.max_faces_in_frame, "max_faces_in_frame");
  positive(c.guardian_max_faces_in_frame, "guardian_max_faces_in_frame");
  positive(c.max_fingerprint_attempts, "max_fingerprint_attempts");
  for (auto [value, name] : {std::pair{c.match_threshold, "match_threshold"},
                             std::pair{c.identification_threshold, "identification_threshold"}})
    if (!(value > 0 && value <= 2)) fail(std::string(name) + " must be in (0, 2]");
  if (!(c.identification_margin >= 0 && c.identification_margin < 2)) fail("identification_margin must be in [0, 2)");
  if (c.passback_window < Duration::zero()) fail("passback_window must not be negative");
  if (c.liveness.mode != biometrics::LivenessMode::off) {
    try {
      c.liveness.validate();
    } catch (const models::InputError& e) {
      fail(e.what());
    }
    if (c.liveness.time_budget_s > std::chrono::duration<double>(c.face_window).count())
      fail("liveness time_budget_s must be within face_window");
  }
}

std::string to_string(Signal signal) {
  switch (signal) {
    case Signal::ready: return "ready";
    case Signal::present_document: return "present_document";
    case Signal::look_at_camera: return "look_at_camera";
    case Signal::place_finger: return "place_finger";
    case Signal::guardian_next: return "guardian_next";
    case Signal::proceed: return "proceed";
    case Signal::go_to_counter: return "go_to_counter";
  }
  return "?";
}

bool judge_match(double distance, const GateConfig& config) { return distance < config.match_threshold; }

Identification judge_identification(std::optional<double> best, std::optional<double> second, const GateConfig& config) {
  if (!best || *best >= config.identification_threshold) return Identification::not_found;
  if (second && *second - *best < config.identification_margin) return Identification::ambiguous;
  return Identification::identified;
}

std::vector<Step> default_steps(Channel channel) {
  if (channel == Channel::document) return {Step::read_document, Step::check_policy, Step::face, Step::guardian};
  return {Step::face, Step::check_policy, Step::guardian};
}

GateController::GateController(GateConfig config)
    : config_(std::move(config)), outcome_(std::make_shared<TransactionOutcome>()) {
  if (config_.steps.empty()) config_.steps = default_steps(config_.channel);
  validate(config_);
  passback_ = PassbackLedger(config_.passback_window);
}

std::optional<Step> GateController::current_step() const {
  if (state_ != LaneState::in_step) return std::nullopt;
  return plan_[step_index_].step;
}

Role GateController::current_role() const {
  return state_ == LaneState::in_step ? plan_[step_index_].role : Role::traveller;
}

std::vector<Action> GateController::handle(const Event& event) {
  std::vector<Action> out;
  handle(event, out);
  return out;
}

void GateController::handle(const Event& event, std::vector<Action>& out) {
  out.clear();
  std::visit(
      [&](const auto& e) {
        now_ = e.at;
        on(e, out);
      },
      event);
}

// ---- Transaction and step bookkeeping ----

// From here to decide() no action holds the record (WriteAudit is the first), so the steps
// change outcome_ in place.
void GateController::begin_transaction(Time at, std::vector<Action>& out) {
  if (outcome_.use_count() > 1) {
    outcome_ = std::make_shared<TransactionOutcome>();  // a driver keeps the last one
  } else {
    outcome_->clear();  // keeps the capacity: a warm lane allocates nothing per transaction
  }
  TransactionOutcome& o = *outcome_;
  o.transaction = ++transactions_;
  o.channel = config_.channel;
  o.started_at = at;
  o.device_faults = std::move(faults_between_transactions_);
  faults_between_transactions_.clear();
  o.people.emplace_back();
  plan_.clear();
  for (Step step : config_.steps) plan_.push_back({step, Role::traveller});
  step_index_ = 0;
  guardian_required_ = false;
  guardian_ids_.clear();
  guardian_document_.clear();
  state_ = LaneState::in_step;
  enter_step(at, out);
}

Reason GateController::reason(ReasonCode code, std::string detail) const {
  return {code, std::move(detail), current_role()};
}

TransactionOutcome& GateController::outcome() {
  if (outcome_.use_count() > 1) outcome_ = std::make_shared<TransactionOutcome>(*outcome_);
  return *outcome_;
}

template <class Request, class... Fields>
void GateController::request(std::vector<Action>& out, Fields&&... fields) {
  const std::uint64_t id = next_id();
  const auto& action = std::get<Request>(out.emplace_back(std::in_place_type<Request>, id, std::forward<Fields>(fields)...));
  awaited_ = id;
  awaited_device_ = device_answering(action);
  awaited_since_ = now_;
}

void GateController::record_timing(Time at) {
  const auto [step, role] = plan_[step_index_];
  outcome_->timings.push_back({step, role, at - step_started_});
}

void GateController::start_step_timer(Duration duration, std::vector<Action>& out) {
  stop_step_timer(out);
  step_timer_ = next_id();
  out.push_back(StartTimer{*step_timer_, duration});
}

void GateController::stop_step_timer(std::vector<Action>& out) {
  if (step_timer_) out.push_back(CancelTimer{*step_timer_});
  step_timer_.reset();
}

void GateController::enter_step(Time at, std::vector<Action>& out) {
  if (step_index_ == plan_.size()) {
    decide(at, {}, out);
    return;
  }
  const auto [step, role] = plan_[step_index_];
  step_started_ = at;
  attempts_ = 0;
  match_attempts_ = 0;
  face_matched_ = false;
  liveness_measured_ = {};
  last_quality_reasons_.clear();
  switch (step) {
    case Step::read_document:
      show(out, role == Role::guardian ? Signal::guardian_next : Signal::present_document);
      start_step_timer(config_.document_timeout, out);
      request<ReadDocument>(out, role);
      break;
    case Step::check_policy:
      start_step_timer(config_.service_timeout, out);
      request<CheckPolicy>(out, role, person().holder_id,
                                role == Role::guardian ? guardian_document_ : outcome_->document_number);
      break;
    case Step::face:
      if (role == Role::guardian && config_.channel == Channel::document_free)
        show(out, Signal::guardian_next);
      show(out, Signal::look_at_camera);
      start_step_timer(config_.face_window, out);
      request<CaptureFrame>(out, role, true);
      break;
    case Step::fingerprint:
      show(out, Signal::place_finger);
      start_step_timer(config_.fingerprint_timeout, out);
      request<CaptureFingerprint>(out, person().holder_id);
      break;
    case Step::audit:
      assert(!"never planned (validate)");
      return;
    case Step::guardian:
      if (!guardian_required_) {
        ++step_index_;
        enter_step(at, out);
        return;
      }
      if (guardian_ids_.empty()) {
        decide(at, {{ReasonCode::guardian_missing, "a guardian is required but none is on record"}}, out);
        return;
      }
      // The guardian passes the same checks as the traveller, after the traveller.
      PersonEvidence guardian;
      guardian.role = Role::guardian;
      outcome_->people.push_back(std::move(guardian));
      std::vector<PlannedStep> guardian_steps;
      for (Step s : config_.steps)
        if (s != Step::guardian) guardian_steps.push_back({s, Role::guardian});
      plan_.insert(plan_.begin() + static_cast<long>(step_index_) + 1, guardian_steps.begin(), guardian_steps.end());
      ++step_index_;
      enter_step(at, out);
      return;
  }
}

void GateController::finish_step(Time at, std::vector<Action>& out) {
  stop_step_timer(out);
  awaited_.reset();
  record_timing(at);
  ++step_index_;
  enter_step(at, out);
}

void GateController::decide(Time at, std::vector<Reason> reasons, std::vector<Action>& out) {
  stop_step_timer(out);
  if (state_ == LaneState::in_step && step_index_ < plan_.size()) record_timing(at);
  outcome_->decided_at = at;
  outcome_->decision = reasons.empty() ? Decision::cleared : Decision::referred;
  outcome_->reasons = std::move(reasons);
  state_ = LaneState::writing_audit;
  audit_started_ = at;
  request<WriteAudit>(out, outcome_);
}

void GateController::show(std::vector<Action>& out, Signal signal) const {
  if (config_.signals) out.push_back(ShowIndicator{signal});
}

void GateController::lane_ready(std::vector<Action>& out) {
  state_ = LaneState::idle;
  show(out, Signal::ready);
}

bool GateController::answers(std::uint64_t request, Step step) const {
  return state_ == LaneState::in_step && awaited_ == request && plan_[step_index_].step == step;
}

// ---- Events ----

void GateController::on(const TravellerArrived& e, std::vector<Action>& out) {
  if (state_ == LaneState::idle) begin_transaction(e.at, out);
}

void GateController::on(const DocumentRead& e, std::vector<Action>& out) {
  if (!answers(e.request, Step::read_document)) return;
  awaited_.reset();
  if (!e.document) {
    if (++attempts_ >= config_.max_document_attempts) {
      decide(e.at, {reason(ReasonCode::document_unreadable, e.problem + " (" + std::to_string(attempts_) + " attempts)")}, out);
      return;
    }
    request<ReadDocument>(out, current_role());
    return;
  }
  (current_role() == Role::traveller ? outcome_->document_number : guardian_document_) = e.document->document_number;
  if (person_found(e.at, e.document->holder_id, out)) finish_step(e.at, out);
}

bool GateController::person_found(Time at, const std::string& holder_id, std::vector<Action>& out) {
  person().holder_id = holder_id;
  if (current_role() == Role::traveller) {
    outcome_->holder_id = holder_id;
    if (const Clearance* earlier = passback_.refuses(holder_id, at)) {
      decide(at, {passback_.reason(*earlier, at)}, out);
      return false;
    }
    return true;
  }
  if (std::find(guardian_ids_.begin(), guardian_ids_.end(), holder_id) == guardian_ids_.end()) {
    decide(at, {{ReasonCode::guardian_missing, holder_id + " is not a guardian on record for " + outcome_->holder_id}}, out);
    return false;
  }
  outcome_->guardian_id = holder_id;
  return true;
}

void GateController::on(const PolicyChecked& e, std::vector<Action>& out) {
  if (!answers(e.request, Step::check_policy)) return;
  awaited_.reset();
  if (!e.eligible) {
    std::vector<Reason> reasons;
    for (Reason r : e.reasons) {
      r.role = current_role();
      reasons.push_back(std::move(r));
    }
    if (reasons.empty()) reasons.push_back(reason(ReasonCode::policy_ineligible, "the policy check gave no reason"));
    decide(e.at, std::move(reasons), out);
    return;
  }
  if (e.guardian_required) {
    if (current_role() == Role::guardian) {
      decide(e.at, {reason(ReasonCode::guardian_missing, "the guardian needs a guardian too")}, out);
      return;
    }
    if (std::find(config_.steps.begin(), config_.steps.end(), Step::guardian) == config_.steps.end()) {
      decide(e.at, {{ReasonCode::guardian_missing, "a guardian is required and this lane does not pair guardians"}}, out);
      return;
    }
    guardian_required_ = true;
    guardian_ids_ = e.guardian_ids;
  }
  finish_step(e.at, out);
}

void GateController::on(const FrameAnalysed& e, std::vector<Action>& out) {
  if (!answers(e.request, Step::face)) return;
  awaited_.reset();
  ++attempts_;
  auto& p = person();
  ++p.frames;
  if (!e.image_path.empty()) outcome_->image_paths.push_back(e.image_path);
  const int allowed = current_role() == Role::guardian ? config_.guardian_max_faces_in_frame : config_.max_faces_in_frame;
  if (e.face_count > allowed) {
    const std::string what = std::to_string(e.face_count) + " faces in the frame, at most " + std::to_string(allowed) + " allowed";
    outcome_->alarm = true;
    out.push_back(RaiseAlarm{"tailgating: " + what});
    decide(e.at, {{ReasonCode::tailgating, what}}, out);
    return;
  }
  if (config_.liveness.mode != biometrics::LivenessMode::off) {
    if (e.liveness) liveness_measured_ = *e.liveness;
    if (liveness_settles(e.at, out)) return;
    if (face_matched_) {  // the face is known: the frames are for liveness only
      request<CaptureFrame>(out, current_role(), false, true);
      return;
    }
  }
  if (e.face_count >= 1 && e.quality_ok) {
    if (config_.channel == Channel::document)
      request<MatchFace>(out, p.holder_id);
    else
      request<Identify>(out, config_.identification_threshold, config_.identification_margin);
    return;
  }
  ++p.frames_rejected;
  last_quality_reasons_ = e.quality_reasons;
  if (e.face_count == 0 && last_quality_reasons_.empty()) last_quality_reasons_.push_back("no face");
  if (attempts_ >= config_.max_face_frames) {
    decide(e.at,
           {reason(ReasonCode::face_quality, "no acceptable frame in " + std::to_string(attempts_) +
                                       " frames (last: " + joined(last_quality_reasons_) + ")")},
           out);
    return;
  }
  request<CaptureFrame>(out, current_role());
}

void GateController::on(const FaceMatched& e, std::vector<Action>& out) {
  if (!answers(e.request, Step::face) || config_.channel != Channel::document) return;
  awaited_.reset();
  auto& p = person();
  ++p.match_attempts;
  if (!e.enrolled) {
    decide(e.at, {reason(ReasonCode::face_not_enrolled, "no enrolled face for " + p.holder_id)}, out);
    return;
  }
  p.distance = p.distance ? std::min(*p.distance, e.distance) : e.distance;
  if (judge_match(e.distance, config_)) {
    face_matched(e.at, out);
    return;
  }
  face_attempt_failed(e.at,
                      reason(ReasonCode::face_no_match, "distance " + fixed3(*p.distance) + " >= threshold " +
                                                  fixed3(config_.match_threshold)),
                      out);
}

void GateController::on(const IdentificationDone& e, std::vector<Action>& out) {
  if (!answers(e.request, Step::face) || config_.channel != Channel::document_free) return;
  awaited_.reset();
  auto& p = person();
  ++p.match_attempts;
  p.distance = e.best ? std::optional(e.best->distance) : std::nullopt;
  p.second_distance = e.second ? std::optional(e.second->distance) : std::nullopt;
  switch (judge_identification(p.distance, p.second_distance, config_)) {
    case Identification::not_found:
      face_attempt_failed(e.at,
                          reason(ReasonCode::identification_not_found,
                                 e.best ? "nearest distance " + fixed3(e.best->distance) + " >= threshold " +
                                              fixed3(config_.identification_threshold)
                                        : "the gallery has no candidate"),
                          out);
      return;
    case Identification::ambiguous:
      face_attempt_failed(e.at,
                          reason(ReasonCode::identification_ambiguous,
                                 "margin " + fixed3(e.second->distance - e.best->distance) + " < " +
                                     fixed3(config_.identification_margin) + " between the two nearest people"),
                          out);
      return;
    case Identification::identified:
      break;
  }
  if (!person_found(e.at, e.best->holder_id, out)) return;
  face_matched(e.at, out);
}

void GateController::face_matched(Time at, std::vector<Action>& out) {
  person().face_passed = true;
  face_matched_ = true;
  if (config_.liveness.mode == biometrics::LivenessMode::off) {
    finish_step(at, out);
    return;
  }
  if (!liveness_settles(at, out)) request<CaptureFrame>(out, current_role(), false, true);
}

const biometrics::LivenessEvidence& GateController::judge_liveness_at(Time at, bool final) {
  auto& evidence = person().liveness;
  evidence = biometrics::judge_liveness(liveness_measured_, config_.liveness,
                                        std::chrono::duration<double>(at - step_started_).count(), final);
  return *evidence;
}

bool GateController::liveness_settles(Time at, std::vector<Action>& out) {
  // No more frames will come once the matched face has used the step's frames.
  const bool final = face_matched_ && attempts_ >= config_.max_face_frames;
  const auto& evidence = judge_liveness_at(at, final);
  switch (evidence.verdict) {
    case biometrics::LivenessVerdict::attack:
      decide(at, {reason(ReasonCode::face_liveness, biometrics::describe(evidence, config_.liveness))}, out);
      return true;
    case biometrics::LivenessVerdict::live:
      if (!face_matched_) return false;
      finish_step(at, out);
      return true;
    case biometrics::LivenessVerdict::undecided:
      break;
  }
  // Before the face matched, the face step's own limits (quality, match, timeout) apply.
  if (!final) return false;
  decide(at,
         {reason(ReasonCode::face_liveness, biometrics::describe(evidence, config_.liveness) + " when the face step's " +
                                      std::to_string(attempts_) + " frames were spent")},
         out);
  return true;
}

void GateController::face_attempt_failed(Time at, Reason why, std::vector<Action>& out) {
  if (++match_attempts_ >= config_.max_match_attempts || attempts_ >= config_.max_face_frames) {
    person().face_passed = false;
    why.detail += " (" + std::to_string(match_attempts_) + " attempts)";
    decide(at, {std::move(why)}, out);
    return;
  }
  request<CaptureFrame>(out, current_role());
}

void GateController::on(const FingerprintResult& e, std::vector<Action>& out) {
  if (!answers(e.request, Step::fingerprint)) return;
  awaited_.reset();
  auto& p = person();
  ++p.fingerprint_attempts;
  if (e.outcome == FingerprintOutcome::matched) {
    p.fingerprint_matched = true;
    finish_step(e.at, out);
    return;
  }
  if (++attempts_ >= config_.max_fingerprint_attempts) {
    const bool poor = e.outcome == FingerprintOutcome::poor_capture;
    if (!poor) p.fingerprint_matched = false;
    decide(e.at,
           {reason(poor ? ReasonCode::fingerprint_poor_capture : ReasonCode::fingerprint_no_match,
                   std::string(poor ? "no usable capture" : "no match") + " in " + std::to_string(attempts_) +
                       " attempts")},
           out);
    return;
  }
  show(out, Signal::place_finger);
  start_step_timer(config_.fingerprint_timeout, out);  // each capture gets the full time
  request<CaptureFingerprint>(out, p.holder_id);
}

void GateController::on(const AuditWritten& e, std::vector<Action>& out) {
  if (state_ != LaneState::writing_audit || awaited_ != e.request) return;
  awaited_.reset();
  TransactionOutcome& o = outcome();  // the audit write's WriteAudit may still hold the record
  if (!e.ok) {
    // No decision may take effect unrecorded: the barrier stays shut whatever was decided.
    o.decision = Decision::referred;
    o.reasons.push_back({ReasonCode::audit_failed, e.problem});
    out.push_back(RaiseAlarm{"audit log write failed: " + e.problem});
  } else {
    o.timings.push_back({Step::audit, Role::traveller, e.at - audit_started_});
  }
  if (o.decision == Decision::cleared) {
    if (passback_.enabled())
      for (const auto& person : o.people)
        if (!person.holder_id.empty()) passback_.record({person.holder_id, e.at, "#" + std::to_string(o.transaction)});
    barrier_open_ = true;
    out.push_back(OpenBarrier{});
    show(out, Signal::proceed);
    exit_timer_ = next_id();
    out.push_back(StartTimer{*exit_timer_, config_.exit_timeout});
    out.push_back(Completed{outcome_});
    state_ = LaneState::passing;
    return;
  }
  out.push_back(Refer{o.reasons});
  show(out, Signal::go_to_counter);
  out.push_back(Completed{outcome_});
  state_ = LaneState::idle;
}

void GateController::on(const TravellerPassed& e, std::vector<Action>& out) {
  if (state_ != LaneState::passing) return;
  if (exit_timer_) out.push_back(CancelTimer{*exit_timer_});
  exit_timer_.reset();
  if (barrier_open_) out.push_back(CloseBarrier{});
  barrier_open_ = false;
  const int cleared = static_cast<int>(outcome_->people.size());
  if (e.people > cleared) {
    const std::string what = std::to_string(e.people) + " people went through the passage, " +
                             std::to_string(cleared) + " cleared (" + outcome_->holder_id + ")";
    out.push_back(RaiseAlarm{"tailgating in the passage: " + what});
    out.push_back(RecordIncident{outcome_->transaction, e.at, {ReasonCode::passage_tailgating, what}});
  }
  lane_ready(out);
}

void GateController::on(const TimerFired& e, std::vector<Action>& out) {
  if (state_ == LaneState::passing && exit_timer_ == e.id) {
    exit_timer_.reset();
    barrier_open_ = false;
    out.push_back(CloseBarrier{});
    if (!config_.passage_required) lane_ready(out);  // else: the traveller is still in the lane
    return;
  }
  if (state_ != LaneState::in_step || step_timer_ != e.id) return;
  step_timer_.reset();
  // Name the device the step was still waiting for. A reader may wait for the person (a
  // document or a finger not yet placed), but a camera delivers frames on its own: one that
  // gave none is stalled, a fault of its own, not a traveller who would not look.
  std::string stalled;
  if (awaited_ && awaited_device_) {
    const Duration waited = e.at - awaited_since_;
    if (*awaited_device_ != Device::camera) {
      stalled = "; still waiting for the " + to_string(*awaited_device_);
    } else if (waited >= config_.camera_stall) {
      outcome().device_faults.push_back(
          {Device::camera, devices::FaultKind::timeout, "stalled: no frame for " + seconds(waited), e.at, true});
      stalled = "; the camera gave no frame for " + seconds(waited);
    }
  }
  awaited_.reset();
  const Step step = plan_[step_index_].step;
  const auto& p = person();
  switch (step) {
    case Step::read_document:
      decide(e.at, {reason(ReasonCode::document_timeout, "no readable document within " + seconds(config_.document_timeout) + stalled)}, out);
      break;
    case Step::check_policy:
      decide(e.at, {reason(ReasonCode::policy_timeout, "no policy verdict within " + seconds(config_.service_timeout))}, out);
      break;
    case Step::face: {
      if (face_matched_) {  // only liveness was missing: its final word
        decide(e.at,
               {reason(ReasonCode::face_liveness, biometrics::describe(judge_liveness_at(e.at, true), config_.liveness) +
                                            " when the face window of " + seconds(config_.face_window) + " ended" + stalled)},
               out);
        break;
      }
      std::string detail = "no matching face within " + seconds(config_.face_window) + " (" +
                           std::to_string(p.frames) + " frames, " + std::to_string(p.frames_rejected) + " rejected";
      if (!last_quality_reasons_.empty()) detail += "; last: " + joined(last_quality_reasons_);
      detail += stalled;
      person().face_passed = false;
      decide(e.at, {reason(ReasonCode::face_timeout, detail + ")")}, out);
      break;
    }
    case Step::fingerprint:
      decide(e.at, {reason(ReasonCode::fingerprint_timeout, "no fingerprint within " + seconds(config_.fingerprint_timeout) + stalled)}, out);
      break;
    case Step::guardian:
      break;  // the guardian step has no timer of its own: its sub-steps do
    case Step::audit:
      assert(!"never planned (validate)");
      break;
  }
}

void GateController::on(const DeviceFault& e, std::vector<Action>& out) {
  DeviceFaultRecord fault{e.device, e.kind, e.what, e.at};
  if (state_ == LaneState::in_step) {
    outcome_->device_faults.push_back(fault);
    awaited_.reset();
    decide(e.at, {Reason::fault(e.device, e.what)}, out);
    return;
  }
  // Outside a step the decision is already made (or none is under way): keep the fault for
  // the next transaction's record, and call staff if the barrier fails while open.
  faults_between_transactions_.push_back(std::move(fault));
  if (state_ == LaneState::passing && e.device == Device::barrier) out.push_back(RaiseAlarm{"barrier fault: " + e.what});
  // An exit sensor that fails cannot say when the traveller has gone: staff are called, the
  // barrier closes, and the lane goes on rather than waiting for a report that will not come.
  if (state_ == LaneState::passing && e.device == Device::passage_sensor) {
    out.push_back(RaiseAlarm{"exit sensor fault: " + e.what});
    if (exit_timer_) out.push_back(CancelTimer{*exit_timer_});
    exit_timer_.reset();
    if (barrier_open_) out.push_back(CloseBarrier{});
    barrier_open_ = false;
    lane_ready(out);
  }
}

}  // namespace gatesim::gate
