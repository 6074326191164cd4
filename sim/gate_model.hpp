#pragma once
// GateModel: how a simulated smart gate serves a party, behind one interface with two backends
// chosen by the scenario's gate.model:
//  - controller (sim/controller_gate_model.hpp): each gate runs the real gate::GateController on
//    the virtual clock; its device requests are answered after drawn step times and its timers
//    are kernel events;
//  - sampled (sim/sampled_gate_model.hpp): the controller's transaction drawn directly, without
//    events per step; several times faster, for very large sweeps.
// Both take every rule from one place (gate::GateConfig's steps, limits and timeouts,
// gate::judge_match, gate::judge_identification) and every device answer from GateDevices, so
// they give the same port within sampling error. The party's transactions, what a gate saw of a
// person (GateEvidence) and how it is recorded are shared here.
//
// Thread safety: none; one model per replication, used on its thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "gate/gate_controller.hpp"
#include "sim/event_queue.hpp"
#include "sim/gate_devices.hpp"
#include "sim/hall_passback.hpp"
#include "sim/port_state.hpp"
#include "sim/referral_reasons.hpp"
#include "sim/scenario.hpp"

namespace gatesim::sim {

// The transactions a party passes at a gate, as the controller pairs them: one per traveller in
// order, or, with a ward of limited capacity, one per ward with the guardian (member 0).
struct Transactions {
  std::uint8_t traveller[PartyProfile::kMaxSize] = {};  // the member each transaction serves
  std::uint8_t count = 0;
  bool with_guardian = false;
};
Transactions transactions(const Party& p);

// What a gate saw of one person in one transaction: the controller's PersonEvidence and step
// timings, the parts the port records (step times in seconds, -1: step not reached).
struct GateEvidence {
  int frames = 0, match_attempts = 0;
  std::optional<double> distance;
  std::optional<bool> face_passed, fingerprint_matched;
  float document_s = -1, face_s = -1, fingerprint_s = -1;
  bool liveness_refused = false;  // the liveness check's verdict was "attack"
};

// What the gate saw of one person, into their record (both gate models): the step data, and
// the biometric incidents. `failed_here`: the referral concerns this person's steps;
// `fta_reason`: it is face.quality or face.timeout (for the traveller or the guardian).
void record_evidence(Member& m, const GateEvidence& e, bool failed_here, bool fta_reason);

// The hall as a gate model sees it (implemented by the port model).
class GateHall {
 public:
  virtual ~GateHall() = default;
  // requires: `server` is serving a party. ensures: that party.
  virtual Party& party_at(std::uint32_t server) = 0;
  virtual bool serving(std::uint32_t server) const = 0;
  // requires: serving(server). ensures: the gate is done with its party, who leave the port or,
  //           when p.referred, queue for a counter; the gate takes its next party.
  virtual void finish_service(std::uint32_t server) = 0;
  // requires: serving(server). ensures: as finish_service, the party referred to a counter at
  //           once without the gate's service being counted as done (a fault cut it short).
  virtual void cut_short(std::uint32_t server) = 0;
  // Someone went through gate `server`'s open passage behind traveller `followed`, uncleared:
  // the lane's alarm and passage.tailgating incident, raised now. ensures: the hall has taken
  // the tailgater in (an officer takes them to a counter). May move the hall's parties: no
  // Party& taken before it is valid after it.
  virtual void tailgated(std::uint32_t server, std::uint64_t followed) = 0;

 protected:
  GateHall() = default;
  GateHall(const GateHall&) = default;
  GateHall& operator=(const GateHall&) = default;
};

// The hall's parts a gate model works with; all outlive the model.
struct GateModelParts {
  const Scenario& scenario;
  EventQueue& events;
  GateHall& hall;
  GateDevices& devices;
  HallPassback& passback;
  ReasonTable& reasons;
  const gate::GateConfig& document_config;       // the document gates' rules
  const gate::GateConfig& document_free_config;  // the document-free gates'
  const gate::GateConfig& config_of(int channel) const {
    return channel == kDocumentFreeGates ? document_free_config : document_config;
  }
};

class GateModel {
 public:
  virtual ~GateModel() = default;
  // requires: gate `server` of `channel` (not counters) has just taken party `p` (its wait and
  //           service start are set).
  // ensures: GateHall::finish_service(server) is called when the gate is done with the party,
  //          now or from one of the model's events; on a referral p.referred, the reason on the
  //          member it concerns and party.member_referred on the others.
  virtual void serve(std::uint32_t server, int channel, Party& p) = 0;
  // requires: is_gate_event(e.kind).
  virtual void handle(const SimEvent& e) = 0;
  static bool is_gate_event(std::uint32_t kind) {
    return kind == kGateDone || kind == kLaneReply || kind == kLaneTimer;
  }
  // A fault of gate `server` while it serves a party: the model decides what it means for the
  // transaction under way (a referral naming the device, or nothing while the traveller walks
  // out). requires: GateHall::serving(server).
  virtual void fault(std::uint32_t server) = 0;
};

// ensures: the scenario's gate model (GateSpec::model). `gate_channels`: by server, the channel of
//          each simulated gate, -1 for the others (counters, external gates), which the model
//          never serves.
std::unique_ptr<GateModel> make_gate_model(const GateModelParts& parts, const std::vector<int>& gate_channels);

}  // namespace gatesim::sim
