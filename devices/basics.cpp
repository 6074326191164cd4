// DeviceFault, the clocks and the console barrier and indicator.
#include <thread>

#include "devices/barrier.hpp"
#include "devices/clock.hpp"
#include "devices/device_fault.hpp"
#include "devices/indicator.hpp"

namespace gatesim::devices {

std::string to_string(FaultKind kind) {
  switch (kind) {
    case FaultKind::disconnected: return "disconnected";
    case FaultKind::timeout: return "timeout";
    case FaultKind::corrupt: return "corrupt";
    case FaultKind::end_of_stream: return "end of stream";
  }
  return "unknown";
}

DeviceFault::DeviceFault(FaultKind kind, const std::string& device, const std::string& detail)
    : std::runtime_error(device + ": " + to_string(kind) + ": " + detail), kind_(kind), device_(device) {}

Duration SteadyClock::now() const { return std::chrono::steady_clock::now().time_since_epoch(); }

void SteadyClock::sleep_until(Duration until) {
  std::this_thread::sleep_until(std::chrono::steady_clock::time_point(until));
}

Duration VirtualClock::now() const {
  std::lock_guard lock(mutex_);
  return now_;
}

void VirtualClock::sleep_until(Duration until) {
  std::lock_guard lock(mutex_);
  now_ = std::max(now_, until);
}

Clock& steady_clock() {
  static SteadyClock clock;
  return clock;
}

void ConsoleBarrier::open() {
  open_ = true;
  out_ << "barrier: open" << std::endl;
}

void ConsoleBarrier::close() {
  open_ = false;
  out_ << "barrier: closed" << std::endl;
}

void ConsoleIndicator::show(const std::string& signal) { out_ << "indicator: " << signal << std::endl; }

void ConsoleIndicator::alarm(const std::string& what) { out_ << "ALARM: " << what << std::endl; }

}  // namespace gatesim::devices
