#pragma once
// GateFaults: when the simulated gates fail and how long a repair takes. Each gate (not the
// counters, not an external gate) fails after an exponential time with mean faults.mtbf_hours of
// operation, within the arrival window, and is repaired after a faults.repair draw; then its
// next failure is drawn. Draws come from the seed's fault stream.
//
// What a fault does to the party at the gate is the gate model's (GateModel::fault); the hall
// takes the gate out of service until kRepair.
//
// Thread safety: none; one per replication.

#include <cstdint>

#include "sim/event_queue.hpp"
#include "sim/port_state.hpp"
#include "sim/random.hpp"
#include "sim/scenario.hpp"

namespace gatesim::sim {

class GateFaults {
 public:
  // requires: `events` outlives this.
  GateFaults(const FaultSpec& spec, SimTime end, std::uint64_t seed, EventQueue& events)
      : spec_(spec), end_(end), rng_(seed, 3), events_(events) {}

  bool on() const { return spec_.mtbf_hours > 0; }
  // requires: on().
  // ensures: `gate`'s next kFault is scheduled, unless it would fall after the arrival window.
  void schedule_fault(std::uint32_t gate) {
    const SimTime at = events_.now() + seconds(rng_.exponential(1.0 / (spec_.mtbf_hours * 3600)));
    if (at < end_) events_.schedule_at(at, kFault, gate);
  }
  // ensures: `gate`'s kRepair is scheduled.
  void schedule_repair(std::uint32_t gate) { events_.schedule_in(seconds(sample(spec_.repair, rng_)), kRepair, gate); }

 private:
  const FaultSpec spec_;
  const SimTime end_;
  Rng rng_;
  EventQueue& events_;
};

}  // namespace gatesim::sim
