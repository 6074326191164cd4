#pragma once
// Barrier: the lane's exit gate. Indicator: the lane's signal to the traveller (lights,
// pictograms, a message). Console backends print one line per change, which is what a bench
// without hardware shows; an OpenCV window belongs to the gate command's --show.
//
// Thread safety: one thread at a time.

#include <memory>
#include <ostream>
#include <string>

#include "devices/device_fault.hpp"

namespace gatesim::devices {

class Barrier {
 public:
  virtual ~Barrier() = default;
  // throws DeviceFault when the barrier does not respond.
  virtual void open() = 0;
  virtual void close() = 0;
  virtual bool is_open() const = 0;
};

// Prints "barrier: open" / "barrier: closed" to `out`.
// requires: `out` outlives the barrier.
class ConsoleBarrier final : public Barrier {
 public:
  explicit ConsoleBarrier(std::ostream& out) : out_(out) {}
  void open() override;
  void close() override;
  bool is_open() const override { return open_; }

 private:
  std::ostream& out_;
  bool open_ = false;
};

}  // namespace gatesim::devices
