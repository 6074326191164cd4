#pragma once
// GateController: the smart-channel lane as a pure state machine, (state, event) -> (state,
// actions). It does no I/O and owns no clock or thread: events carry what happened and when
// (a document read, a frame analysed, a timer fired, a device failed), actions ask the driver
// to do things (capture a frame, start a timer, write the audit record, open the barrier).
// Two drivers run it: the real-time lane driver (Boost.Asio, devices) and the port simulator
// (virtual time). Tests feed it scripted events.
//
// One transaction, in the configured step order (defaults: see default_steps):
//   document channel:      read document -> policy check -> face (1:1 against the holder's
//                          enrolled templates) -> [fingerprint] -> [guardian]
//   document-free channel: face (1:N identification with a margin between the best and the
//                          second-best candidate) -> policy check on who was found ->
//                          [fingerprint] -> [guardian]
// The face step captures frames until one passes quality (bounded by frames and time); more
// faces than allowed is tailgating (refer and alarm at once).
//
// Liveness (GateConfig::liveness.mode other than off): each FrameAnalysed of the face step
// carries what the lane's detector has measured over the step's frames so far
// (biometrics::LivenessMeasurements: the passive and temporal cues' values, frozen, frames).
// The decision is the controller's, by the one liveness rule, biometrics::judge_liveness, with
// the lane's GateConfig::liveness and the time since the face step began: an attack is referred
// at once with "face.liveness" naming the cue and its value against its threshold, whatever the
// match; the face step ends only when the face matched and the evidence is live. While it is
// undecided the step keeps capturing frames; when the step's frames (max_face_frames) or its
// window (face_window) run out, the rule is asked for its final word and an undecided face is
// referred with "face.liveness" saying what was missing (before the face matched, the step's
// own limits apply: face.quality, face.no_match, face.timeout). With liveness off, the
// measurements are ignored and every action is what it was without them.
//
// Anti-passback (GateConfig::passback_window > 0): once the controller knows who the traveller
// is (document read, or the gallery's identification), a holder its PassbackLedger saw cleared
// within the window is referred with "gate.passback" naming that transaction. Clearances are
// recorded when the audit write of a cleared transaction succeeds (traveller and guardian);
// a driver seeds earlier ones (other lanes, a restart) with remember().
//
// Passage: once the barrier opens the lane is `passing`. TravellerPassed (the exit sensor, or
// a camera-only lane's driver once the face has left the view) closes the barrier and makes
// the lane ready. The exit timer closes the barrier if nobody passed; with passage_required
// the lane then still waits for TravellerPassed (the traveller is still in the lane), without
// it (the simulator's default) the lane is ready at once. More people through the passage
// than were cleared is tailgating: RaiseAlarm and RecordIncident (the transaction's own
// record is already written). The guardian step runs when the
// policy verdict asks for one: the guardian passes the same steps (as Role::guardian) and must
// be one of the guardians on record. Then the outcome is written to the audit log and only
// once the driver confirms the write (AuditWritten) is the barrier opened or the traveller
// referred to a staffed counter with the reasons. A device fault ends the transaction as a
// referral naming the fault; the lane is then ready for the next traveller.
//
// Requests carry an id; an event answering a request that is no longer awaited (a late reply
// after a timeout or a fault), or a timer that was cancelled, is ignored.
//
// The transaction's record is shared, not copied: WriteAudit and Completed hold the controller's
// own TransactionOutcome through a shared pointer to const. The controller changes the record
// only while no action holds it (once the driver has dropped its actions), and otherwise first
// takes a copy, so what an action holds never changes under it. A driver that drops each event's
// actions before the next one (as both drivers do) makes no copy and, once warm, no allocation.
//
// Thread safety: none; one driver thread calls handle() at a time.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "biometrics/matcher.hpp"
#include "gate/passback.hpp"
#include "gate/transaction_outcome.hpp"

namespace gatesim::gate {

using namespace std::chrono_literals;

// ensures: the smart channel's order for `channel` (without fingerprint; a port that asks for
//          fingerprints inserts Step::fingerprint after Step::face).
std::vector<Step> default_steps(Channel channel);

// Every timeout, limit, threshold and the step order. The defaults fit the smart channel:
// Hong Kong's e-Channel takes about 7 s per traveller and Shenzhen Bay's document-free channel
// under 10 s (shared/PORT-FACTS.md), so each step gets a few seconds and a whole ordinary
// transaction a budget near 10 s.
struct GateConfig {
  Channel channel = Channel::document;
  std::vector<Step> steps;  // empty: default_steps(channel)

