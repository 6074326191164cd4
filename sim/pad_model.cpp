#include "sim/pad_model.hpp"

#include <cassert>
#include <cmath>

#include <nlohmann/json.hpp>

#include "biometrics/presentation_attacks.hpp"
#include "sim/biometric_model.hpp"
#include "models/input_error.hpp"

namespace gatesim::sim {

bool PadModel::judged_live(bool attack, std::size_t attack_kind, Rng& rng) const {
  assert(on() && (!attack || attack_kind < apcer.size()));
  const double u = rng.uniform();
  return attack ? u < apcer[attack_kind] : u >= bpcer;
}

biometrics::LivenessConfig PadModel::lane_config(double face_window_s) const {
  biometrics::LivenessConfig c;
  c.mode = mode;
  c.min_frames = c.max_frames = frames;
  c.time_budget_s = face_window_s;
  return c;
}

biometrics::LivenessMeasurements PadModel::measurements(bool live, bool frozen_attack, int frames_so_far) const {
  biometrics::LivenessMeasurements m;
  m.frames = frames_so_far;
  if (biometrics::uses_passive(mode)) m.passive = live ? 1.0 : 0.0;
  if (biometrics::uses_temporal(mode)) {
    m.temporal = live ? 1.0 : 0.0;
    // Frozen is "every consecutive pair of crops identical": seen from the second frame on (with
    // frames: 1 the verdict falls on the first, and the other cue names the attack).
    m.frozen = !live && frozen_attack && frames_so_far > 1;
  }
  return m;
}

PadModel make_pad_model(const BiometricSpec& spec, const PopulationSpec& population) {
  PadModel m;
  m.mode = spec.liveness.mode;
  m.bpcer = spec.liveness.bpcer;
  m.apcer = spec.liveness.apcer;
  m.frames = spec.liveness.frames;
  m.detector = spec.mode == BiometricSpec::Mode::images;
  const std::string& file = spec.pad_calibration;
  if (file.empty() || !m.on()) return m;

  auto bad = [&](const std::string& key, const std::string& what) {
    return models::InputError(file + ": " + key + ": " + what + " (biometrics.pad_calibration, from gatesim eval-pad --json)");
  };
  const nlohmann::json doc = read_calibration_file(file, "PAD calibration file", "biometrics.pad_calibration");
  if (!doc.is_object() || !doc.contains("pad") || !doc["pad"].is_object())
    throw bad("pad", "expected the object {\"bpcer\": x, \"apcer\": {\"print\": x, ...}}");
  const nlohmann::json& pad = doc["pad"];
  auto rate = [&](const nlohmann::json& v, const std::string& key) {
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0 || v.get<double>() > 1)
      throw bad(key, "expected a rate in [0, 1]");
    return v.get<double>();
  };
  if (!pad.contains("bpcer")) throw bad("pad.bpcer", "missing");
  m.bpcer = rate(pad["bpcer"], "pad.bpcer");
  if (!pad.contains("apcer") || !pad["apcer"].is_object()) throw bad("pad.apcer", "expected an object of rates by attack type");
  for (const auto& [type, value] : pad["apcer"].items()) {
    bool known = false;
    for (const biometrics::AttackKind kind : biometrics::kAllAttackKinds)
      if (type == biometrics::to_string(kind)) {
        m.apcer[static_cast<std::size_t>(kind)] = rate(value, "pad.apcer." + type);
        known = true;
      }
    if (!known) throw bad("pad.apcer." + type, "unknown attack type (known: " + attack_type_names() + ")");
  }
  for (const biometrics::AttackKind kind : biometrics::kAllAttackKinds) {
    const std::string type(biometrics::to_string(kind));
    if (!pad["apcer"].contains(type) && population.presentation_attack > 0 &&
        population.attack_mix[static_cast<std::size_t>(kind)] > 0)
      throw bad("pad.apcer." + type, "missing, and population.attack_mix gives " + type +
                                         " attacks a share (run eval-pad on clips, or set that share to 0)");
  }
  m.calibrated_from = file;
  return m;
}

}  // namespace gatesim::sim
