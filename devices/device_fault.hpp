#pragma once
// DeviceFault: a device could not do what was asked. Every device interface in devices/
// reports failures this way, so a driver needs one catch to turn any of them into a fault
// event, and the kind says whether retrying (reopening) can help.
//
// Thread safety: a value type.

#include <stdexcept>
#include <string>

namespace gatesim::devices {

enum class FaultKind {
  disconnected,   // unplugged, connection lost or refused: reopening may help
  timeout,        // the device did not answer in time (stalled)
  corrupt,        // it answered with data we cannot use (undecodable frame, bad message)
  end_of_stream,  // a recorded source (file, folder, script) has nothing more to give
};

std::string to_string(FaultKind kind);

class DeviceFault : public std::runtime_error {
 public:
  // ensures: what() is "<device>: <kind>: <detail>".
  DeviceFault(FaultKind kind, const std::string& device, const std::string& detail);
  FaultKind kind() const { return kind_; }
  const std::string& device() const { return device_; }

 private:
  FaultKind kind_;
  std::string device_;
};

}  // namespace gatesim::devices
