#pragma once
// The rules of a simulated port's smart gates: the one gate::GateConfig per channel that both
// gate models take (sim/gate_model.hpp): the controller model runs gate::GateController with it,
// the sampled model draws a transaction under the same steps, timeouts, attempt limits,
// thresholds and liveness check, so the two models describe the same port.
//
// Thread safety: a pure function.

#include "gate/gate_controller.hpp"
#include "sim/pad_model.hpp"
#include "sim/scenario.hpp"

namespace gatesim::sim {

// requires: `pad` is make_pad_model() of the scenario's biometrics and population.
// ensures: the rules of the scenario's gates of `channel`: its steps (fingerprint after face when
//          steps.fingerprint), timeouts (gate.*_s, to the microsecond), thresholds and attempt
//          limits (biometrics.threshold, identification_threshold, max_frames,
//          max_match_attempts), the identification margin, the lane's liveness check when
//          `pad` is on (PadModel::lane_config), the anti-passback window (gate.passback_s) when
//          the population has passback attempts (else zero: off), and no indicators (nobody
//          watches them).
// throws models::InputError from gate::validate when the gates would not accept them.
gate::GateConfig gate_config(const Scenario& scenario, const PadModel& pad, gate::Channel channel);

}  // namespace gatesim::sim
