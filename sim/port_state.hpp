#pragma once
// The state of a port during one run, shared by the simulator's parts (sim/port_model.cpp and
// the concerns it delegates to): the travellers in the port (Member, Party), the gates and
// counters (Server) and what a gate saw (GateEvidence). Internal to the simulator: plain values,
// no behaviour beyond the helpers here.
//
// Thread safety: none; one replication's state, used on its thread.

#include <cstdint>
#include <iterator>
#include <string_view>

#include "sim/event_queue.hpp"
#include "sim/population.hpp"
#include "sim/port_model.hpp"
#include "sim/referral_reasons.hpp"

namespace gatesim::sim {

// The kinds of the run's events (SimEvent::kind). Equal times are handled in the order they were
// scheduled, whatever their kind.
enum EventKind : std::uint32_t {
  kPoissonArrival, kBatchStart, kBatchMember, kTraceArrival, kPassbackArrival,  // sim/arrivals.hpp
  kServiceDone,  // a counter's service is done
  kGateDone,     // the sampled gate model: a gate is done with its party
  kFault, kRepair,  // sim/faults.hpp
  kTick,  // an interval ends
  kLaneReply, kLaneTimer,  // the controller gate model: a device's answer, a controller's timer
};

// What became of a traveller: the "decision" of travellers.jsonl.
enum class Decision : std::uint8_t {
  cleared,        // at a gate or a counter
  refused_entry,  // at the counter a referral took them to
  unserved,       // referred where the hall has no counter
};
constexpr std::string_view name(Decision d) {
  constexpr std::string_view names[] = {"cleared", "refused_entry", "unserved"};
  return names[static_cast<std::size_t>(d)];
}

// What went wrong (or right, wrongly) for a traveller, one bit each ("incidents" in
// travellers.jsonl, by bit).
enum Incident : std::uint8_t {
  kIncidentFta = 1, kIncidentFalseMatch = 2, kIncidentFalseNonMatch = 4, kIncidentFingerprintFnm = 8,
  kIncidentAttackPassed = 16,     // a presentation attack cleared at a gate
  kIncidentLivenessRefused = 32,  // the liveness check judged a live traveller an attack (a bona fide refusal)
  kIncidentPassbackPassed = 64,   // a passback attempt cleared at a gate (outside the window, or the rule off)
  kIncidentTailgating = 128,      // went through a gate's open passage behind a cleared traveller
};
constexpr std::string_view kIncidentNames[] = {"failure_to_acquire", "false_match", "false_non_match",
                                               "fingerprint_false_non_match", "presentation_attack_passed",
                                               "liveness_false_rejection", "passback_passed", "tailgating"};
constexpr int kIncidentCount = static_cast<int>(std::size(kIncidentNames));

// The rule engine's verdict on a traveller for one channel (sim/routing.hpp).
struct Verdict {
  std::uint32_t reasons = 0;  // the failed clauses (ReasonTable bits)
  bool guardian_required = false;
};

// One traveller in the port.
struct Member {
  TravellerProfile profile;
  const Verdict* gate_verdict = nullptr;  // for the gate channel the party queues for (memoised)
  std::uint64_t id = 0;
  // A passback attempt (PopulationSpec::passback): the id of the traveller whose identity they
  // present again (their permit, their face; holder_id and the image-level person follow it).
  // 0: their own.
  std::uint64_t holder = 0;
  // A tailgater (PopulationSpec::tailgating): the id of the traveller they followed through the
  // gate's open passage. 0: not a tailgater.
  std::uint64_t followed = 0;
  std::uint32_t reasons = 0;    // ReasonTable bits
  std::uint8_t incidents = 0;   // Incident bits
  std::uint8_t frames = 0;
  std::uint8_t presented = 0;  // image-level mode: images shown so far (the next one to show)
  std::uint8_t liveness_frames = 0;  // controller model: face frames the lane's detector measured
  std::int8_t judged_live = -1;      // the liveness check's verdict once drawn (PadModel), else -1
  bool served_at_gate = false;  // the gate finished with them (cleared or refused)
  float document_s = -1, face_s = -1, fingerprint_s = -1, exit_s = -1, distance = -1;
};

// The person whose permit and face `m` presents: themselves, or for a passback attempt the
// traveller they come back as.
inline std::uint64_t person(const Member& m) { return m.holder != 0 ? m.holder : m.id; }

// A party's own state; Party adds its members (reset one by one: most parties are one person).
struct PartyState {
  std::uint64_t id = 0;
  SimTime arrived = 0, joined = 0, service_started = 0;
  float wait[kChannelCount] = {-1, -1, -1};     // by Channel; -1: not queued there
  float service[kChannelCount] = {-1, -1, -1};  // by Channel
  std::uint8_t size = 0;
  std::uint8_t gate_channel = kCounters;  // the gate channel tried, or kCounters for none
  bool counted = true;            // arrived after the warm-up
  bool referred = false;
  bool has_guardian = false;  // member 0 is an adult of full capacity travelling with the others
  std::uint8_t planned = 0;   // the sampled gate model: transactions drawn (Party::ended)
  std::uint8_t guardian_passed = 0;  // the sampled gate model: bit k, transaction k's guardian passed its steps
  std::uint8_t cleared_as_other =
      0;  // the sampled gate model: bit k, transaction k's traveller was identified as someone else
  std::uint8_t tailgated = 0;  // the sampled gate model: bit k, someone followed transaction k's traveller out
};
struct Party : PartyState {
  Member members[PartyProfile::kMaxSize];
  // The sampled gate model: when each transaction's barrier opened (-1: referred, no exit) and
  // when it ended, since service began, so a fault knows which transaction it cuts short.
  SimTime exit_from[PartyProfile::kMaxSize] = {}, ended[PartyProfile::kMaxSize] = {};
};

// ensures: every member of `p` without a reason of their own gets party.member_referred (the
//          party stays together).
inline void refer_the_rest(Party& p) {
  for (int i = 0; i < p.size; ++i)
    if (p.members[i].reasons == 0) p.members[i].reasons = kReasonWithParty;
}

}  // namespace gatesim::sim
