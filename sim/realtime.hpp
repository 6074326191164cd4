#pragma once
// Real-time pacing, outside the model (as ns-3 keeps its real-time scheduler and its wall-clock
// synchronizer apart from the models): RealtimePacer runs a PacedSimulation's events in their
// order, each once the wall clock reaches its simulated time divided by the speed, and lets
// other threads hand work to the simulation at the simulated time the wall clock has reached
// (an external gate's answer). The simulation knows nothing of wall time: paced or not, it
// handles the same events in the same order, so its outputs are the same bytes.
//
// Falling behind: the pacer catches up. When an event's wall time has passed (the simulation
// or a status callback took longer than the wall time between events), every event due by now
// is handled at once, in order, and none is skipped or moved: simulated time then runs ahead of
// its wall-clock schedule until it has caught up. There is no hard limit: a replay that cannot
// keep the speed finishes late with the same outputs. RealtimeStatus::behind_s and
// max_behind_s say by how much it was late, so a user sees that the speed was not kept.
//
// Thread safety: run() on one thread; the function from poster() may be called from any thread,
// before, during or after run() (after it, the work is dropped).

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "sim/event_queue.hpp"
#include "sim/port_model.hpp"

namespace gatesim::sim {

// The simulation as the pacer drives it.
class PacedSimulation {
 public:
  virtual ~PacedSimulation() = default;
  // ensures: every event due at or before `until` is handled, in order (fewer once finished()).
  virtual void advance(SimTime until) = 0;
  // requires: no event is due before `at`. ensures: the clock reads `at`.
  virtual void advance_clock(SimTime at) = 0;
  // ensures: true once nothing is left to happen.
  virtual bool finished() const = 0;
  // ensures: the time of the next event, if any.
  virtual std::optional<SimTime> next_event() const = 0;
  // ensures: the status as the simulation knows it (the pacer fills wall_s and behind_s).
  virtual RealtimeStatus status() const = 0;
};

class RealtimePacer {
 public:
  // Work handed to the simulation: called on run()'s thread with the simulated time the wall
  // clock has reached, once every event due by then has been handled.
  using Work = std::function<void(SimTime at)>;
  // Hands work to the running pacer, from any thread.
  using Poster = std::function<void(Work)>;

  // requires: speed > 0 (simulated seconds per wall second). `status`: called on run()'s
  //           thread about once a wall second and once at the end; may be empty.
  RealtimePacer(double speed, std::function<void(const RealtimeStatus&)> status);
  ~RealtimePacer();
  RealtimePacer(const RealtimePacer&) = delete;
  RealtimePacer& operator=(const RealtimePacer&) = delete;

  // ensures: posting through it runs the work during run(); it stays safe to call afterwards.
  Poster poster() const;

  // Runs `simulation` until it has finished, paced.
  // throws: whatever the simulation or posted work throws (the run stops there).
  void run(PacedSimulation& simulation);

 private:
  struct Mailbox;
  const double speed_;
  const std::function<void(const RealtimeStatus&)> status_;
  std::shared_ptr<Mailbox> mailbox_;
};

}  // namespace gatesim::sim
