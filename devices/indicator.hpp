#pragma once
// Indicator: what the lane tells the traveller. The signal is free text chosen by the gate
// ("present document", "look at the camera", "proceed", "go to counter") so devices/ need
// not know the gate's vocabulary.
//
// Thread safety: one thread at a time.

#include <ostream>
#include <string>

#include "devices/device_fault.hpp"

namespace gatesim::devices {

class Indicator {
 public:
  virtual ~Indicator() = default;
  // throws DeviceFault when the indicator does not respond.
  virtual void show(const std::string& signal) = 0;
  virtual void alarm(const std::string& what) = 0;
};

// Prints "indicator: <signal>" and "ALARM: <what>" lines to `out`.
// requires: `out` outlives the indicator.
class ConsoleIndicator final : public Indicator {
 public:
  explicit ConsoleIndicator(std::ostream& out) : out_(out) {}
  void show(const std::string& signal) override;
  void alarm(const std::string& what) override;

 private:
  std::ostream& out_;
};

}  // namespace gatesim::devices
