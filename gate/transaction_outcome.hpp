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

// A step of a transaction. The first five are what a lane's plan orders (GateConfig::steps);
// `audit` is the write of the record that ends every transaction: timed, never planned.
enum class Step : std::uint8_t { read_document, check_policy, face, fingerprint, guardian, audit };
std::string to_string(Step step);
// ensures: the step's name in the records: to_string(step), "guardian." in front for the guardian's
//          own steps ("face", "guardian.face"; guardian and audit are the transaction's); a literal.
std::string_view step_name(Step step, Role role);

// What a referral is for, as a typed constant: the controller's own findings, the lane's policy
// service's, and `policy_clause` for a clause of the rulebook (the clause itself is data:
// Reason::clause). Everything that reads a referral (the simulator's gate models, the soak, the
// dashboards) asks the code, never the text; the text (name) is what the audit log, the outputs
// and people see, and it does not change.
enum class ReasonCode : std::uint8_t {
  policy_clause,             // the rulebook refused the crossing: Reason::clause ("M3.age")
  policy_ineligible,         // "policy.ineligible": the policy check refused without a clause
  policy_timeout,            // "policy.timeout"
  policy_no_record,          // "policy.no_record": no traveller record for the holder
  policy_birth_date,         // "policy.birth_date": a record born after the crossing's date
  guardian_missing,          // "M3.guardian": a child's guardian is not on record, or not at this lane
  document_unreadable,       // "document.unreadable"
  document_timeout,          // "document.timeout"
  face_quality,              // "face.quality": no frame good enough to match in the attempts allowed
  face_timeout,              // "face.timeout"
  face_not_enrolled,         // "face.not_enrolled"
  face_no_match,             // "face.no_match"
  face_liveness,             // "face.liveness": the presentation-attack check refused
  identification_not_found,  // "identification.not_found"
  identification_ambiguous,  // "identification.ambiguous"
  fingerprint_poor_capture,  // "fingerprint.poor_capture"
  fingerprint_no_match,      // "fingerprint.no_match"
  fingerprint_timeout,       // "fingerprint.timeout"
  tailgating,                // "tailgating": a second person in the passage before the barrier opened
  passage_tailgating,        // "passage.tailgating": an incident, not a referral: more people went
                             // through the open passage than were cleared
  passback,                  // "gate.passback": cleared within the anti-passback window
  audit_failed,              // "audit.failed": the decision could not be recorded
  device_fault,              // "device.<device>": Reason::device failed during the step
  count,
};

// ensures: the code's stable name ("face.no_match"); "policy.clause" for policy_clause and
//          "device" for device_fault, whose names come from their Reason.
std::string_view name(ReasonCode code);
// ensures: true for the codes of a step that ran out of time (document, face, fingerprint, policy).
bool is_timeout(ReasonCode code);

// Why a traveller was referred: the code, whose step it was (a guardian's reasons are named with
// "guardian." in front), and what it says to a person.
struct Reason {
  ReasonCode code = ReasonCode::policy_clause;
  std::string detail;
  Role role = Role::traveller;
  std::string clause;              // policy_clause only: the rulebook's clause ("M3.age")
  Device device = Device::camera;  // device_fault only

  Reason() = default;
  Reason(ReasonCode code_, std::string detail_, Role role_ = Role::traveller)
      : code(code_), detail(std::move(detail_)), role(role_) {}
  // ensures: a policy_clause reason for `clause` (requires: not empty).
  static Reason policy(std::string clause, std::string detail, Role role = Role::traveller);
  // ensures: a device_fault reason for `device`.
  static Reason fault(Device device, std::string detail);

  // ensures: the stable machine-readable name without the role: the clause, "device.camera",
  //          or name(code).
  std::string code_name() const;
  // ensures: code_name() with "guardian." in front for the guardian's reasons ("M3.age",
  //          "guardian.face.no_match", "device.camera") - what the audit log and outputs store.
  std::string name() const;

  friend bool operator==(const Reason&, const Reason&) = default;
};

// A device fault seen during (or between) transactions: which device, what kind of fault (as the
// device reported it; the controller's own camera-stall finding is a timeout) and its text.
struct DeviceFaultRecord {
  Device device = Device::camera;
  devices::FaultKind kind = devices::FaultKind::disconnected;
  std::string what;
  Time at{};
  // true: the controller inferred it (a camera that gave no frame for GateConfig::camera_stall
  // when a step timed out), no device reported it. A soak counts these apart from the faults
  // it injected.
  bool stall = false;
};

// How long one step took, and whose step it was (the guardian's are timed apart).
struct StepTiming {
  Step step = Step::read_document;
  Role role = Role::traveller;
  Duration duration{};
  std::string_view name() const { return step_name(step, role); }
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
std::string to_string(const Reason& reason);  // "name: detail"

// ensures: the outcome as one JSON object; durations in milliseconds (fractional).
nlohmann::json to_json(const TransactionOutcome& outcome);

}  // namespace gatesim::gate
