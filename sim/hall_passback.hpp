#pragma once
// HallPassback: anti-passback for the whole hall (both channels: the scenario's direction of the
// port, whose lanes share one audit log): every gate's clearances, in both gate models. The
// sampled model asks it; the controller model's lanes hold their own ledger
// (GateConfig::passback_window) and are given this one's clearance of the holder before they ask,
// as a live lane is given its audit log's (gate::LaneDriver). Off (window zero) unless the
// population has passback attempts.
//
// Only a passback attempt is looked up (may_be_known): the ledger holds travellers' own
// identities (P<id>, each presented once but by an attempt); a traveller the gallery took for
// someone else is not remembered as that person, in either model (in statistical mode an id
// nobody presents again). A lookup per traveller would be a sizeable share of the sampled
// model's time.
//
// Thread safety: none; one per replication.

#include <string>

#include "gate/passback.hpp"
#include "sim/event_queue.hpp"
#include "sim/port_state.hpp"

namespace gatesim::sim {

class HallPassback {
 public:
  // `attempts`: the population has passback attempts.
  HallPassback(gate::Duration window, bool attempts) : ledger_(window), attempts_(attempts) {}

  gate::Duration window() const { return ledger_.window(); }
  // Without attempts in the population nobody is ever asked (may_be_known), so the ledger
  // remembers nothing: no id strings built and kept per clearance.
  bool on() const { return ledger_.enabled() && attempts_; }
  // ensures: whether a gate may find `m` in the ledger (only a passback attempt).
  bool may_be_known(const Member& m) const { return on() && m.holder != 0; }

  // ensures: the clearance of `holder` within the window before `at`, if any.
  const gate::Clearance* earlier(const std::string& holder, gate::Time at) const {
    return ledger_.enabled() ? ledger_.refuses(holder, at) : nullptr;
  }
  // ensures: `holder`, cleared by gate `server` at `at`, is remembered.
  void record(std::uint32_t server, const std::string& holder, gate::Time at) {
    ledger_.record({holder, at, "gate " + std::to_string(server)});
  }

 private:
  gate::PassbackLedger ledger_;
  const bool attempts_;
};

}  // namespace gatesim::sim