  Duration document_timeout = 5s;  // to place the permit on the reader and read its chip
  int max_document_attempts = 2;   // unreadable reads before referral
  Duration service_timeout = 2s;   // the policy verdict (a match or identification counts in face_window)

  Duration face_window = 5s;       // the whole face step, matching included
  int max_face_frames = 30;        // frames analysed per face step (2 s of 15 frames/s video)
  int max_match_attempts = 2;      // quality frames that may fail to match before referral
  int max_faces_in_frame = 1;      // more is tailgating
  int guardian_max_faces_in_frame = 2;  // the ward stays in the lane while the guardian looks
  // A camera that gives no frame for this long when a step times out is stalled: the outcome
  // records a camera fault and the reason names it (live video is 15-30 frames/s).
  Duration camera_stall = 1s;

  // Verification: dlib's 0.6 (99.38% on LFW). Identification searches a whole gallery, so it
  // is stricter and needs the runner-up to be clearly further (an assumption to calibrate with
  // `gatesim eval-faces`, not a published figure).
  double match_threshold = biometrics::kDlibDefaultThreshold;
  double identification_threshold = 0.5;
  double identification_margin = 0.08;

  Duration fingerprint_timeout = 8s;  // per capture
  int max_fingerprint_attempts = 3;

  Duration exit_timeout = 6s;  // barrier open for the traveller (and guardian) to walk through
  // true: the next transaction waits for TravellerPassed even after the exit timer closed the
  // barrier (a live lane, whose exit sensor or camera says when the traveller has gone).
  bool passage_required = false;

  // Anti-passback: a holder cleared within this window is referred "gate.passback"; zero: off.
  Duration passback_window{};

  // Liveness in the face step (see the header comment): the cues, their thresholds, the frames
  // they need and the part of the face window they may use (time_budget_s, within face_window).
  biometrics::LivenessConfig liveness{.mode = biometrics::LivenessMode::off};

