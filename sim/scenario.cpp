#include "sim/scenario.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "biometrics/presentation_attacks.hpp"
#include "models/input_error.hpp"

namespace gatesim::sim {

double Distribution::mean() const {
  switch (kind) {
    case Kind::fixed: return a;
    case Kind::exponential: return a;
    case Kind::lognormal: return a * std::exp(sigma * sigma / 2);
  }
  return a;
}

std::string attack_type_names() {
  std::string names;
  for (const biometrics::AttackKind kind : biometrics::kAllAttackKinds)
    names += (names.empty() ? "" : ", ") + std::string(biometrics::to_string(kind));
  return names;
}

namespace {

// Reads the YAML tree key by key, so every error can say where it is.
class Reader {
 public:
  Reader(std::string file, std::set<std::string> overridden) : file_(std::move(file)), overridden_(std::move(overridden)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& key, const std::string& expected) const {
    std::string where = file_;
    if (from_override(key)) where = "--set";
    else if (node.IsDefined() && node.Mark().line >= 0) where += ":" + std::to_string(node.Mark().line + 1);
    std::string got;
    if (!node.IsDefined()) got = ", got nothing";
    else if (node.IsScalar()) got = ", got '" + node.Scalar() + "'";
    else if (node.IsSequence()) got = ", got a list";
    else if (node.IsMap()) got = ", got a mapping";
    throw models::InputError(where + ": " + key + ": expected " + expected + got);
  }

  // ensures: `map` is a mapping (or absent) whose keys are all in `allowed`.
  void check_keys(const YAML::Node& map, const std::string& prefix, std::initializer_list<const char*> allowed) const {
    check_keys(map, prefix, std::vector<std::string>(allowed.begin(), allowed.end()));
  }
  void check_keys(const YAML::Node& map, const std::string& prefix, const std::vector<std::string>& allowed) const {
    if (!map.IsDefined() || map.IsNull()) return;
    if (!map.IsMap()) fail(map, prefix.empty() ? "(top level)" : prefix, "a mapping");
    for (const auto& entry : map) {
      const std::string key = entry.first.as<std::string>();
      bool known = false;
      for (const std::string& a : allowed) known = known || key == a;
      if (!known) {
        std::string list;
        for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
        const std::string where = from_override(join(prefix, key)) ? std::string("--set")
                                                                   : file_ + ":" + std::to_string(entry.first.Mark().line + 1);
        throw models::InputError(where + ": " + join(prefix, key) + ": unknown key (known here: " + list + ")");
      }
    }
  }

  static std::string join(const std::string& prefix, const std::string& key) {
    return prefix.empty() ? key : prefix + "." + key;
  }

  void number(const YAML::Node& map, const std::string& prefix, const char* name, double& out, double lo, double hi) const {
    const YAML::Node node = map[name];
    if (!node.IsDefined() || node.IsNull()) return;
    const std::string key = join(prefix, name);
    const std::string expected = "a number in [" + format(lo) + ", " + format(hi) + "]";
    if (!node.IsScalar()) fail(node, key, expected);
    double value = 0;
    if (!YAML::convert<double>::decode(node, value) || !std::isfinite(value) || value < lo || value > hi)
      fail(node, key, expected);
    out = value;
  }

  void integer(const YAML::Node& map, const std::string& prefix, const char* name, int& out, int lo, int hi) const {
    double value = out;
    const YAML::Node node = map[name];
    number(map, prefix, name, value, lo, hi);
    if (value != std::floor(value)) fail(node, join(prefix, name), "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    out = static_cast<int>(value);
  }

  void boolean(const YAML::Node& map, const std::string& prefix, const char* name, bool& out) const {
    const YAML::Node node = map[name];
    if (!node.IsDefined() || node.IsNull()) return;
    bool value = false;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) fail(node, join(prefix, name), "true or false");
    out = value;
  }

  void text(const YAML::Node& map, const std::string& prefix, const char* name, std::string& out) const {
    const YAML::Node node = map[name];
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsScalar()) fail(node, join(prefix, name), "text");
    out = node.Scalar();
  }

