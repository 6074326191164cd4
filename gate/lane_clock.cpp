#include "gate/lane_clock.hpp"

#include <cassert>
#include <thread>

namespace gatesim::gate {

devices::Duration SteadyLaneClock::now() const { return std::chrono::steady_clock::now().time_since_epoch(); }

void SteadyLaneClock::sleep_until(devices::Duration until) {
  std::this_thread::sleep_until(std::chrono::steady_clock::time_point(until));
}

LaneClock& steady_lane_clock() {
  static SteadyLaneClock clock;
  return clock;
}

devices::Duration VirtualLaneClock::now() const {
  std::lock_guard lock(mutex_);
  return now_;
}

void VirtualLaneClock::sleep_until(devices::Duration until) {
  std::unique_lock lock(mutex_);
  if (until <= now_) return;
  if (!on_quiet_) {  // no lane is running: nothing else can move time, so it jumps
    now_ = until;
    return;
  }
  // The sleeper stops working; advance() counts it as working again when it wakes it, so the
  // driver never sees a quiet lane between the wake-up and the sleeper running on.
  sleepers_.insert(until);
  assert(working_ > 0 && "sleep_until from a thread the driver does not count as working");
  if (working_ > 0) --working_;
  if (working_ == 0) became_idle();
  woken_.wait(lock, [&] { return now_ >= until; });
}

void VirtualLaneClock::busy() {
  std::lock_guard lock(mutex_);
  ++working_;
}

void VirtualLaneClock::idle() {
  std::lock_guard lock(mutex_);
  assert(working_ > 0);
  if (working_ > 0 && --working_ == 0) became_idle();
}

void VirtualLaneClock::became_idle() {
  if (on_quiet_) on_quiet_();
}

bool VirtualLaneClock::quiet() const {
  std::lock_guard lock(mutex_);
  return working_ == 0;
}

std::optional<devices::Duration> VirtualLaneClock::advance(std::optional<devices::Duration> timer) {
  std::lock_guard lock(mutex_);
  std::optional<devices::Duration> due = timer;
  if (!sleepers_.empty() && (!due || *sleepers_.begin() < *due)) due = *sleepers_.begin();
  if (!due) return std::nullopt;
  now_ = std::max(now_, *due);
  while (!sleepers_.empty() && *sleepers_.begin() <= now_) {
    sleepers_.erase(sleepers_.begin());
    ++working_;
  }
  woken_.notify_all();
  return now_;
}

void VirtualLaneClock::on_quiet(std::function<void()> hook) {
  std::lock_guard lock(mutex_);
  on_quiet_ = std::move(hook);
  if (on_quiet_ || sleepers_.empty()) return;
  // The lane is over: nothing will move time for a device call it abandoned while it slept, so
  // time jumps to the last sleeper's wake-up (as it does for a sleeper with no lane running).
  // Each sleeper woken works again until its idle(), as after advance().
  now_ = std::max(now_, *sleepers_.rbegin());
  working_ += sleepers_.size();
  sleepers_.clear();
  woken_.notify_all();
}

}  // namespace gatesim::gate
