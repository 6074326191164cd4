#pragma once
// Scenario: everything one port simulation needs — the hall (gates and counters), the
// arrivals, the population, step times, biometric error rates and faults — read from a YAML
// file (scenarios/README.md documents every key). Plain values after loading.
//
// load_scenario() checks every key: unknown keys, wrong types and out-of-range values throw
// models::InputError naming the file, the line and the key ("luohu.yaml:12: channels.counters.count:
// expected an integer in [0, 10000], got -3"). `--set key=value` overrides are applied to the
// YAML tree before checking, so they are checked the same way and named in errors.
//
// Thread safety: plain values; safe to copy and share read-only.

#include <array>
#include <cmath>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "biometrics/liveness_rule.hpp"
#include "gate/gate_controller.hpp"
#include "gate/policy_data.hpp"
#include "models/civil_date.hpp"
#include "models/crossing.hpp"
#include "sim/random.hpp"

namespace gatesim::sim {

// A service-time distribution in seconds.
struct Distribution {
  enum class Kind { fixed, exponential, lognormal };
  Kind kind = Kind::fixed;
  double a = 0;  // fixed: the value; exponential: the mean; lognormal: the median
  double sigma = 0;  // lognormal only: the shape (sd of the log)
  double mean() const;
};

// ensures: a draw of `d` from `rng`.
inline double sample(const Distribution& d, Rng& rng) {
  switch (d.kind) {
    case Distribution::Kind::fixed: return d.a;
    case Distribution::Kind::exponential: return rng.exponential(1.0 / d.a);
    case Distribution::Kind::lognormal: return d.a * std::exp(d.sigma * rng.normal());
  }
  return d.a;
}

struct Batch {
  std::string name;          // "train", "ferry", "coach", "flight"
  double first_hour = 0;     // hour of day (0..24) of the first unloading
  double last_hour = 24;     // no unloading starts after this hour of day
  double every_minutes = 60;
  double travellers = 100;   // mean travellers per unloading (Poisson)
  double unload_minutes = 5; // they reach the hall spread evenly over this time
};

struct ArrivalSpec {
  double travellers_per_day = 0;     // Poisson arrivals; 0: none besides batches and trace
  std::vector<double> hourly_profile; // 24 relative weights by hour of day (empty: flat)
  std::vector<Batch> batches;
  std::string trace;                 // CSV or JSON Lines file; relative to the scenario file
};

struct PopulationSpec {
  // Residence shares (normalised): mainland residents with an EEP, Hong Kong/Macao residents with a
  // Home Return Permit, Taiwan residents with an MTP, foreigners with a passport.
  double mainland = 0.5, hk_macao = 0.45, taiwan = 0.02, foreign = 0.03;
  double eligible_endorsement = 0.7;  // mainland: share whose endorsement is multiple-entry of an eligible kind
  double five_year_mtp = 0.9;         // Taiwan: share with a 5-year MTP (others: one-time)
  double consent = 0.98;              // share consenting to biometric collection
  double family_parties = 0.08;       // share of arrivals that are a guardian with children
  double children_per_family = 1.5;   // mean, at least 1
  double limited_capacity = 0.002;    // adults with limited civil capacity (travel with a guardian)
  double elderly = 0.12;              // adults 65+ (slower at each step)
  double elderly_slowdown = 1.3;      // factor on their step times
  double enrolled = 0.6;              // HK/Macao residents enrolled for the document-free channel
  double document_free_choice = 0.8;  // enrolled residents who take it when the port has it
  double impostor = 0.0005;           // attempts with someone else's permit
  double expired_document = 0.001;    // adults presenting a document that expired the day before
  // Presentation attacks (sim/pad_model.hpp): the share of adults who present someone else's
  // face as a photo, a screen, a moved still or a frozen frame (0: none; scenario outputs
  // without attacks stay as they were), and the mix of attack types, indexed by
  // biometrics::AttackKind (print, screen, moved_photo, frozen; normalised, not all zero).
  double presentation_attack = 0;
  std::array<double, 4> attack_mix = {0.25, 0.25, 0.25, 0.25};
  // Anti-passback attempts: the share of adults cleared at a gate (of full capacity, not an
  // impostor or an attacker) who come back to the gates under the same identity — a permit
  // lent back across the barrier, or the same traveller queueing twice — `passback_delay`
  // seconds after leaving the gate, alone, by the same channel (0: none; scenario outputs
  // without them stay as they were). An attempt does not come back again. The gates refuse it
  // with gate.passback inside GateSpec::passback_s (sim/hall_passback.hpp).
  double passback = 0;
  Distribution passback_delay{Distribution::Kind::lognormal, 300, 0.8};
  // Tailgating: the share of gate passages (a cleared traveller walking through the open
  // barrier before it closes) that a second person follows through, uncleared. The exit sensor
  // counts two; the lane raises the alarm and records the incident (passage.tailgating), and
  // an officer takes the tailgater to a counter. Tailgaters come on top of the arrivals, drawn
  // on their own streams (0: none; scenario outputs without them stay as they were).
  double tailgating = 0;
  // Share of crossings to or from Macao (the rest: Hong Kong): mainland residents' endorsements
  // and HK/Macao residents' residence follow it. load_scenario resolves it from the port's
  // destinations (models::Port::destinations: Hong Kong 0, Macao 1, both 0.5, none 0) unless
  // the scenario gives it, and then checks it fits the port.
  double macao_trips = 0;
};

struct GateSteps {
  Distribution document{Distribution::Kind::lognormal, 2.5, 0.3};     // place permit, read chip
  Distribution frame{Distribution::Kind::lognormal, 0.9, 0.25};       // one face capture + analysis
  bool fingerprint = false;
  Distribution fingerprint_time{Distribution::Kind::lognormal, 2.5, 0.3};
  Distribution exit{Distribution::Kind::lognormal, 2.5, 0.3};         // barrier to clear lane
};

struct BiometricSpec {
  // statistical: distances drawn from the distributions below. images: each traveller at a gate
  // presents real images (Scenario::faces or the trace's face_image / enrolled_image) through
  // the real face pipeline; its quality verdicts and distances decide (sim/face_images.hpp).
  enum class Mode { statistical, images };
  Mode mode = Mode::statistical;
  std::string models;         // images: dlib's model files (empty: GATESIM_MODELS or the default cache)
  bool enabled = true;        // false: every capture is good and every match is right
  double genuine_mean = 0.38, genuine_sd = 0.07;   // dlib distances, same person
  double impostor_mean = 0.83, impostor_sd = 0.07; // different people
  double threshold = gate::GateConfig{}.match_threshold;  // the gate's defaults
  double identification_threshold = gate::GateConfig{}.identification_threshold;
  double frame_failure = 0.05;    // a frame that fails quality
  int max_frames = 6;             // frames before a failure to acquire
  int max_match_attempts = 2;
  double fingerprint_fnmr = 0.01;
  std::string calibration;        // `gatesim eval-faces --json` output; overrides the above
  // Presentation-attack detection at the gates (sim/pad_model.hpp). mode off: no liveness
  // check. Otherwise a live traveller is refused (face.liveness) with probability bpcer and an
  // attack of type k passes with probability apcer[k] (indexed by biometrics::AttackKind),
  // from these numbers or from `pad_calibration` (a `gatesim eval-pad --json` file's "pad"
  // block; then bpcer and apcer must not be given here). With mode images no rates: the real
  // detector judges each image (sim/face_images.hpp). The check needs `frames` face frames
  // (the detector's min_frames; at most max_frames): it costs frames x steps.frame, inside the
  // face window (gate.face_window_s) like any frame: in both gate models a check whose frames
  // outlast the window ends with face.liveness undecided, not a bona fide refusal.
  struct Liveness {
    biometrics::LivenessMode mode = biometrics::LivenessMode::off;
    double bpcer = 0;
    std::array<double, 4> apcer = {0, 0, 0, 0};
    int frames = 3;
  };
  Liveness liveness;
  std::string pad_calibration;
};

// ensures: the presentation-attack types' names (biometrics::kAllAttackKinds, to_string),
//          joined by ", ", for messages that list them.
std::string attack_type_names();

struct FaultSpec {
  double mtbf_hours = 0;          // 0: gates never fault
  Distribution repair{Distribution::Kind::lognormal, 600, 0.5};
};

// How a gate transaction is simulated. `controller` drives the real gate state machine
// (gate/gate_controller.hpp) on the virtual clock: every request it makes is answered after a
// sampled step time, its timers are kernel events. `sampled` draws the same transaction directly
// under the same rules (the GateConfig of sim::gate_config(), gate::judge_match and
// gate::judge_identification, the same step order, timeouts and attempt limits; no controller,
// no timer events; several times faster, for very large sweeps). The defaults are GateConfig's.
struct GateSpec {
  enum class Model { controller, sampled };
  Model model = Model::controller;
  double document_timeout_s = std::chrono::duration<double>(gate::GateConfig{}.document_timeout).count();
  double face_window_s = std::chrono::duration<double>(gate::GateConfig{}.face_window).count();
  double fingerprint_timeout_s = std::chrono::duration<double>(gate::GateConfig{}.fingerprint_timeout).count();
  double exit_timeout_s = std::chrono::duration<double>(gate::GateConfig{}.exit_timeout).count();
  double identification_margin = gate::GateConfig{}.identification_margin;
  // Anti-passback window (gate::PassbackLedger), the lane's `--passback` default; 0: off. One
  // ledger for the whole hall (the scenario's direction of the port), held only when the
  // population has passback attempts (PopulationSpec::passback).
  double passback_s = std::chrono::duration<double>(gate::kDefaultPassbackWindow).count();
};

struct ChannelCounts {
  int document_gates = 10;
  int document_free_gates = 0;
  int counters = 4;
};

struct Scenario {
  std::string file;  // where it was read from (for relative paths and messages)
  std::string name;
  std::string description;
  // Where and when, for the policy engine: the port (an id of the policy data, `gatesim ports`),
  // the day whose rules apply and the direction (entry: into the mainland). The hall's gates
  // must be channels the port offers on that day.
  std::string port;
  models::CivilDate date{std::chrono::year{2025}, std::chrono::month{12}, std::chrono::day{1}};
  models::Direction direction = models::Direction::entry;
  std::shared_ptr<const gate::PolicyData> policy;  // `policy_data` folder (default: the shipped one)
  std::string faces;  // biometrics.mode images: a folder of people (one subfolder of images each)
  std::uint64_t seed = 1;
  double start_hour = 0;
  double duration_hours = 24;
  double warmup_hours = 0;        // travellers arriving earlier are served but not counted
  double interval_minutes = 15;   // per-interval CSV
  ArrivalSpec arrivals;
  PopulationSpec population;
  ChannelCounts channels;
  GateSteps steps;
  GateSpec gate;
  Distribution counter{Distribution::Kind::lognormal, 43, 0.5};  // per traveller at a counter
  BiometricSpec biometrics;
  FaultSpec faults;
};

// requires: `overrides` are "dotted.key=value" (value in YAML: 12, 0.5, [1, 2], text).
// ensures: the checked scenario; throws models::InputError naming file, line and key.
Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides = {});

// The same from YAML text (`name` stands for the file in messages; relative paths resolve from
// the current folder).
Scenario parse_scenario(const std::string& yaml, const std::string& name,
                        const std::vector<std::string>& overrides = {});

}  // namespace gatesim::sim