  // A plain number is a fixed time; {mean: m} exponential; {median: m, sigma: s} log-normal.
  void distribution(const YAML::Node& map, const std::string& prefix, const char* name, Distribution& out) const {
    const YAML::Node node = map[name];
    if (!node.IsDefined() || node.IsNull()) return;
    const std::string key = join(prefix, name);
    const char* expected = "seconds: a number, {mean: M} (exponential) or {median: M, sigma: S} (log-normal)";
    if (node.IsScalar()) {
      double value = 0;
      if (!YAML::convert<double>::decode(node, value) || !(value >= 0) || value > 1e6) fail(node, key, expected);
      out = {Distribution::Kind::fixed, value, 0};
      return;
    }
    if (!node.IsMap()) fail(node, key, expected);
    check_keys(node, key, {"mean", "median", "sigma"});
    if (node["mean"].IsDefined()) {
      if (node["median"].IsDefined() || node["sigma"].IsDefined()) fail(node, key, expected);
      Distribution d{Distribution::Kind::exponential, 1, 0};
      number(node, key, "mean", d.a, 1e-6, 1e6);
      out = d;
      return;
    }
    if (!node["median"].IsDefined()) fail(node, key, expected);
    Distribution d{Distribution::Kind::lognormal, 1, 0};
    number(node, key, "median", d.a, 1e-6, 1e6);
    number(node, key, "sigma", d.sigma, 0, 5);
    out = d;
  }

  // A mapping of attack types (biometrics::kAllAttackKinds by name) to numbers in [0, 1],
  // indexed by biometrics::AttackKind; types not given keep their value in `out` when
  // `all_required` is false. ensures: true when the key was given.
  bool attack_shares(const YAML::Node& map, const std::string& prefix, const char* name, std::array<double, 4>& out,
                     bool all_required) const {
    const YAML::Node node = map[name];
    if (!node.IsDefined() || node.IsNull()) return false;
    const std::string key = join(prefix, name);
    std::vector<std::string> types;
    std::string shape;
    for (const biometrics::AttackKind kind : biometrics::kAllAttackKinds) {
      types.emplace_back(biometrics::to_string(kind));
      shape += (shape.empty() ? "" : ", ") + types.back() + ": x";
    }
    if (!node.IsMap()) fail(node, key, "a mapping {" + shape + "}");
    check_keys(node, key, types);
    for (const biometrics::AttackKind kind : biometrics::kAllAttackKinds) {
      const std::string type(biometrics::to_string(kind));
      if (all_required && !node[type].IsDefined()) fail(node, join(key, type), "a number in [0, 1]");
      number(node, key, type.c_str(), out[static_cast<std::size_t>(kind)], 0, 1);
    }
    return true;
  }

  // ensures: `key` or a key under it was set by --set.
  bool from_override(const std::string& key) const {
    for (const auto& o : overridden_)
      if (o == key || o.rfind(key + ".", 0) == 0) return true;
    return false;
  }

  static std::string format(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
  }

