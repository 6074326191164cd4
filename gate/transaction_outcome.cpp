#include "gate/transaction_outcome.hpp"

namespace gatesim::gate {
namespace {

double milliseconds(Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

template <class T>
nlohmann::json optional_json(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

// The score is the passive cue's live probability (the one cue on a fixed 0-1 scale); the
// cues give each measured value and how many frames it rests on; `cue` is the one that decided.
nlohmann::json liveness_json(const biometrics::LivenessEvidence& e) {
  auto cues = nlohmann::json::array();
  if (e.passive) cues.push_back({{"cue", "passive"}, {"value", *e.passive}, {"frames", e.frames}});
  if (e.temporal) cues.push_back({{"cue", "temporal"}, {"value", *e.temporal}, {"frames", e.frames}});
  if (e.frozen) cues.push_back({{"cue", "frozen"}, {"value", 0.0}, {"frames", e.frames}});
  return {{"decision", to_string(e.verdict)},
          {"cue", to_string(e.cue)},
          {"score", optional_json(e.passive)},
          {"cues", cues}};
}

}  // namespace

std::string to_string(Channel channel) { return channel == Channel::document ? "document" : "document_free"; }
std::string to_string(Decision decision) { return decision == Decision::cleared ? "cleared" : "referred"; }
std::string to_string(Role role) { return role == Role::traveller ? "traveller" : "guardian"; }

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

std::string to_string(const Reason& reason) { return reason.code + ": " + reason.detail; }

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
  for (const auto& r : o.reasons) reasons.push_back({{"code", r.code}, {"detail", r.detail}});
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
  for (const auto& t : o.timings) timings[std::string(t.step)] = milliseconds(t.duration);
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
