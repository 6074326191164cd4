#include "gate/transaction_outcome.hpp"

#include <cassert>
#include <iterator>

namespace gatesim::gate {
namespace {

double milliseconds(Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

template <class T>
nlohmann::json optional_json(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

// The cues give each measured value and how many frames it rests on; `cue` is the one that
// decided. The person's liveness score: the deciding cue's margin (biometrics::cue_margin: from
// 1 up live by it, below 1 refused by it), 0 for a frozen face or an undecided session (nothing
// passed), as eval-pad counts them; none with liveness off. Not the passive probability alone:
// a frozen or planar face the networks rate live is refused, and its score says so.
std::optional<double> decision_score(const biometrics::LivenessEvidence& e) {
  if (e.cue == biometrics::LivenessCue::none && e.decided()) return std::nullopt;
  return biometrics::cue_margin(e);
}

nlohmann::json liveness_json(const biometrics::LivenessEvidence& e) {
  auto cues = nlohmann::json::array();
  if (e.passive) cues.push_back({{"cue", "passive"}, {"value", *e.passive}, {"frames", e.frames}});
  if (e.moire) cues.push_back({{"cue", "moire"}, {"value", *e.moire}, {"frames", e.frames}});
  if (e.temporal) cues.push_back({{"cue", "temporal"}, {"value", *e.temporal}, {"frames", e.frames}});
  if (e.frozen) cues.push_back({{"cue", "frozen"}, {"value", 0.0}, {"frames", e.frames}});
  return {{"decision", to_string(e.verdict)},
          {"cue", to_string(e.cue)},
          {"score", optional_json(decision_score(e))},
          {"cues", cues}};
}

}  // namespace

std::string to_string(Channel channel) { return channel == Channel::document ? "document" : "document_free"; }
std::string to_string(Decision decision) { return decision == Decision::cleared ? "cleared" : "referred"; }
std::string to_string(Role role) { return role == Role::traveller ? "traveller" : "guardian"; }

std::string to_string(Step step) { return std::string(step_name(step, Role::traveller)); }

std::string_view step_name(Step step, Role role) {
  const bool guardian = role == Role::guardian;
  switch (step) {
    case Step::read_document: return guardian ? "guardian.read_document" : "read_document";
    case Step::check_policy: return guardian ? "guardian.check_policy" : "check_policy";
    case Step::face: return guardian ? "guardian.face" : "face";
    case Step::fingerprint: return guardian ? "guardian.fingerprint" : "fingerprint";
    // The guardian check and the audit write belong to the whole transaction: one name each.
    case Step::guardian: return "guardian";
    case Step::audit: return "audit";
  }
  return "?";
}

std::string to_string(Device device) {
  switch (device) {
    case Device::camera: return "camera";
    case Device::fingerprint_reader: return "fingerprint_reader";
    case Device::document_reader: return "document_reader";
    case Device::barrier: return "barrier";
    case Device::indicator: return "indicator";
    case Device::passage_sensor: return "passage_sensor";
  }
  return "?";
}

namespace {
constexpr std::string_view kReasonNames[] = {
    "policy.clause",       "policy.ineligible",        "policy.timeout",           "policy.no_record",
    "policy.birth_date",   "M3.guardian",              "document.unreadable",      "document.timeout",
    "face.quality",        "face.timeout",             "face.not_enrolled",        "face.no_match",
    "face.liveness",       "identification.not_found", "identification.ambiguous", "fingerprint.poor_capture",
    "fingerprint.no_match", "fingerprint.timeout",     "tailgating",               "passage.tailgating",
    "gate.passback",       "audit.failed",             "device",
};
static_assert(std::size(kReasonNames) == static_cast<std::size_t>(ReasonCode::count));
}  // namespace

std::string_view name(ReasonCode code) {
  assert(code < ReasonCode::count);
  return kReasonNames[static_cast<std::size_t>(code)];
}

bool is_timeout(ReasonCode code) {
  return code == ReasonCode::policy_timeout || code == ReasonCode::document_timeout ||
         code == ReasonCode::face_timeout || code == ReasonCode::fingerprint_timeout;
}

Reason Reason::policy(std::string clause, std::string detail, Role role) {
  assert(!clause.empty());
  Reason r{ReasonCode::policy_clause, std::move(detail), role};
  r.clause = std::move(clause);
  return r;
}

Reason Reason::fault(Device device, std::string detail) {
  Reason r{ReasonCode::device_fault, std::move(detail)};
  r.device = device;
  return r;
}

std::string Reason::code_name() const {
  if (code == ReasonCode::policy_clause) return clause;
  if (code == ReasonCode::device_fault) return "device." + to_string(device);
  return std::string(gate::name(code));
}

std::string Reason::name() const { return role == Role::guardian ? "guardian." + code_name() : code_name(); }

std::string to_string(const Reason& reason) { return reason.name() + ": " + reason.detail; }

void TransactionOutcome::clear() {
  // Field by field, in declaration order: a field added to the struct belongs here too.
  transaction = 0;
  channel = Channel::document;
  started_at = decided_at = Time{};
  decision = Decision::referred;
  reasons.clear();
  holder_id.clear();
  document_number.clear();
  guardian_id.clear();
  people.clear();
  alarm = false;
  device_faults.clear();
  timings.clear();
  image_paths.clear();
}

nlohmann::json to_json(const TransactionOutcome& o) {
  auto reasons = nlohmann::json::array();
  for (const auto& r : o.reasons) reasons.push_back({{"code", r.name()}, {"detail", r.detail}});
  auto people = nlohmann::json::array();
  for (const auto& p : o.people) {
    people.push_back({{"role", to_string(p.role)},
                      {"holder_id", p.holder_id},
                      {"frames", p.frames},
                      {"frames_rejected", p.frames_rejected},
                      {"match_attempts", p.match_attempts},
                      {"distance", optional_json(p.distance)},
                      {"second_distance", optional_json(p.second_distance)},
                      {"face_passed", optional_json(p.face_passed)},
                      {"fingerprint_attempts", p.fingerprint_attempts},
                      {"fingerprint_matched", optional_json(p.fingerprint_matched)}});
    // Only a lane that checks liveness has these keys (the records of one that does not are
    // unchanged).
    if (p.liveness) people.back()["liveness"] = liveness_json(*p.liveness);
  }
  auto faults = nlohmann::json::array();
  for (const auto& f : o.device_faults)
    faults.push_back(
        {{"device", to_string(f.device)}, {"kind", devices::to_string(f.kind)}, {"what", f.what}, {"at_ms", milliseconds(f.at)}});
  auto timings = nlohmann::json::object();
  for (const auto& t : o.timings) timings[std::string(t.name())] = milliseconds(t.duration);
  return {{"transaction", o.transaction},
          {"channel", to_string(o.channel)},
          {"decision", to_string(o.decision)},
          {"reasons", reasons},
          {"holder_id", o.holder_id},
          {"document_number", o.document_number},
          {"guardian_id", o.guardian_id},
          {"people", people},
          {"alarm", o.alarm},
          {"device_faults", faults},
          {"started_ms", milliseconds(o.started_at)},
          {"decided_ms", milliseconds(o.decided_at)},
          {"total_ms", milliseconds(o.decided_at - o.started_at)},
          {"timings_ms", timings},
          {"image_paths", o.image_paths}};
}

}  // namespace gatesim::gate
