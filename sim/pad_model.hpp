#pragma once
// PadModel: presentation-attack detection (liveness) at the simulated gates, the one place its
// rule is written for both gate models (sim/gate_devices.hpp). A traveller reaching the face step
// of a lane with liveness on is judged once: a live traveller is wrongly refused with
// probability BPCER, an attack of type k passes with probability APCER[k] (scenario rates or a
// `gatesim eval-pad --json` file's "pad" block). The `sampled` gate model uses that decision
// directly; the `controller` model feeds the real gate controller FrameAnalysed.liveness
// measurements that make biometrics::judge_liveness (with lane_config()) reach the same verdict
// on the check's last frame, so the controller refers with "face.liveness" as a lane does.
// The check takes `frames` face frames (the detector's min_frames); a traveller whose face
// matched sooner keeps looking at the camera until then: liveness costs frames x steps.frame.
//
// Thread safety: immutable after construction; judged_live() takes the caller's Rng.

#include <array>
#include <cstddef>
#include <string>

#include "biometrics/liveness_rule.hpp"
#include "sim/random.hpp"
#include "sim/scenario.hpp"

namespace gatesim::sim {

struct PadModel {
  biometrics::LivenessMode mode = biometrics::LivenessMode::off;
  double bpcer = 0;
  std::array<double, 4> apcer = {0, 0, 0, 0};  // by biometrics::AttackKind
  int frames = 3;
  std::string calibrated_from;  // the eval-pad file, when one was given
  bool detector = false;        // image-level mode: the real detector judges, not the rates

  bool on() const { return mode != biometrics::LivenessMode::off; }

  // requires: on(); attack_kind < 4 when attack.
  // ensures: true when the lane's liveness check says live: one uniform draw from `rng`.
  bool judged_live(bool attack, std::size_t attack_kind, Rng& rng) const;

  // ensures: the lane's liveness settings: the scenario's mode at the detector's thresholds,
  //          min_frames = max_frames = frames (the verdict falls on the check's last frame)
  //          and the time budget the whole face window (frames decide, not time).
  biometrics::LivenessConfig lane_config(double face_window_s) const;

  // ensures: the detector's settings in image mode, where each traveller shows one still image:
  //          mode passive (a still has no motion for the temporal cue) judged on that one frame.
  //          The one place for it: sim::FaceImages and its tests use it.
  static biometrics::LivenessConfig image_config() {
    return {.mode = biometrics::LivenessMode::passive, .min_frames = 1, .max_frames = 1};
  }

  // ensures: what a detector measured over `frames_so_far` frames of a presentation the check
  //          judges `live` (or not): judge_liveness(result, lane_config(..), t, final) is
  //          undecided before `frames` frames and then live, or an attack (on the frozen cue for
  //          a frozen attack, else on the passive or temporal cue of the mode). The cue values
  //          are stand-ins at the far ends of their ranges: the rates already decided.
  biometrics::LivenessMeasurements measurements(bool live, bool frozen_attack, int frames_so_far) const;
};

// ensures: the model of `spec` (spec.liveness, or its rates from spec.pad_calibration).
// throws models::InputError naming the calibration file and the entry that is wrong, missing or
//        out of [0, 1] (an attack type with a share in `population.attack_mix` must have a rate).
PadModel make_pad_model(const BiometricSpec& spec, const PopulationSpec& population);

}  // namespace gatesim::sim
