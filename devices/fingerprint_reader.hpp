#pragma once
// FingerprintReader: captures a finger and verifies it against the holder's enrolled print.
// Backends: `sim:` a scripted simulated reader (SimulatedFingerprintReader), `libfprint:` a
// libfprint device (LibfprintReader, libfprint_reader.hpp).
//
// Thread safety: one thread at a time.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "devices/clock.hpp"
#include "devices/device_fault.hpp"

namespace gatesim::devices {

enum class FingerprintStatus {
  matched,      // score >= the reader's threshold
  not_matched,  // a finger was read but it is not the holder's
  no_finger,    // nobody put a finger on the sensor before the reader gave up
  poor_capture, // a finger, but too poor an image to compare
};
std::string to_string(FingerprintStatus status);

struct FingerprintReading {
  FingerprintStatus status = FingerprintStatus::no_finger;
  double score = 0;  // 0..1 similarity; 0 when there was nothing to compare
};

class FingerprintReader {
 public:
  virtual ~FingerprintReader() = default;
  // ensures: the reading for one touch, verified against `holder_id`'s enrolled print.
  // throws DeviceFault: disconnected, timeout (the reader stopped answering), end_of_stream
  //        (a scripted reader ran out of outcomes).
  virtual FingerprintReading verify(const std::string& holder_id) = 0;
  virtual std::string name() const = 0;
};

// One scripted touch: a reading, or a fault the reader raises instead.
struct ScriptedTouch {
  FingerprintReading reading;
  std::optional<FaultKind> fault;  // set: verify() throws DeviceFault of this kind
  Duration delay{};                // time the touch takes on the reader's clock
};

// A simulated reader that plays scripted touches in order, then reports end_of_stream.
class SimulatedFingerprintReader final : public FingerprintReader {
 public:
  SimulatedFingerprintReader(std::vector<ScriptedTouch> script, Clock& clock = steady_clock());
  FingerprintReading verify(const std::string& holder_id) override;
  std::string name() const override { return "sim"; }

 private:
  std::vector<ScriptedTouch> script_;
  std::size_t next_ = 0;
  Clock& clock_;
};

// Opens a reader by URI:
//   sim:TOUCH,TOUCH,...  each TOUCH is match:SCORE, nomatch:SCORE, nofinger, poor, timeout
//                        or disconnect, optionally followed by @MS (time the touch takes);
//                        e.g. "sim:match:0.93,timeout,nofinger@5000".
//   libfprint:           the first libfprint device (LibfprintReader)
//   libfprint:DRIVER     the first device of that libfprint driver, e.g. virtual_image
//     options: prints=DIR (enrolled prints, default ./fingerprints), timeout_ms=N (per touch,
//     default 10000), socket=PATH (virtual_image: the socket it listens on; sets FP_VIRTUAL_IMAGE)
//   tcp://HOST:PORT      the reader a `gatesim device-server --fingerprint` serves
//                        (RemoteFingerprintReader); option timeout_ms=N per touch (default 15000)
//   tls://HOST:PORT      the same over mutual TLS: options ca=, cert=, key= (device_uri.hpp)
// Settings after '#' as for cameras: faults=..., seed=S.
// throws models::InputError naming the URI, the touch or option and what was expected;
//        DeviceFault (disconnected) when a libfprint device is absent or does not open.
std::unique_ptr<FingerprintReader> open_fingerprint_reader(const std::string& uri, Clock& clock = steady_clock());

}  // namespace gatesim::devices
