#pragma once
// Arrivals: who comes into the port, and when. Parties drawn by the population generator
// (sim/population.hpp) arrive by a Poisson process whose rate follows the scenario's hourly
// profile, in batches (a train, a ship: a Poisson number of travellers unloaded evenly over
// some minutes, every so often within hours of the day), and from a trace file (sim/trace.hpp,
// the rows as given); a traveller a gate cleared may come back as a passback attempt
// (PopulationSpec::passback). Arrivals stop at the end of the arrival window. Who follows a
// cleared traveller through a gate's open passage (PopulationSpec::tailgating) is drawn here
// too; when is the gate's (GateDevices::passage).
//
// Each process schedules its next arrival on the run's event queue and hands each party to the
// port (`arrive`) when its event is handled. Draws come from their own streams of the seed
// (arrivals, population, passback, tailgaters), so other parts of the model do not shift them.
//
// Thread safety: none; one per replication.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "sim/event_queue.hpp"
#include "sim/port_state.hpp"
#include "sim/population.hpp"
#include "sim/random.hpp"
#include "sim/scenario.hpp"
#include "sim/trace.hpp"

namespace gatesim::sim {

class Arrivals {
 public:
  // A party enters the port; `holder`: a passback attempt's (Member::holder), else 0.
  using Arrive = std::function<void(const PartyProfile& party, std::uint64_t holder)>;

  // requires: a checked scenario; `scenario` and `events` outlive this.
  // throws: models::InputError for a trace file that cannot be opened.
  Arrivals(const Scenario& scenario, std::uint64_t seed, EventQueue& events, Arrive arrive);

  // ensures: the first arrival of each process is scheduled (at most once per run).
  void start();
  // requires: e.kind is one of the arrival kinds (is_arrival).
  // ensures: the party due now has arrived; the process's next arrival is scheduled.
  // throws: models::InputError for a bad trace row.
  void handle(const SimEvent& e);
  static bool is_arrival(std::uint32_t kind) {
    return kind == kPoissonArrival || kind == kBatchStart || kind == kBatchMember || kind == kTraceArrival ||
           kind == kPassbackArrival;
  }
  // ensures: true while a trace row is still to come (it may lie beyond the arrival window).
  bool trace_pending() const { return trace_pending_; }
  // ensures: the trace reader, or nullptr without a trace (its images: TraceReader::image).
  const TraceReader* trace() const { return trace_.get(); }

  // A traveller the gate cleared now may come back (PopulationSpec::passback): an adult of full
  // capacity, neither impostor nor attacker, once (an attempt does not come back again), after
  // passback_delay, within the arrival window.
  void maybe_come_back(const Member& m);

  // A tailgater (PopulationSpec::tailgating): an adult of the population, who showed nothing to
  // the gate (neither an impostor nor an attacker). requires: the scenario has tailgaters.
  TravellerProfile tailgater();

 private:
  void on_poisson(const SimEvent& e);
  void on_batch_start(const SimEvent& e);
  void on_batch_member(const SimEvent& e);
  void schedule_trace();
  void on_comeback(const SimEvent& e);
  int hour_of_day(SimTime t) const;
  SimTime next_hour_boundary(SimTime t) const;
  std::optional<SimTime> next_batch_time(const Batch& b, SimTime from) const;

  const Scenario& scenario_;
  EventQueue& events_;
  Arrive arrive_;
  const SimTime end_;
  Rng arrivals_rng_, passback_rng_;
  PopulationGenerator population_;
  std::optional<PopulationGenerator> tailgaters_;  // only with tailgaters in the population
  double party_rate_[24] = {};  // parties per second, by hour of day
  std::unique_ptr<TraceReader> trace_;
  std::optional<TraceParty> next_trace_;
  bool trace_pending_ = false;
  // Passback attempts waiting to come back (kPassbackArrival's target), and free slots.
  struct Comeback {
    TravellerProfile profile;
    std::uint64_t holder = 0;
  };
  std::vector<Comeback> comebacks_;
  std::vector<std::uint32_t> free_comebacks_;
};

}  // namespace gatesim::sim
