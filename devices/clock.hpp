#pragma once
// Clock: where devices get "now" and how they wait. Real backends use SteadyClock; tests and
// simulations use VirtualClock, whose waits advance time at once, so replay timings, injected
// stalls and reconnect back-offs are tested without sleeping.
//
// Thread safety: SteadyClock is safe from any thread; VirtualClock is safe from any thread
// (one mutex) but is meant for single-threaded tests.

#include <chrono>
#include <mutex>

namespace gatesim::devices {

using Duration = std::chrono::nanoseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // ensures: time since the clock's own origin, never decreasing.
  virtual Duration now() const = 0;
  // ensures: returns once now() >= until (at once when that is already so).
  virtual void sleep_until(Duration until) = 0;
  void sleep_for(Duration d) { sleep_until(now() + d); }
};

class SteadyClock final : public Clock {
 public:
  Duration now() const override;
  void sleep_until(Duration until) override;
};

class VirtualClock final : public Clock {
 public:
  Duration now() const override;
  // ensures: now() == max(now(), until), without blocking.
  void sleep_until(Duration until) override;

 private:
  mutable std::mutex mutex_;
  Duration now_{0};
};

// The process-wide steady clock (the default of every device).
Clock& steady_clock();

}  // namespace gatesim::devices