  // false: no ShowIndicator actions, for a driver with no one to show them to (the port
  // simulator); every other action is the same.
  bool signals = true;
};

// ensures: returns when `config` is one GateController accepts (the step order its channel
//          needs, positive timeouts and limits, thresholds in range, liveness within the face
//          window); else throws models::InputError "gate configuration: <what is wrong>".
//          GateController's constructor calls it; so does the port simulator for both its gate
//          models (sim::gate_config), the sampled one running no controller.
void validate(const GateConfig& config);

// ---- Events: what happened. Every event says when (`at`). ----
struct DocumentInfo {
  std::string holder_id;
  std::string document_number;
};

struct TravellerArrived { Time at{}; };
struct DocumentRead {
  Time at{};
  std::uint64_t request = 0;
  std::optional<DocumentInfo> document;  // nullopt: unreadable
  std::string problem;                    // why unreadable
};
struct PolicyChecked {
  Time at{};
  std::uint64_t request = 0;
  bool eligible = false;
  std::vector<Reason> reasons;            // why not eligible (Reason::policy for the rulebook's clauses)
  bool guardian_required = false;         // eligible only together with a guardian
  std::vector<std::string> guardian_ids;  // the legal guardians on record
};
struct FrameAnalysed {
  Time at{};
  std::uint64_t request = 0;
  int face_count = 0;
  bool quality_ok = false;
  std::vector<std::string> quality_reasons;
  std::string image_path;  // when the driver keeps images
  // What the lane's liveness detector has measured over the face step's frames up to and
  // including this one (nullopt: the lane runs no detector, or it saw no face yet). Ignored with
  // GateConfig::liveness off.
  std::optional<biometrics::LivenessMeasurements> liveness = std::nullopt;
};
struct FaceMatched {
  Time at{};
  std::uint64_t request = 0;
  bool enrolled = true;  // false: the holder has no enrolled template
  double distance = 0;   // smallest distance to the holder's templates
};
struct Candidate {
  std::string holder_id;
  double distance = 0;
};
struct IdentificationDone {
  Time at{};
  std::uint64_t request = 0;
  std::optional<Candidate> best;
  std::optional<Candidate> second;  // the nearest other person
};
enum class FingerprintOutcome { matched, not_matched, poor_capture };
struct FingerprintResult {
  Time at{};
  std::uint64_t request = 0;
  FingerprintOutcome outcome = FingerprintOutcome::poor_capture;
};
struct AuditWritten {
  Time at{};
  std::uint64_t request = 0;
  bool ok = true;
  std::string problem;
};
// The cleared traveller has gone through (or, camera only, out of the lane's view); `people`:
// how many went through the passage while the barrier was open (more than were cleared is
// tailgating).
struct TravellerPassed { Time at{}; int people = 1; };
struct TimerFired { Time at{}; std::uint64_t id = 0; };
// `kind` as the device reported it (devices::DeviceFault::kind()): metrics and records use it,
// never `what`'s text.
struct DeviceFault {
  Time at{};
  Device device = Device::camera;
  devices::FaultKind kind = devices::FaultKind::disconnected;
  std::string what;
};

using Event = std::variant<TravellerArrived, DocumentRead, PolicyChecked, FrameAnalysed, FaceMatched,
                           IdentificationDone, FingerprintResult, AuditWritten, TravellerPassed, TimerFired,
                           DeviceFault>;

// The document channel's rule on a 1:1 comparison: the same person when the distance is under
// the match threshold. Both gate models of the port simulator judge by it.
bool judge_match(double distance, const GateConfig& config);

// The document-free channel's rule on a gallery search, from the nearest person's distance and
// the runner-up's (nullopt: none): identified when the nearest is under the identification
// threshold and the runner-up at least the margin further.
enum class Identification { identified, not_found, ambiguous };
Identification judge_identification(std::optional<double> best, std::optional<double> second, const GateConfig& config);

// ---- Actions: what the driver is asked to do, in order. ----
enum class Signal { ready, present_document, look_at_camera, place_finger, guardian_next, proceed, go_to_counter };
std::string to_string(Signal signal);

struct ReadDocument { std::uint64_t request = 0; Role role = Role::traveller; };
// Check the person whose document was read (document channel) or who was identified.
struct CheckPolicy { std::uint64_t request = 0; Role role = Role::traveller; std::string holder_id; std::string document_number; };
// `first`: the face step's first frame (a liveness detector starts afresh). `liveness_only`: the
// face already matched and the frame is for liveness alone (the driver need not compute a face
// descriptor, the costliest part of analysing a frame).
struct CaptureFrame {
  std::uint64_t request = 0;
  Role role = Role::traveller;
  bool first = false;
  bool liveness_only = false;
};
// Compare the face of the last FrameAnalysed with `holder_id`'s enrolled templates.
struct MatchFace { std::uint64_t request = 0; std::string holder_id; };
// Search the gallery for the face of the last FrameAnalysed. The controller's threshold and
// margin travel with the request: the search must be exact where judge_identification reads it
// (the nearest holder under the threshold, anyone within the margin of it) and nowhere else.
struct Identify { std::uint64_t request = 0; double threshold = 0; double margin = 0; };
struct CaptureFingerprint { std::uint64_t request = 0; std::string holder_id; };
struct StartTimer { std::uint64_t id = 0; Duration duration{}; };
struct CancelTimer { std::uint64_t id = 0; };
struct ShowIndicator { Signal signal = Signal::ready; };
// The driver must answer with AuditWritten, ok only once the record is durable (no timeout:
// a lane never opens on an unrecorded decision). `outcome` never changes while held.
struct WriteAudit { std::uint64_t request = 0; std::shared_ptr<const TransactionOutcome> outcome; };
struct OpenBarrier {};
struct CloseBarrier {};
struct Refer { std::vector<Reason> reasons; };
struct RaiseAlarm { std::string what; };
// Something that happened after transaction `transaction`'s record was written (tailgating
// in the passage): the driver records it beside that record.
struct RecordIncident { std::uint64_t transaction = 0; Time at{}; Reason what; };
// The transaction is over and audited; `outcome` adds the audit write's timing.
struct Completed { std::shared_ptr<const TransactionOutcome> outcome; };

using Action = std::variant<ReadDocument, CheckPolicy, CaptureFrame, MatchFace, Identify, CaptureFingerprint,
                            StartTimer, CancelTimer, ShowIndicator, WriteAudit, OpenBarrier, CloseBarrier, Refer,
                            RaiseAlarm, RecordIncident, Completed>;

enum class LaneState { idle, in_step, writing_audit, passing };

class GateController {
 public:
  // requires: config.steps (or the channel default) holds check_policy and face once each;
  //           document channel: read_document before check_policy and face; document-free:
  //           no read_document, face before check_policy; fingerprint after face; guardian
  //           after check_policy; counts and durations positive; thresholds in (0, 2].
  // throws models::InputError naming the setting otherwise.
  explicit GateController(GateConfig config);

  const GateConfig& config() const { return config_; }
  LaneState state() const { return state_; }
  // The step under way (state() == in_step) and for whom.
  std::optional<Step> current_step() const;
  Role current_role() const;
  // The request the controller is waiting for, if any (tests answer it by this id).
  std::optional<std::uint64_t> awaited_request() const { return awaited_; }