 private:
  std::string file_;
  std::set<std::string> overridden_;
};

// Applies "a.b.c=value" to the tree, creating mappings on the way.
void apply_override(YAML::Node root, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw models::InputError("--set " + assignment + ": expected key=value (for example channels.counters=12)");
  const std::string key = assignment.substr(0, eq);
  YAML::Node value;
  try {
    value = YAML::Load(assignment.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    throw models::InputError("--set " + key + ": value is not valid YAML: " + e.msg);
  }
  std::vector<std::string> parts;
  std::stringstream stream(key);
  for (std::string part; std::getline(stream, part, '.');) {
    if (part.empty()) throw models::InputError("--set " + key + ": empty part in the key");
    parts.push_back(part);
  }
  std::vector<YAML::Node> path{root};
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node next = path.back()[parts[i]];
    if (next.IsDefined() && !next.IsNull() && !next.IsMap())
      throw models::InputError("--set " + key + ": " + parts[i] + " is not a mapping");
    if (!next.IsDefined() || next.IsNull()) {
      path.back()[parts[i]] = YAML::Node(YAML::NodeType::Map);
      next = path.back()[parts[i]];
    }
    path.push_back(next);
  }
  path.back()[parts.back()] = value;
}

// biometrics.liveness and biometrics.pad_calibration (BiometricSpec::Liveness). A liveness
// block or a calibration file turns the check on (mode both) unless the mode says otherwise.
void read_liveness(const Reader& r, const YAML::Node& b, const std::string& file, const std::set<std::string>& overridden,
                   BiometricSpec& m) {
  r.text(b, "biometrics", "pad_calibration", m.pad_calibration);
  if (!m.pad_calibration.empty() && std::filesystem::path(m.pad_calibration).is_relative() &&
      !overridden.count("biometrics.pad_calibration"))
    m.pad_calibration = (std::filesystem::path(file).parent_path() / m.pad_calibration).string();
  const YAML::Node l = b["liveness"];
  const bool block = l.IsDefined() && !l.IsNull();
  const bool calibrated = !m.pad_calibration.empty();
  auto& v = m.liveness;
  if (!block && !calibrated) return;
  bool rates_given = false;  // bpcer or apcer in the liveness block
  v.mode = biometrics::LivenessMode::both;
  if (block) {
    r.check_keys(l, "biometrics.liveness", {"mode", "bpcer", "apcer", "frames"});
    std::string mode(biometrics::to_string(v.mode));
    r.text(l, "biometrics.liveness", "mode", mode);
    try {
      v.mode = biometrics::parse_liveness_mode(mode);
    } catch (const models::InputError&) {  // the same words, said with the file, line and key
      r.fail(l["mode"], "biometrics.liveness.mode", "off, passive, temporal or both");
    }
    r.number(l, "biometrics.liveness", "bpcer", v.bpcer, 0, 1);
    const bool apcer = r.attack_shares(l, "biometrics.liveness", "apcer", v.apcer, true);
    rates_given = apcer || (l["bpcer"].IsDefined() && !l["bpcer"].IsNull());
    if (rates_given && calibrated)
      r.fail(l[apcer ? "apcer" : "bpcer"], apcer ? "biometrics.liveness.apcer" : "biometrics.liveness.bpcer",
             "no rates here when biometrics.pad_calibration gives them (one source of PAD error rates)");
    r.integer(l, "biometrics.liveness", "frames", v.frames, 1, 1000);
  }
  // The checks below hold whichever of the liveness block and the calibration file turned the
  // check on (a calibration file alone gives mode both and the default frames).
  if (m.mode == BiometricSpec::Mode::images && (rates_given || calibrated)) {
    const char* key = calibrated ? "pad_calibration" : l["apcer"].IsDefined() ? "apcer" : "bpcer";
    const YAML::Node node = calibrated ? b["pad_calibration"] : l[key];
    r.fail(node, calibrated ? "biometrics.pad_calibration" : "biometrics.liveness." + std::string(key),
           "no PAD error rates with biometrics.mode images (the real detector judges each image)");
  }
  if (v.mode == biometrics::LivenessMode::temporal && m.mode == BiometricSpec::Mode::images)
    r.fail(l["mode"], "biometrics.liveness.mode",
           "passive or both with biometrics.mode images (single images carry no motion for the temporal cue)");
  if (v.frames > m.max_frames) {
    if (block && l["frames"].IsDefined() && !l["frames"].IsNull())
      r.fail(l["frames"], "biometrics.liveness.frames",
             "at most biometrics.max_frames (" + std::to_string(m.max_frames) + "): the face step's frames");
    r.fail(b["max_frames"], "biometrics.max_frames",
           "at least the liveness check's frames (biometrics.liveness.frames, " + std::to_string(v.frames) +
               "): the check is on (biometrics." + (block ? "liveness" : "pad_calibration") + ") and judges on its last frame");
  }
}

// The policy data, the port, the day and the direction; the hall's gates must be channels the
// port offers on that day.
void read_port(const Reader& r, const YAML::Node& root, const std::string& file, const std::set<std::string>& overridden,
               Scenario& s) {
  std::string folder;
  r.text(root, "", "policy_data", folder);
  if (folder.empty()) folder = gate::PolicyData::default_dir().string();
  else if (std::filesystem::path(folder).is_relative() && !overridden.count("policy_data"))
    folder = (std::filesystem::path(file).parent_path() / folder).string();
  s.policy = std::make_shared<const gate::PolicyData>(gate::PolicyData::load(folder));

  std::string date;
  r.text(root, "", "date", date);
  if (!date.empty()) {
    const auto parsed = models::parse_iso_date(date);
    if (!parsed) r.fail(root["date"], "date", "a day as YYYY-MM-DD");
    s.date = *parsed;
  }
  std::string direction = "entry";
  r.text(root, "", "direction", direction);
  const auto parsed_direction = models::parse_direction(direction);
  if (!parsed_direction) r.fail(root["direction"], "direction", "entry or exit");
  s.direction = *parsed_direction;

  r.text(root, "", "port", s.port);
  const models::Port* port = s.policy->find_port(s.port);
  if (!port) r.fail(root["port"], "port", "the id of a port in the policy data (gatesim ports lists them)");
  const std::pair<int, models::Channel> gates[] = {{s.channels.document_gates, models::Channel::smart},
                                                   {s.channels.document_free_gates, models::Channel::document_free}};
  for (const auto& [count, channel] : gates)
    if (count > 0 && !port->offers(channel, s.date)) {
      const std::string key = channel == models::Channel::smart ? "document_gates" : "document_free_gates";
      const YAML::Node channels = root["channels"];
      r.fail(channels.IsDefined() && channels.IsMap() && channels[key].IsDefined() ? channels[key] : root["port"], "channels." + key,
             "0: " + s.port + " has no " + std::string(models::name(channel)) + " channel on " + models::to_iso(s.date) +
                 " (policy data)");
    }
}

// population.macao_trips: given (a share the port's destinations allow) or from the port.
void read_macao_trips(const Reader& r, const YAML::Node& root, Scenario& s) {
  const models::Port& port = *s.policy->find_port(s.port);
  const bool hong_kong = port.leads_to(models::Destination::hong_kong), macao = port.leads_to(models::Destination::macao);
  const bool anywhere = port.destinations.empty();  // an airport: Hong Kong trips unless the scenario says
  const YAML::Node p = root["population"];
  if (!p.IsDefined() || !p.IsMap() || !p["macao_trips"].IsDefined()) {
    s.population.macao_trips = anywhere || !macao ? 0.0 : hong_kong ? 0.5 : 1.0;
    return;
  }
  double& share = s.population.macao_trips;
  r.number(p, "population", "macao_trips", share, 0, 1);
  if (anywhere) return;
  if (!macao && share > 0)
    r.fail(p["macao_trips"], "population.macao_trips", "0: " + s.port + " leads to Hong Kong only (policy data)");
  if (!hong_kong && share < 1)
    r.fail(p["macao_trips"], "population.macao_trips", "1: " + s.port + " leads to Macao only (policy data)");
}

Scenario read(const YAML::Node& root, const std::string& file, const std::set<std::string>& overridden) {
  const Reader r(file, overridden);
  Scenario s;
  s.file = file;
  if (!root.IsMap()) r.fail(root, "(top level)", "a mapping of scenario keys");
  r.check_keys(root, "", {"name", "description", "port", "date", "direction", "policy_data", "faces", "seed", "start_hour", "duration_hours", "warmup_hours", "interval_minutes",
                          "arrivals", "population", "channels", "steps", "gate", "counter", "biometrics", "faults"});
  r.text(root, "", "name", s.name);
  if (s.name.empty()) r.fail(root["name"], "name", "a name for the scenario");
  r.text(root, "", "description", s.description);
  double seed = static_cast<double>(s.seed);
  r.number(root, "", "seed", seed, 0, 9007199254740991.0);
  s.seed = static_cast<std::uint64_t>(seed);
  r.number(root, "", "start_hour", s.start_hour, 0, 24);
  r.number(root, "", "duration_hours", s.duration_hours, 0, 24 * 366);
  r.number(root, "", "warmup_hours", s.warmup_hours, 0, s.duration_hours);
  r.number(root, "", "interval_minutes", s.interval_minutes, 1, 24 * 60);

  const YAML::Node arrivals = root["arrivals"];
  r.check_keys(arrivals, "arrivals", {"travellers_per_day", "hourly_profile", "batches", "trace"});
  if (arrivals.IsDefined() && !arrivals.IsNull()) {
    r.number(arrivals, "arrivals", "travellers_per_day", s.arrivals.travellers_per_day, 0, 1e8);
    const YAML::Node profile = arrivals["hourly_profile"];
    if (profile.IsDefined() && !profile.IsNull()) {
      const char* expected = "a list of 24 non-negative weights, one per hour of day, not all zero";
      if (!profile.IsSequence() || profile.size() != 24) r.fail(profile, "arrivals.hourly_profile", expected);
      double total = 0;
      for (std::size_t h = 0; h < 24; ++h) {
        double w = 0;
        if (!profile[h].IsScalar() || !YAML::convert<double>::decode(profile[h], w) || !(w >= 0) || !std::isfinite(w))
          r.fail(profile[h], "arrivals.hourly_profile[" + std::to_string(h) + "]", "a non-negative weight");
        s.arrivals.hourly_profile.push_back(w);
        total += w;
      }
      if (total <= 0) r.fail(profile, "arrivals.hourly_profile", expected);
    }
    const YAML::Node batches = arrivals["batches"];
    if (batches.IsDefined() && !batches.IsNull()) {
      if (!batches.IsSequence()) r.fail(batches, "arrivals.batches", "a list of batch sources");
      for (std::size_t i = 0; i < batches.size(); ++i) {
        const std::string key = "arrivals.batches[" + std::to_string(i) + "]";
        r.check_keys(batches[i], key, {"name", "first_hour", "last_hour", "every_minutes", "travellers", "unload_minutes"});
        Batch b;
        r.text(batches[i], key, "name", b.name);
        r.number(batches[i], key, "first_hour", b.first_hour, 0, 24);
        r.number(batches[i], key, "last_hour", b.last_hour, 0, 24);
        r.number(batches[i], key, "every_minutes", b.every_minutes, 0.1, 24 * 60);
        r.number(batches[i], key, "travellers", b.travellers, 0, 100000);
        r.number(batches[i], key, "unload_minutes", b.unload_minutes, 0, 24 * 60);
        if (b.last_hour < b.first_hour) r.fail(batches[i]["last_hour"], key + ".last_hour", "an hour not before first_hour");
        s.arrivals.batches.push_back(b);
      }
    }
    r.text(arrivals, "arrivals", "trace", s.arrivals.trace);
    if (!s.arrivals.trace.empty()) {
      const std::filesystem::path trace(s.arrivals.trace);
      if (trace.is_relative() && !overridden.count("arrivals.trace"))
        s.arrivals.trace = (std::filesystem::path(file).parent_path() / trace).string();
    }
  }

  const YAML::Node p = root["population"];
  r.check_keys(p, "population", {"mainland", "hk_macao", "taiwan", "foreign", "eligible_endorsement", "five_year_mtp",
                                 "consent", "family_parties", "children_per_family", "limited_capacity", "elderly",
                                 "elderly_slowdown", "enrolled", "document_free_choice", "impostor", "expired_document",
                                 "presentation_attack", "attack_mix", "macao_trips", "passback", "passback_delay",
                                 "tailgating"});
  if (p.IsDefined() && !p.IsNull()) {
    auto& q = s.population;
    for (auto [name, field] : {std::pair{"mainland", &q.mainland}, {"hk_macao", &q.hk_macao}, {"taiwan", &q.taiwan},
                               {"foreign", &q.foreign}, {"eligible_endorsement", &q.eligible_endorsement},
                               {"five_year_mtp", &q.five_year_mtp}, {"consent", &q.consent},
                               {"family_parties", &q.family_parties}, {"limited_capacity", &q.limited_capacity},
                               {"elderly", &q.elderly}, {"enrolled", &q.enrolled},
                               {"document_free_choice", &q.document_free_choice}, {"impostor", &q.impostor},
                               {"expired_document", &q.expired_document}, {"presentation_attack", &q.presentation_attack},
                               {"passback", &q.passback}, {"tailgating", &q.tailgating}})
      r.number(p, "population", name, *field, 0, 1);
    r.distribution(p, "population", "passback_delay", q.passback_delay);
    if (r.attack_shares(p, "population", "attack_mix", q.attack_mix, false))
      if (q.attack_mix[0] + q.attack_mix[1] + q.attack_mix[2] + q.attack_mix[3] <= 0)
        r.fail(p["attack_mix"], "population.attack_mix", "attack-type shares that are not all zero");
    r.number(p, "population", "children_per_family", q.children_per_family, 1, 3);
    r.number(p, "population", "elderly_slowdown", q.elderly_slowdown, 1, 10);
    if (q.mainland + q.hk_macao + q.taiwan + q.foreign <= 0)
      r.fail(p, "population", "residence shares (mainland, hk_macao, taiwan, foreign) that are not all zero");
  }

  const YAML::Node c = root["channels"];
  r.check_keys(c, "channels", {"document_gates", "document_free_gates", "counters"});
  if (c.IsDefined() && !c.IsNull()) {
    r.integer(c, "channels", "document_gates", s.channels.document_gates, 0, 10000);
    r.integer(c, "channels", "document_free_gates", s.channels.document_free_gates, 0, 10000);
    r.integer(c, "channels", "counters", s.channels.counters, 0, 10000);
  }
  if (s.channels.counters == 0 && s.channels.document_gates + s.channels.document_free_gates == 0)
    r.fail(c, "channels", "at least one gate or counter");

  const YAML::Node st = root["steps"];
  r.check_keys(st, "steps", {"document", "frame", "fingerprint", "fingerprint_time", "exit"});
  if (st.IsDefined() && !st.IsNull()) {
    r.distribution(st, "steps", "document", s.steps.document);
    r.distribution(st, "steps", "frame", s.steps.frame);
    r.boolean(st, "steps", "fingerprint", s.steps.fingerprint);
    r.distribution(st, "steps", "fingerprint_time", s.steps.fingerprint_time);
    r.distribution(st, "steps", "exit", s.steps.exit);
  }
  r.distribution(root, "", "counter", s.counter);

  const YAML::Node g = root["gate"];
  r.check_keys(g, "gate", {"model", "document_timeout_s", "face_window_s", "fingerprint_timeout_s", "exit_timeout_s",
                           "identification_margin", "passback_s"});
  if (g.IsDefined() && !g.IsNull()) {
    std::string model = "controller";
    r.text(g, "gate", "model", model);
    if (model == "sampled") s.gate.model = GateSpec::Model::sampled;
    else if (model != "controller") r.fail(g["model"], "gate.model", "controller or sampled");
    r.number(g, "gate", "document_timeout_s", s.gate.document_timeout_s, 0.1, 3600);
    r.number(g, "gate", "face_window_s", s.gate.face_window_s, 0.1, 3600);
    r.number(g, "gate", "fingerprint_timeout_s", s.gate.fingerprint_timeout_s, 0.1, 3600);
    r.number(g, "gate", "exit_timeout_s", s.gate.exit_timeout_s, 0.1, 3600);
    r.number(g, "gate", "identification_margin", s.gate.identification_margin, 0, 1.99);
    r.number(g, "gate", "passback_s", s.gate.passback_s, 0, 7 * 86400);  // the lane's --passback range
  }

  const YAML::Node b = root["biometrics"];
  r.check_keys(b, "biometrics", {"mode", "models", "enabled", "genuine_mean", "genuine_sd", "impostor_mean", "impostor_sd", "threshold",
                                 "identification_threshold", "frame_failure", "max_frames", "max_match_attempts",
                                 "fingerprint_fnmr", "calibration", "liveness", "pad_calibration"});
  if (b.IsDefined() && !b.IsNull()) {
    auto& m = s.biometrics;
    std::string mode = "statistical";
    r.text(b, "biometrics", "mode", mode);
    if (mode == "images") m.mode = BiometricSpec::Mode::images;
    else if (mode != "statistical") r.fail(b["mode"], "biometrics.mode", "statistical or images");
    r.text(b, "biometrics", "models", m.models);
    if (!m.models.empty() && std::filesystem::path(m.models).is_relative() && !overridden.count("biometrics.models"))
      m.models = (std::filesystem::path(file).parent_path() / m.models).string();
    r.boolean(b, "biometrics", "enabled", m.enabled);
    r.number(b, "biometrics", "genuine_mean", m.genuine_mean, 0, 2);
    r.number(b, "biometrics", "genuine_sd", m.genuine_sd, 0, 1);
    r.number(b, "biometrics", "impostor_mean", m.impostor_mean, 0, 2);
    r.number(b, "biometrics", "impostor_sd", m.impostor_sd, 0, 1);
    r.number(b, "biometrics", "threshold", m.threshold, 0, 2);
    r.number(b, "biometrics", "identification_threshold", m.identification_threshold, 0, 2);
    r.number(b, "biometrics", "frame_failure", m.frame_failure, 0, 0.99);
    r.integer(b, "biometrics", "max_frames", m.max_frames, 1, 1000);
    r.integer(b, "biometrics", "max_match_attempts", m.max_match_attempts, 1, 100);
    r.number(b, "biometrics", "fingerprint_fnmr", m.fingerprint_fnmr, 0, 1);
    r.text(b, "biometrics", "calibration", m.calibration);
    if (!m.calibration.empty() && std::filesystem::path(m.calibration).is_relative() && !overridden.count("biometrics.calibration"))
      m.calibration = (std::filesystem::path(file).parent_path() / m.calibration).string();
    read_liveness(r, b, file, overridden, m);
  }

  const YAML::Node f = root["faults"];
  r.check_keys(f, "faults", {"mtbf_hours", "repair"});
  if (f.IsDefined() && !f.IsNull()) {
    r.number(f, "faults", "mtbf_hours", s.faults.mtbf_hours, 0, 1e6);
    r.distribution(f, "faults", "repair", s.faults.repair);
  }
  r.text(root, "", "faces", s.faces);
  if (!s.faces.empty() && std::filesystem::path(s.faces).is_relative() && !overridden.count("faces"))
    s.faces = (std::filesystem::path(file).parent_path() / s.faces).string();
  if (s.biometrics.mode == BiometricSpec::Mode::images && s.faces.empty() && s.arrivals.trace.empty())
    r.fail(root["faces"], "faces", "a folder of people (one subfolder of images each) for biometrics.mode images");
  read_port(r, root, file, overridden, s);
  read_macao_trips(r, root, s);
  return s;
}

Scenario parse_with_overrides(YAML::Node root, const std::string& name, const std::vector<std::string>& overrides) {
  std::set<std::string> overridden;
  if (!root.IsDefined() || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  if (!root.IsMap()) throw models::InputError(name + ":1: expected a mapping of scenario keys");
  for (const auto& o : overrides) {
    apply_override(root, o);
    overridden.insert(o.substr(0, o.find('=')));
  }
  return read(root, name, overridden);
}

}  // namespace

Scenario parse_scenario(const std::string& yaml, const std::string& name, const std::vector<std::string>& overrides) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw models::InputError(name + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
  }
  return parse_with_overrides(root, name, overrides);
}

Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  std::ifstream in(path);
  if (!in) throw models::InputError(path + ": cannot open the scenario file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), path, overrides);
}

}  // namespace gatesim::sim
