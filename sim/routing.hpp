#pragma once
// Router: where an arriving party queues. The document-free channel when every member wants it,
// is enrolled and passes its rules; else the smart channel's rules decide between the document
// gates and a counter (an ineligible member is referred with the rule's clause codes, the others
// of the party with party.member_referred: a party stays together; an eligible party in a hall
// without document gates goes to a counter with channel.no_gate). The rules are the policy
// engine's (gate::evaluate) for the scenario's port, day and direction, with the party's guardian
// in the group.
//
// Verdicts are memoised: the engine is a pure function of the facts policy_key covers, so each
// key is evaluated once (a node-based map, so Member::gate_verdict stays valid for the run) and a
// small direct-mapped cache in front of the map answers most travellers without hashing modulo a
// prime. The gate's own policy check asks the same question: Member::gate_verdict answers it.
//
// Thread safety: none; one per replication.

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "models/crossing.hpp"
#include "sim/port_state.hpp"
#include "sim/referral_reasons.hpp"
#include "sim/scenario.hpp"

namespace gatesim::sim {

class Router {
 public:
  // requires: a checked scenario with its policy data; `port` in it; `scenario`, `port` and
  //           `reasons` outlive the router.
  Router(const Scenario& scenario, const models::Port& port, ReasonTable& reasons)
      : scenario_(scenario), port_(port), reasons_(reasons) {}

  // requires: `p`'s members are set (profile, ids), none routed yet. `document_free_gates`,
  //           `document_gates`: the hall has gates of that channel.
  // ensures: each member's gate_verdict (for the gate channel tried) and reasons; the channel
  //          the party queues for (kCounters: p.referred is set; else p.gate_channel is it).
  Channel route(Party& p, bool document_free_gates, bool document_gates);

 private:
  // The rule engine's verdict on member `i` of `p` for the smart (or document-free) channel.
  const Verdict& verdict(const Party& p, int i, bool document_free);
  const Verdict& memoised_verdict(std::uint64_t key, const TravellerProfile& t, const TravellerProfile* guardian,
                                  bool document_free);

  const Scenario& scenario_;
  const models::Port& port_;
  ReasonTable& reasons_;
  std::unordered_map<std::uint64_t, Verdict> verdicts_;  // node-based: Member::gate_verdict stays valid
  static constexpr int kRecentVerdictBits = 10;
  struct RecentVerdict {
    std::uint64_t key = 0;
    const Verdict* verdict = nullptr;
  };
  std::vector<RecentVerdict> recent_verdicts_ = std::vector<RecentVerdict>(std::size_t{1} << kRecentVerdictBits);
};

}  // namespace gatesim::sim