  // A clearance from before this controller (the audit log's, another lane's): the passback
  // rule counts it like its own. Nothing happens with passback_window zero.
  void remember(Clearance clearance) { passback_.record(std::move(clearance)); }

  // ensures: the actions to carry out, in order. Events that do not fit the state (a late
  //          reply, a cancelled timer, a traveller arriving mid-transaction) give no actions,
  //          except that a device fault is always recorded.
  std::vector<Action> handle(const Event& event);
  // The same into `out` (cleared first), so a driver can reuse one buffer.
  void handle(const Event& event, std::vector<Action>& out);

 private:
  struct PlannedStep {
    Step step;
    Role role;
  };

  std::uint64_t next_id() { return ++last_id_; }
  void begin_transaction(Time at, std::vector<Action>& out);
  void enter_step(Time at, std::vector<Action>& out);
  void finish_step(Time at, std::vector<Action>& out);
  void decide(Time at, std::vector<Reason> reasons, std::vector<Action>& out);
  void lane_ready(std::vector<Action>& out);
  void show(std::vector<Action>& out, Signal signal) const;  // unless !config_.signals
  // Appends a Request built in place from the next request id and `fields`, and awaits that id.
  template <class Request, class... Fields>
  void request(std::vector<Action>& out, Fields&&... fields);
  // The record to change: the shared one when no action holds it, else a copy.
  TransactionOutcome& outcome();
  void start_step_timer(Duration duration, std::vector<Action>& out);
  void stop_step_timer(std::vector<Action>& out);
  bool answers(std::uint64_t request, Step step) const;
  Reason reason(ReasonCode code, std::string detail) const;  // the current role's
  PersonEvidence& person() { return outcome_->people.back(); }  // the person the current step checks
  void record_timing(Time at);  // of the step under way
  // Records who the current step found; a guardian must be on record. false: decided (referred).
  bool person_found(Time at, const std::string& holder_id, std::vector<Action>& out);
  void face_attempt_failed(Time at, Reason why, std::vector<Action>& out);
  // The face matched (or identified): ends the step unless liveness still has a say.
  void face_matched(Time at, std::vector<Action>& out);
  // ensures: the current person's liveness judged on the face step's measurements at `at`
  //          (`final`: no more frames will come), recorded in their evidence and returned.
  const biometrics::LivenessEvidence& judge_liveness_at(Time at, bool final);
  // Liveness on the measurements so far, while the face step runs. true: decided (referred, or
  // the step finished); false: the step goes on.
  bool liveness_settles(Time at, std::vector<Action>& out);

  void on(const TravellerArrived& e, std::vector<Action>& out);
  void on(const DocumentRead& e, std::vector<Action>& out);
  void on(const PolicyChecked& e, std::vector<Action>& out);
  void on(const FrameAnalysed& e, std::vector<Action>& out);
  void on(const FaceMatched& e, std::vector<Action>& out);
  void on(const IdentificationDone& e, std::vector<Action>& out);
  void on(const FingerprintResult& e, std::vector<Action>& out);
  void on(const AuditWritten& e, std::vector<Action>& out);
  void on(const TravellerPassed& e, std::vector<Action>& out);
  void on(const TimerFired& e, std::vector<Action>& out);
  void on(const DeviceFault& e, std::vector<Action>& out);

  GateConfig config_;
  LaneState state_ = LaneState::idle;
  std::uint64_t last_id_ = 0;  // request and timer ids share one sequence
  std::uint64_t transactions_ = 0;
  std::optional<std::uint64_t> awaited_;
  std::optional<Device> awaited_device_;  // who answers awaited_ (nullopt: a service)
  Time awaited_since_{};
  Time now_{};  // of the event being handled
  std::optional<std::uint64_t> step_timer_;
  std::optional<std::uint64_t> exit_timer_;
  std::vector<DeviceFaultRecord> faults_between_transactions_;

  // The transaction under way (never null); the actions that carry it share it.
  std::shared_ptr<TransactionOutcome> outcome_;
  std::vector<PlannedStep> plan_;  // config steps; the guardian's are inserted when required
  std::size_t step_index_ = 0;
  Time step_started_{};
  Time audit_started_{};
  bool guardian_required_ = false;
  std::vector<std::string> guardian_ids_;
  std::string guardian_document_;
  // The step under way.
  int attempts_ = 0;  // document reads, frames analysed, fingerprint captures
  int match_attempts_ = 0;
  bool face_matched_ = false;  // the face step's face matched; liveness may still be undecided
  biometrics::LivenessMeasurements liveness_measured_;  // the face step's, from its frames
  std::vector<std::string> last_quality_reasons_;
  PassbackLedger passback_;
  bool barrier_open_ = false;
};

}  // namespace gatesim::gate
