#pragma once
// ControllerGateModel (gate.model: controller): each simulated gate runs the real
// gate::GateController on the virtual clock. The controller's device requests are answered by
// GateDevices after a drawn step time (kLaneReply events), its timers are kernel events
// (kLaneTimer), and its immediate requests (policy check, matching, identification, audit
// write) are answered at once: the policy check from the verdict the party was routed by
// (Member::gate_verdict), the audit log not simulated (a write is durable at once). What the
// gate saw and the referral go on the party's members as the controller reports them
// (Completed). A fault is fed to the controller as a camera disconnect: it decides what that
// means for the transaction under way.
//
// Thread safety: none; one per replication.

#include <cstdint>
#include <memory>
#include <vector>

#include "sim/gate_model.hpp"

namespace gatesim::sim {

// ensures: the model, a controller for each gate whose `gate_channels` entry (by server) is a
//          channel; -1 for the others (counters, external gates).
std::unique_ptr<GateModel> make_controller_gate_model(const GateModelParts& parts, const std::vector<int>& gate_channels);

}  // namespace gatesim::sim
