#pragma once
// TransactionOutcome: everything one lane transaction decided and measured — the decision,
// the reasons, the scores, the timing of every step and the device faults seen. The gate
// controller builds it; the audit log stores it; the drivers print it.
//
// Times are durations since an epoch the driver chooses (the real-time driver: its start on
// the steady clock; the simulator: its virtual clock's zero), so the same outcome comes out
// of a live lane and a simulated one.
//
// Thread safety: plain values; safe to copy and share read-only.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "biometrics/liveness_rule.hpp"
#include "devices/device_fault.hpp"

namespace gatesim::gate {

using Duration = std::chrono::microseconds;
using Time = Duration;  // since the driver's epoch

enum class Channel { document, document_free };
enum class Decision { cleared, referred };
enum class Role { traveller, guardian };
enum class Device { camera, fingerprint_reader, document_reader, barrier, indicator, passage_sensor };

// Why a traveller was referred. `code` is stable and machine-readable ("M3.age",
// "face.no_match", "device.camera", "tailgating"); `detail` says it to a person.
struct Reason {
  std::string code;
  std::string detail;
  friend bool operator==(const Reason&, const Reason&) = default;
};

// A device fault seen during (or between) transactions: which device, what kind of fault (as the
// device reported it; the controller's own camera-stall finding is a timeout) and its text.
struct DeviceFaultRecord {
  Device device = Device::camera;
  devices::FaultKind kind = devices::FaultKind::disconnected;
  std::string what;
  Time at{};
};

// How long one step took. `step` names it with the role for a guardian's steps
// ("face", "guardian.read_document", "audit"); the controller's names are string literals, so
// recording a timing copies no text.
struct StepTiming {
  std::string_view step;  // requires: text that outlives the outcome (a literal)
  Duration duration{};
};

// The biometric evidence for one person (the traveller, or the guardian).
struct PersonEvidence {
  Role role = Role::traveller;
  std::string holder_id;           // whose templates were used (verification) or who was found
  int frames = 0;                  // frames analysed
  int frames_rejected = 0;         // frames that failed quality or held too few faces
  int match_attempts = 0;
  std::optional<double> distance;  // best verification distance, or the last best identification distance
  std::optional<double> second_distance;  // identification only: the runner-up's
  std::optional<bool> face_passed;
  int fingerprint_attempts = 0;
  std::optional<bool> fingerprint_matched;
  // Liveness, only when the lane checks it: the controller's last judgement in the face step
  // (biometrics::judge_liveness on the detector's measurements; undecided: the step ended first).
  std::optional<biometrics::LivenessEvidence> liveness;
};

struct TransactionOutcome {
  std::uint64_t transaction = 0;   // 1, 2, ... per controller
  Channel channel = Channel::document;
  Time started_at{};
  Time decided_at{};
  Decision decision = Decision::referred;
  std::vector<Reason> reasons;     // empty when cleared
  std::string holder_id;           // the traveller, once known
  std::string document_number;     // document channel only
  std::string guardian_id;         // when a guardian passed with the traveller
  std::vector<PersonEvidence> people;  // the traveller first, then the guardian
  bool alarm = false;
  std::vector<DeviceFaultRecord> device_faults;
  std::vector<StepTiming> timings;
  std::vector<std::string> image_paths;  // only when the driver keeps images

  // ensures: *this holds what TransactionOutcome{} holds, keeping the lists' and strings'
  //          capacity (a controller reuses one record per transaction without allocating).
  void clear();
};

std::string to_string(Channel channel);
std::string to_string(Decision decision);
std::string to_string(Role role);
std::string to_string(Device device);
std::string to_string(const Reason& reason);  // "code: detail"

// ensures: the outcome as one JSON object; durations in milliseconds (fractional).
nlohmann::json to_json(const TransactionOutcome& outcome);

}  // namespace gatesim::gate
