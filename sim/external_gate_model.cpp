#include "sim/external_gate_model.hpp"

#include <algorithm>
#include <exception>
#include <optional>
#include <string>

namespace gatesim::sim {

void ExternalGateModel::serve(std::uint32_t server, int, Party& p) {
  std::vector<ExternalTraveller> travellers;
  for (int i = 0; i < p.size; ++i) {
    const Member& m = p.members[i];
    const bool ward = i > 0 && p.has_guardian && m.profile.limited_capacity;
    travellers.push_back(
        {to_traveller(m.profile, GateDevices::holder_id(m), parts_.scenario.date,
                      ward ? std::optional<std::string>(GateDevices::holder_id(p.members[0])) : std::nullopt),
         person(m), m.profile.enrolled, m.profile.impostor, parts_.devices.trace_image(m.profile.face_image),
         parts_.devices.trace_image(m.profile.enrolled_image)});
  }
  ++busy_;
  const std::uint64_t token = ++tokens_[server];
  // The answer enters the simulation on the pacer's thread, at the wall clock's simulated time.
  gates_[server]->serve(p.id, travellers, [this, post = post_, server, token](ExternalOutcome outcome) {
    post([this, server, token, outcome = std::move(outcome)](SimTime) mutable {
      answered(server, token, std::move(outcome));
    });
  });
}

// The gate's answer: the party passed, or goes to a counter with the gate's reasons.
void ExternalGateModel::answered(std::uint32_t server, std::uint64_t token, ExternalOutcome outcome) {
  --busy_;
  if (outcome.failure) std::rethrow_exception(outcome.failure);  // out of the pacer's run()
  if (token != tokens_[server] || !parts_.hall.serving(server)) return;
  Party& p = parts_.hall.party_at(server);
  std::uint32_t reasons = 0;
  for (const auto& code : outcome.reasons) reasons |= parts_.reasons.bit(code);
  if (!outcome.cleared && reasons == 0) reasons = parts_.reasons.bit("external.referred");
  if (outcome.evidence.size() == p.size)
    for (int i = 0; i < p.size; ++i) take_evidence(p.members[i], outcome.evidence[static_cast<std::size_t>(i)]);
  for (int i = 0; i < p.size; ++i) {
    Member& m = p.members[i];
    m.served_at_gate = true;
    if (outcome.cleared && m.profile.impostor) m.incidents |= kIncidentFalseMatch;
    if (outcome.cleared) continue;
    if (outcome.member >= 0 && outcome.member != i) {
      if (m.reasons == 0) m.reasons = kReasonWithParty;
      continue;
    }
    m.reasons |= reasons;
    if ((reasons & kReasonFaceNoMatch) && !m.profile.impostor) m.incidents |= kIncidentFalseNonMatch;
  }
  p.referred = !outcome.cleared;
  if (outcome.cleared && parts_.passback.on())  // the hall's other gates know it
    for (int i = 0; i < p.size; ++i)
      parts_.passback.record(server, GateDevices::holder_id(p.members[i]), gate::Time(parts_.events.now()));
  parts_.hall.finish_service(server);
}

// Frames, distance and step times (wall seconds, read at the replay's speed) for the record.
void ExternalGateModel::take_evidence(Member& m, const ExternalEvidence& e) const {
  if (e.frames <= 0) return;
  m.frames = static_cast<std::uint8_t>(std::min(e.frames, 255));
  if (e.distance) m.distance = static_cast<float>(*e.distance);
  if (e.document_s >= 0) m.document_s = static_cast<float>(e.document_s * speed_);
  if (e.face_s >= 0) m.face_s = static_cast<float>(e.face_s * speed_);
  if (e.fingerprint_s >= 0) m.fingerprint_s = static_cast<float>(e.fingerprint_s * speed_);
}

}  // namespace gatesim::sim
