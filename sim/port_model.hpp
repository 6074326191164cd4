#pragma once
// The port model: arrivals (Poisson with an hourly profile, batches, trace replay) feed queues
// in front of smart-channel gates (document and document-free) and staffed counters; travellers
// are routed by smart-channel eligibility (ineligible -> counter with the reason; a party with a
// guardian stays together), served step by step at a gate (document, face frames and matching,
// optional fingerprint, exit) or at a counter, and referred from a gate to a counter when a step
// fails or the gate faults. Gates fault and recover.
//
// run_simulation() runs one replication on the discrete-event kernel (sim/event_queue.hpp) and
// streams each traveller's record as it leaves, so memory follows the travellers in the port, not
// the day's total. Arrivals stop at the scenario's end; travellers still inside are served.
// Same scenario + seed -> byte-identical outputs.
//
// Real-time replay (RunOptions::realtime.speed > 0) runs the same events in the same order, paced
// by sim::RealtimePacer (sim/realtime.hpp) so simulated time advances at `speed` times wall time:
// the outputs are the same bytes as without it; a replay that falls behind catches up. External
// gates (a live lane with a camera, or a test's) can then stand in the hall as document gates:
// the port hands each one a party and the gate answers in wall-clock time, from any thread; its
// answer enters the simulation at the simulated time the wall clock has reached (so a run with
// external gates depends on their timing).
//
// Thread safety: run_simulation() shares nothing; replications may run on separate threads.

#include <array>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "models/traveller.hpp"
#include "sim/pad_model.hpp"
#include "sim/scenario.hpp"
#include "sim/wait_stats.hpp"

