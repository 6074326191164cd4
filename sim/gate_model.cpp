#include "sim/gate_model.hpp"

#include <algorithm>

#include "sim/controller_gate_model.hpp"
#include "sim/sampled_gate_model.hpp"

namespace gatesim::sim {

Transactions transactions(const Party& p) {
  Transactions t;
  for (int i = 1; i < p.size; ++i)
    if (p.members[i].profile.limited_capacity) {
      t.traveller[t.count++] = static_cast<std::uint8_t>(i);
      t.with_guardian = true;
    }
  if (!t.with_guardian)
    for (int i = 0; i < p.size; ++i) t.traveller[t.count++] = static_cast<std::uint8_t>(i);
  return t;
}

void record_evidence(Member& m, const GateEvidence& e, bool failed_here, bool fta_reason) {
  m.served_at_gate = true;
  m.frames = static_cast<std::uint8_t>(std::min(e.frames, 255));
  if (e.distance) m.distance = static_cast<float>(*e.distance);
  if (e.document_s >= 0) m.document_s = e.document_s;
  if (e.face_s >= 0) m.face_s = e.face_s;
  if (e.fingerprint_s >= 0) m.fingerprint_s = e.fingerprint_s;
  if (e.face_passed == true && m.profile.impostor) m.incidents |= kIncidentFalseMatch;
  if (e.face_passed == false && !m.profile.impostor && e.match_attempts > 0) m.incidents |= kIncidentFalseNonMatch;
  if (e.fingerprint_matched == false && !m.profile.impostor) m.incidents |= kIncidentFingerprintFnm;
  if (e.liveness_refused && !m.profile.attack) m.incidents |= kIncidentLivenessRefused;
  if (failed_here && e.match_attempts == 0 && fta_reason) m.incidents |= kIncidentFta;
}

std::unique_ptr<GateModel> make_gate_model(const GateModelParts& parts, const std::vector<int>& gate_channels) {
  if (parts.scenario.gate.model == GateSpec::Model::controller)
    return make_controller_gate_model(parts, gate_channels);
  return std::make_unique<SampledGateModel>(parts, gate_channels.size());
}

}  // namespace gatesim::sim
