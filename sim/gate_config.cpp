#include "sim/gate_config.hpp"

#include <algorithm>

#include "sim/event_queue.hpp"

namespace gatesim::sim {

gate::GateConfig gate_config(const Scenario& s, const PadModel& pad, gate::Channel channel) {
  gate::GateConfig c;
  c.channel = channel;
  c.steps = gate::default_steps(channel);
  if (s.steps.fingerprint)
    c.steps.insert(std::find(c.steps.begin(), c.steps.end(), gate::Step::face) + 1, gate::Step::fingerprint);
  auto duration = [](double secs) { return gate::Duration(seconds(secs)); };  // the virtual clock's microseconds
  c.document_timeout = duration(s.gate.document_timeout_s);
  c.face_window = duration(s.gate.face_window_s);
  c.fingerprint_timeout = duration(s.gate.fingerprint_timeout_s);
  c.exit_timeout = duration(s.gate.exit_timeout_s);
  c.identification_margin = s.gate.identification_margin;
  c.max_face_frames = s.biometrics.max_frames;
  c.max_match_attempts = s.biometrics.max_match_attempts;
  c.match_threshold = s.biometrics.threshold;
  c.identification_threshold = s.biometrics.identification_threshold;
  // Anti-passback only when someone can present twice: otherwise every holder id is new and a
  // ledger would refuse nobody (PopulationSpec::passback).
  if (s.population.passback > 0) c.passback_window = duration(s.gate.passback_s);
  if (pad.on()) c.liveness = pad.lane_config(s.gate.face_window_s);
  c.signals = false;  // nobody in the simulation looks at a gate's indicator
  gate::validate(c);  // the sampled model runs no controller to check them
  return c;
}

}  // namespace gatesim::sim