namespace gatesim::sim {

class PaceControl;

enum Channel : std::uint8_t { kDocumentGates = 0, kDocumentFreeGates = 1, kCounters = 2 };
constexpr int kChannelCount = 3;
const char* channel_name(int channel);  // "document_gates", "document_free_gates", "counters"

struct IntervalRow {
  double start_h = 0;  // hours since the scenario start
  std::uint64_t arrivals = 0, departures = 0;
  std::array<std::uint64_t, kChannelCount> served{}, queue{};  // queue: travellers waiting at the interval's end
  std::array<double, kChannelCount> utilisation{}, mean_wait_s{};
  std::uint32_t gates_down = 0;
};

// Presentation attacks and the liveness check, for one channel: the gate channel a party tried,
// or counters for a party sent straight to a counter. By biometrics::AttackKind; an attack is
// stopped when it did not clear at a gate (attempted - passed), by liveness or by anything else.
struct PadCounts {
  std::array<std::uint64_t, 4> attempted{}, passed{}, stopped_by_liveness{};
  std::uint64_t live_checked = 0;  // live travellers whose face step ran with liveness on
  std::uint64_t live_refused = 0;  // of them, referred face.liveness (bona fide refused)
};

// Passback attempts (PopulationSpec::passback), for one channel: the gate channel the attempt
// tried, or counters when it was sent straight to one. attempted - refused - passed were
// referred for another reason (a fault, a failed step) or found no gate.
struct PassbackCounts {
  std::uint64_t attempted = 0;
  std::uint64_t refused = 0;  // referred gate.passback
  std::uint64_t passed = 0;   // cleared at a gate again (outside the window, or the rule off)
};

// Tailgaters (PopulationSpec::tailgating), for the gate channel whose passage they went
// through: each raised an alarm at the gate, and was taken to a counter and refused entry, or,
// where the hall has no counter, left unserved.
struct TailgatingCounts {
  std::uint64_t alarms = 0, refused_entry = 0, unserved = 0;
};

struct SimResult {
  std::string scenario;
  std::uint64_t seed = 0;
  double hours = 0;           // arrival window
  double drained_at_h = 0;    // when the last traveller left
  std::uint64_t events = 0;
  std::uint64_t travellers = 0, parties = 0;  // counted (arrived after warm-up)
  std::uint64_t max_in_port = 0;
  std::array<int, kChannelCount> servers{};
  std::array<std::uint64_t, kChannelCount> served{};
  std::array<double, kChannelCount> busy_s{};
  std::array<WaitStats, kChannelCount> waits;
  WaitStats total_wait;  // all queues a traveller stood in
  std::uint64_t cleared_at_gate = 0, cleared_at_counter = 0, refused_entry = 0, unserved = 0;
  std::map<std::string, std::uint64_t> referrals;  // reason code -> travellers referred with it
  std::uint64_t face_checks = 0, fta = 0, false_matches = 0, false_non_matches = 0;
  std::uint64_t impostor_attempts = 0, impostors_stopped_at_gate = 0, fingerprint_false_non_matches = 0;
  std::array<PadCounts, kChannelCount> pad{};
  PadModel pad_model;         // the lanes' liveness check
  bool pad_reported = false;  // attacks in the population or liveness on: the summary reports them
  std::array<PassbackCounts, kChannelCount> passback{};
  double passback_window_s = 0;    // the gates' anti-passback window (0: off)
  bool passback_reported = false;  // passback attempts in the population: the summary reports them
  std::array<TailgatingCounts, kChannelCount> tailgating{};
  double tailgating_share = 0;  // PopulationSpec::tailgating; above 0, the summary reports them
  std::uint64_t faults = 0;
  double downtime_s = 0;
  std::uint64_t images_analysed = 0;  // image-level mode: distinct images through the pipeline
  double image_analysis_s = 0;        // their wall time (not in summary.json: not reproducible)
  std::vector<IntervalRow> intervals;
};

// One traveller handed to an external gate: the facts the policy engine reads (id "P<n>", the
// guardian on record as in the party) and what the simulation knows beyond them.
struct ExternalTraveller {
  models::Traveller facts;
  // n of the id "P<n>", the key of claimed_person(): "traveller" in travellers.jsonl, or for a
  // passback attempt the traveller whose identity they present again ("passback_of").
  std::uint64_t number = 0;
  bool enrolled = false;     // in the document-free gallery
  bool impostor = false;     // presents someone else's permit: a live lane should refuse them
  // A trace row's images (empty: none given): the face the traveller shows, and the photo their
  // permit holds (the enrolled template a 1:1 match compares with).
  std::filesystem::path face_image, enrolled_image;
};

// What an external gate saw of one member, its step times in wall-clock seconds (the port scales
// them by the replay speed, so they read as the simulated gates' in travellers.jsonl).
struct ExternalEvidence {
  int frames = 0;                  // face frames analysed; 0: the member did not reach the face step
  std::optional<double> distance;  // of the face match
  double document_s = -1, face_s = -1, fingerprint_s = -1;  // -1: step not reached
};

struct ExternalOutcome {
  bool cleared = true;               // false: the party goes to a counter
  std::vector<std::string> reasons;  // codes for the referral ("face.no_match", "M3.age", ...)
  // The member (index into the party's travellers) the reasons concern; the others are referred
  // with "party.member_referred". -1: every member gets the reasons.
  int member = -1;
  std::vector<ExternalEvidence> evidence;  // empty, or one per member (index as the travellers)
  // Set when the gate cannot go on (its lane stopped on an error): run_simulation stops and
  // throws it.
  std::exception_ptr failure;
};

// A gate served outside the simulation, in wall-clock time: a live lane (sim::LiveGate, a
// gate::LaneDriver on real devices, sim/live_gate.hpp) or a test's. It serves one party at
// a time, the members in order (a guardian first).
// Thread safety: serve() is called on the replay's thread; `done` may be called from any thread.
class ExternalGate {
 public:
  virtual ~ExternalGate() = default;
  // requires: the previous party's `done` was called.
  // ensures: `done` is called exactly once, when the party has passed or been referred.
  virtual void serve(std::uint64_t party, const std::vector<ExternalTraveller>& travellers,
                     std::function<void(ExternalOutcome)> done) = 0;
};

// What one gate or counter is doing, for a picture of the hall (the dashboard's Port page).
enum class ServerState : std::uint8_t { idle, busy, down };
struct ServerStatus {
  int channel = 0;
  ServerState state = ServerState::idle;
  bool live = false;  // an external gate (a real lane)
};

// About once a wall second during a real-time replay.
struct RealtimeStatus {
  double simulated_s = 0, wall_s = 0;
  double fraction = 0;  // of the arrival window
  std::uint64_t in_port = 0;
  std::array<std::uint64_t, kChannelCount> queued{};  // travellers waiting per channel
  // Falling behind (sim/realtime.hpp: the replay catches up, it skips nothing): how many wall
  // seconds the earliest due event was late when last handled, and the most over the run.
  double behind_s = 0, max_behind_s = 0;
  std::vector<ServerStatus> servers;  // every gate and counter, by channel (document gates first)
};

struct RealtimeOptions {
  double speed = 0;  // > 0: simulated seconds per wall second; 0: as fast as possible
  // Each replaces one document gate (the first ones); they never fault. requires: speed > 0.
  std::vector<ExternalGate*> external_gates;
  std::function<void(const RealtimeStatus&)> status;
  // Pause, resume and speed asked from another thread (sim/realtime.hpp); null: none. Only the
  // wall-clock schedule moves, never the outputs. requires: no external gates (a live lane
  // works in wall-clock time).
  std::shared_ptr<PaceControl> control;
};

struct RunOptions {
  std::uint64_t seed = 1;
  std::ostream* travellers = nullptr;  // JSON Lines, one traveller per line, as they leave
  std::ostream* intervals = nullptr;   // CSV, one row per interval
  std::function<void(double)> progress;  // fraction of the arrival window done, now and then
  RealtimeOptions realtime;
};

// requires: a checked scenario (load_scenario). throws models::InputError for a bad trace or
//           calibration file, or external gates without real-time pacing or beyond the hall's
//           document gates.
SimResult run_simulation(const Scenario& scenario, const RunOptions& options);

}  // namespace gatesim::sim
