#pragma once
// SampledGateModel (gate.model: sampled): the controller's transaction (gate/gate_controller.cpp)
// drawn directly instead of run on kernel events: the same transactions (sim::transactions), the
// steps in the same order (GateConfig::steps; a guardian's steps after the traveller's when the
// verdict asks for one), each device's answer drawn as the controller model draws it
// (GateDevices), judged by the same rules (gate::judge_match, gate::judge_identification) within
// the same limits: a step whose answer would come after its timeout ends at the timeout with the
// controller's referral code. The policy check and the audit write take no time in either model.
// The party's whole time at the gate is drawn when they reach it; one kGateDone event ends it.
//
// Thread safety: none; one per replication.

#include <cstdint>
#include <string>
#include <vector>

#include "sim/gate_model.hpp"

namespace gatesim::sim {

class SampledGateModel final : public GateModel {
 public:
  // requires: `parts` outlive the model; `servers`: the hall's server count.
  SampledGateModel(const GateModelParts& parts, std::size_t servers);

  void serve(std::uint32_t server, int channel, Party& p) override;
  void handle(const SimEvent& e) override;
  void fault(std::uint32_t server) override;

 private:
  // How a step ended: passed (bit 0), or referred with the reason's bit.
  struct StepEnd {
    std::uint32_t bit = 0;
    bool guardian_failed = false;  // the code is the guardian's (the controller puts "guardian." in front)
    bool fta_reason = false;       // face.quality or face.timeout
  };
  // The reason's bit and whose it is: `role`'s, as the controller names it
  // (gate::GateController::reason) and the controller model records it.
  StepEnd refer(gate::Role role, GateCode code);
  // One transaction starting `start` into the party's service.
  // ensures: its duration; `exit_from` when the barrier opened (-1: referred).
  SimTime transaction(Party& p, int traveller, const gate::GateConfig& c, SimTime start, SimTime& exit_from);
  StepEnd face_step(Member& m, gate::Role role, const gate::GateConfig& c, GateEvidence& e, SimTime began,
                    SimTime& t, bool& self);
  bool refuses(const std::string& holder, SimTime at) const;
  void record_clearances(std::uint32_t server, const Party& p, int upto);
  // Tailgating: the ids of the travellers someone followed out, taken before the hall is told
  // (GateHall::tailgated may move the party).
  struct Followed {
    std::uint64_t ids[PartyProfile::kMaxSize] = {};
    int count = 0;
  };
  static Followed followed_out(const Party& p, int upto);
  void raise_alarms(std::uint32_t server, const Followed& followed);
  static void forget_gate(Member& m);

  const GateModelParts parts_;
  EventQueue& events_;
  GateDevices& devices_;
  HallPassback& passback_;
  std::vector<std::uint64_t> tokens_;  // by server: bumps to cancel the pending kGateDone
};

}  // namespace gatesim::sim
