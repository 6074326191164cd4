#pragma once
// PassageSensor: the lane's exit sensing (light curtains or a ceiling sensor over the passage
// behind the barrier). After the barrier opens the lane asks it to wait until the passage is
// clear again and to say how many people went through: more than were cleared is tailgating.
// Backends by URI: `sim:` a scripted simulated sensor (SimulatedPassageSensor); tcp:// and
// tls:// a sensor served by `gatesim device-server --passage` (RemotePassageSensor).
//
// Thread safety: one thread at a time.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "devices/clock.hpp"
#include "devices/device_fault.hpp"

namespace gatesim::devices {

class PassageSensor {
 public:
  virtual ~PassageSensor() = default;
  // ensures: blocks until the passage is clear; the people who went through it (0: the
  //          traveller turned back).
  // throws DeviceFault: disconnected, timeout (nobody cleared the passage in the sensor's
  //        own time), end_of_stream (a scripted sensor ran out of passages).
  virtual int await_clear() = 0;
  virtual std::string name() const = 0;
};

// One scripted passage: how many people went through and how long it took, or a fault.
struct ScriptedPassage {
  int people = 1;
  std::optional<FaultKind> fault;
  Duration delay{};  // on the sensor's clock
};

// Plays scripted passages in order, then reports end_of_stream.
class SimulatedPassageSensor final : public PassageSensor {
 public:
  explicit SimulatedPassageSensor(std::vector<ScriptedPassage> script, Clock& clock = steady_clock());
  int await_clear() override;
  std::string name() const override { return "sim"; }

 private:
  std::vector<ScriptedPassage> script_;
  std::size_t next_ = 0;
  Clock& clock_;
};

// How long a remote sensor waits for one passage unless its URI says timeout_ms=N.
inline constexpr std::chrono::milliseconds kRemotePassageTimeout{std::chrono::seconds(60)};

// Opens a sensor by URI:
//   sim:PASSAGE,PASSAGE,...  each PASSAGE is a number of people (0-9), timeout or disconnect,
//                            optionally followed by @MS (time it takes); e.g. "sim:1@2000,2,1".
//   tcp://HOST:PORT, tls://HOST:PORT  served by `gatesim device-server --passage URI`; options
//                            timeout_ms= (kRemotePassageTimeout), and ca=, cert=, key= for tls://.
// throws models::InputError naming the URI and the passage or option and what was expected.
std::unique_ptr<PassageSensor> open_passage_sensor(const std::string& uri, Clock& clock = steady_clock());

}  // namespace gatesim::devices
