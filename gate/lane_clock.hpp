#pragma once
// LaneClock: the time a LaneDriver runs on, and how its worker threads tell that clock whether
// they are busy. It is a devices::Clock too, so a lane's devices (replay timings, injected
// stalls, reconnect back-offs) can wait on the same time as the driver's timers.
//
// - SteadyLaneClock: real time (std::chrono::steady_clock); the driver's timers are Asio steady
//   timers; busy()/idle() do nothing. The default of every lane.
// - VirtualLaneClock: time moves only when nothing in the lane is working, and then jumps to
//   the next thing due. Work is everything the driver has handed to a worker thread (a device
//   call, a face analysis, a service answer, an audit write) until the driver's own thread has
//   taken its answer; a worker blocked in sleep_until() on this clock is not working. When no
//   work is under way the driver moves time to the earliest of its own timers and the clock's
//   sleepers, wakes those due, and goes on. So a test's 15 s face window costs no real time,
//   and however long the real face pipeline takes (seconds under ASan) no virtual time passes
//   meanwhile: outcomes depend on the script only, never on the machine's speed.
//   The price: a device that blocks on anything but this clock (a real socket, a promise) holds
//   virtual time still until it returns; in virtual time such a stall must be written as
//   sleep_until() on the clock. stop() still ends the lane (LaneDriver cancels, it does not wait).
//
// Thread safety: every member is safe from any thread. A VirtualLaneClock serves one LaneDriver's
// run() (the driver installs its wake-up hook for the length of run(); work it abandoned at the
// end is never counted idle, so the clock is not reused for another run).

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <set>

#include "devices/clock.hpp"

namespace gatesim::gate {

class LaneClock : public devices::Clock {
 public:
  // false: real time; the driver uses Asio steady timers and never calls advance().
  virtual bool is_virtual() const = 0;
  // Work accounting (VirtualLaneClock): busy() when a piece of work starts or is handed on,
  // idle() when it is over. Each idle() matches one earlier busy().
  virtual void busy() {}
  virtual void idle() {}
};

class SteadyLaneClock final : public LaneClock {
 public:
  devices::Duration now() const override;
  void sleep_until(devices::Duration until) override;
  bool is_virtual() const override { return false; }
};

// The process's real lane clock (the LaneDriver default).
LaneClock& steady_lane_clock();

class VirtualLaneClock final : public LaneClock {
 public:
  explicit VirtualLaneClock(devices::Duration start = {}) : now_(start) {}

  devices::Duration now() const override;
  // ensures: returns once now() >= until; until then the caller counts as not working, and
  //          the driver moves time there when nothing else is working. With no lane running
  //          (no on_quiet hook) time jumps to `until` at once, as devices::VirtualClock's.
  // requires: called from work the driver counts (a device call), or with no lane running.
  void sleep_until(devices::Duration until) override;
  bool is_virtual() const override { return true; }
  void busy() override;
  void idle() override;

  // ---- For the driver ----
  // true: no work under way (the driver checks that it has no answer waiting either).
  bool quiet() const;
  // requires: quiet().
  // ensures: when `timer` or a sleeper is due, now() is the earliest of them (never earlier
  //          than before), the sleepers due at that time are woken and counted as working
  //          again; returns the new time. nullopt (time unchanged): nothing is due anywhere.
  std::optional<devices::Duration> advance(std::optional<devices::Duration> timer);
  // `hook` is called (under the clock's lock: it must only post) whenever work falls to none,
  // so the driver's thread, which may be waiting for an answer, looks again. Empty: no hook
  // (the lane is over), and every sleeper is woken (counted as working again, as by advance()),
  // time jumping to the last one's wake-up: an abandoned device call asleep on the clock returns
  // instead of waiting forever.
  void on_quiet(std::function<void()> hook);

 private:
  void became_idle();  // requires: the lock held

  mutable std::mutex mutex_;
  std::condition_variable woken_;
  devices::Duration now_;
  std::size_t working_ = 0;
  std::multiset<devices::Duration> sleepers_;  // when each sleeper is due
  std::function<void()> on_quiet_;
};

}  // namespace gatesim::gate
