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
// Pausing and changing the speed (PaceControl): asked from any thread, obeyed by run()'s thread
// at its next wait. They move only the wall-clock schedule, never the simulated one: the same
// events are handled in the same order, so the outputs are the same bytes. A pause does not count
// as falling behind: on resume, the schedule starts again from the simulated time it stopped at.
//
// Thread safety: run() on one thread; the function from poster() may be called from any thread,
// before, during or after run() (after it, the work is dropped). PaceControl: any thread.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "sim/event_queue.hpp"
#include "sim/port_model.hpp"

namespace gatesim::sim {

// What a user may ask of a running replay: pause, resume, another speed. Asked from any thread
// (a dashboard's), obeyed by the pacer's thread at its next wait.
// Thread safety: every member may be called from any thread.
class PaceControl {
 public:
  // The speeds a user may ask for (--realtime, the dashboard's control); tests pace faster.
  static constexpr double kMinSpeed = 0.01, kMaxSpeed = 100;
  struct State {
    double speed = 1;
    bool paused = false;
  };
  // requires: speed > 0.
  explicit PaceControl(double speed);
  PaceControl(const PaceControl&) = delete;
  PaceControl& operator=(const PaceControl&) = delete;

  // ensures: the replay stops handling events (status still comes about once a wall second).
  void pause();
  // ensures: the replay goes on from the simulated time it paused at.
  void resume();
  // requires: speed > 0. ensures: the replay goes on at this speed.
  void set_speed(double speed);
  // ensures: what was asked last (the pacer obeys it at its next wait).
  State state() const;

 private:
  friend class RealtimePacer;
  void changed();
  mutable std::mutex mutex_;
  State state_;
  std::function<void()> wake_;  // set by a running pacer: wakes its thread
};

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
  //           thread about once a wall second and once at the end; may be empty. `control`:
  //           when given, its state replaces `speed` and is obeyed while run() runs (one pacer
  //           runs with a control at a time).
  RealtimePacer(double speed, std::function<void(const RealtimeStatus&)> status,
                std::shared_ptr<PaceControl> control = nullptr);
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
  const std::function<void(const RealtimeStatus&)> status_;
  const std::shared_ptr<PaceControl> control_;  // never null: the caller's, or one of its own
  std::shared_ptr<Mailbox> mailbox_;
};

}  // namespace gatesim::sim
