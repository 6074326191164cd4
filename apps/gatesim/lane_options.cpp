// LaneOptions: the live lane's devices and settings, as `gatesim gate` flags or as the
// key=value list of `gatesim simulate --live-gate`.
#include "apps/gatesim/lane_options.hpp"

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include <yaml-cpp/yaml.h>

#include "devices/barrier.hpp"
#include "devices/indicator.hpp"
#include "devices/passage_sensor.hpp"
#include "gate/pad_liveness_probe.hpp"
#include "models/input_error.hpp"

namespace gatesim::app {
LaneOptions::LaneOptions()
    : document_timeout(in_seconds(config.document_timeout)),
      face_window(in_seconds(config.face_window)),
      fingerprint_timeout(in_seconds(config.fingerprint_timeout)) {}

void LaneOptions::add_to(CLI::App& command) {
  command.add_option("--camera", camera,
                     "Camera URI: usb:N, v4l2:/dev/videoN, file:VIDEO, dir:FOLDER, replay:SCRIPT, tcp://HOST:PORT, "
                     "tls://HOST:PORT (#ca=,cert=,key=), rtsp://..., with #width=,height=,fps=,reconnect=N,faults=...,"
                     "seed=S (README: Device URIs)");
  command.add_option("--db", db,
                     "Enrolment database (from `gatesim enroll`): templates for 1:1 and 1:N, and traveller records "
                     "for the document-free channel");
  command.add_option("--fingerprint", fingerprint,
                     "Fingerprint reader URI (e.g. sim:match:0.9,timeout); adds the fingerprint step after the face");
  command.add_option("--audit", audit, "Audit log (SQLite) to append to");
  command.add_option("--keep-images", keep_images, "Keep the analysed frames in this folder (default: keep none)");
  command.add_option("--max-detection-width", max_detection_width,
                     "Detect faces on a copy scaled down to this width (0: full frame)")
      ->check(CLI::Range(0, 100000));
  command.add_option("--max-face-frames", config.max_face_frames, "Frames analysed per face step before referral")
      ->check(CLI::Range(1, 100000));
  command.add_option("--match-threshold", config.match_threshold, "1:1 distance below which the holder matches")
      ->check(CLI::Range(0.01, 2.0));
  for (auto [name, value, what] : {std::tuple{"--document-timeout", &document_timeout, "to read a document"},
                                   std::tuple{"--face-window", &face_window, "for the face step, matching included"},
                                   std::tuple{"--fingerprint-timeout", &fingerprint_timeout, "per fingerprint capture"}})
    command.add_option(name, *value, std::string("Seconds ") + what + " before the traveller is referred (a device that "
                                         "has not answered by then counts as timed out)")
        ->check(CLI::Range(0.001, 3600.0));
  command.add_option("--passage", passage,
                     "How the lane knows the cleared traveller has gone before it serves the next: camera (no face in "
                     "view for --passage-clear seconds), an exit sensor URI (sim:PEOPLE@MS,..., tcp:// or tls:// of a device-server), or none (at once; "
                     "a document-free lane then also serves the next face at once after a referral)");
  command.add_option("--passage-clear", passage_clear,
                     "Seconds in which no look at the camera may show a face before the passage is clear (--passage camera) "
                     "or, at a document-free lane, a referred traveller counts as gone")
      ->check(CLI::Range(0.0, 3600.0));
  command.add_option("--passback", passback,
                     "Anti-passback window in seconds: a holder cleared (this lane or any lane of its port and direction "
                     "sharing --audit) within it is referred gate.passback; 0: off")
      ->check(CLI::Range(0.0, 7 * 86400.0));
  command.add_option("--liveness", liveness, "Liveness (presentation-attack) check in the face step: off, passive, temporal or both")
      ->check(CLI::IsMember({"off", "passive", "temporal", "both"}));
  command.add_option("--pad-models", pad_models,
                     "Folder with the anti-spoofing models (default: $GATESIM_PAD_MODELS or the shipped ones)");
  command.add_option("--passive-threshold", config.liveness.passive_threshold,
                     "Passive cue: mean live probability below which the face is an attack")
      ->check(CLI::Range(0.0, 1.0));
  command.add_option("--moire-threshold", config.liveness.moire_threshold,
                     "Display-grid cue: spectral peak of the face's square above which the face is a screen (0: off)")
      ->check(CLI::Range(0.0, 1000.0));
  command.add_option("--temporal-threshold", config.liveness.temporal_threshold,
                     "Temporal cue: non-rigid motion (share of the face width) below which the face is an attack")
      ->check(CLI::Range(0.0, 1.0));
  command.add_option("--liveness-min-frames", config.liveness.min_frames,
                     "Frames with a face liveness needs before it decides (fewer when the step ends: referred)")
      ->check(CLI::Range(1, 100000));
  command.add_option("--liveness-frames", config.liveness.max_frames,
                     "Frames after which liveness decides on what it has (at least --liveness-min-frames)")
      ->check(CLI::Range(1, 100000));
  command.add_option("--liveness-passive-frames", config.liveness.passive_frames,
                     "Of every --liveness-min-frames frames, how many the passive cue scores (0: all)")
      ->check(CLI::Range(0, 100000));
  command.add_option("--liveness-window", config.liveness.time_budget_s,
                     "Seconds of the face step after which liveness decides on what it has (at most --face-window)")
      ->check(CLI::Range(0.001, 3600.0));
}

namespace {

using KeyValues = std::vector<std::pair<std::string, std::string>>;
using Fail = std::function<void(const std::string&)>;  // throws

// The keys of LaneOptions (its flags without "--").
std::set<std::string> lane_keys() {
  CLI::App parser;
  LaneOptions().add_to(parser);
  std::set<std::string> keys;
  for (const CLI::Option* option : parser.get_options())
    for (const auto& name : option->get_lnames()) keys.insert(name);
  return keys;
}

// "k=v,k=v": a comma starts the next key only where one of `keys` and '=' follow.
KeyValues split_keys(const std::string& text, const std::set<std::string>& keys, const Fail& fail) {
  // The key starting at `at`, or "" when no key name and '=' start there.
  const auto key_at = [&](std::size_t at) {
    const auto equals = text.find('=', at);
    const std::string key = equals == std::string::npos ? "" : text.substr(at, equals - at);
    return keys.count(key) ? key : std::string();
  };
  KeyValues pairs;
  for (std::size_t at = 0; at < text.size();) {
    const std::string key = key_at(at);
    if (key.empty()) {
      std::string known;
      for (const auto& k : keys) known += (known.empty() ? "" : ", ") + k;
      fail("expected KEY=VALUE,... with KEY one of " + known + ", got '" + text.substr(at, text.find_first_of("=,", at) - at) + "'");
    }
    std::size_t end = text.find(',', at + key.size() + 1);
    while (end != std::string::npos && key_at(end + 1).empty()) end = text.find(',', end + 1);
    pairs.emplace_back(key, text.substr(at + key.size() + 1, end == std::string::npos ? std::string::npos : end - at - key.size() - 1));
    at = end == std::string::npos ? text.size() : end + 1;
  }
  if (pairs.empty()) fail("expected KEY=VALUE,...");
  return pairs;
}

// ensures: `options` with the pairs set, checked as add_to's flags are.
LaneOptions apply(const KeyValues& pairs, LaneOptions options, const Fail& fail) {
  CLI::App parser{"lane"};
  parser.set_help_flag();
  options.add_to(parser);
  std::vector<std::string> args;
  for (const auto& [key, value] : pairs) {
    args.push_back("--" + key);
    args.push_back(value);
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes a vector of arguments last first
  try {
    parser.parse(args);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    if (what.rfind("--", 0) == 0) what.erase(0, 2);  // the key as written
    fail(what);
  }
  return options;
}

// The keys a bank's lane has beyond LaneOptions', and the bank's own that a lane may not set.
constexpr const char* kNameKey = "name";
constexpr const char* kDocumentsKey = "documents";
bool bank_wide(const std::string& key) { return key == "db" || key == "audit"; }
// A lane's name labels its metrics, its audit rows and its dashboard URLs (/frame/NAME.jpg).
std::string name_problem(const std::string& name) {
  const bool plain = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
  return plain ? "" : "expected a lane name of 1 to 64 letters, digits, '-', '_' or '.', got '" + name + "'";
}
std::string bank_wide_problem(const std::string& key) {
  return key + " belongs to the bank, not a lane (one " + (key == "db" ? "enrolment gallery" : "audit log, the lane a column") +
         "): give it once as --" + key;
}

}  // namespace

LaneOptions LaneOptions::parse(const std::string& text, const std::string& flag, LaneOptions defaults) {
  const Fail fail = [&](const std::string& what) { throw models::InputError(flag + " " + text + ": " + what); };
  return apply(split_keys(text, lane_keys(), fail), std::move(defaults), fail);
}

BankLane parse_bank_lane(const std::string& text, const LaneOptions& defaults, std::size_t number) {
  const Fail fail = [&](const std::string& what) { throw models::InputError("--lane " + text + ": " + what); };
  auto keys = lane_keys();
  keys.insert(kNameKey);
  keys.insert(kDocumentsKey);
  BankLane lane{std::to_string(number), "", defaults};
  KeyValues options;
  for (auto& [key, value] : split_keys(text, keys, fail)) {
    if (bank_wide(key)) fail(bank_wide_problem(key));
    if (key == kNameKey) {
      if (const auto problem = name_problem(value); !problem.empty()) fail("name: " + problem);
      lane.name = value;
    } else if (key == kDocumentsKey) {
      lane.documents = value;
    } else {
      options.emplace_back(key, value);
    }
  }
  if (!options.empty()) lane.options = apply(options, defaults, fail);
  return lane;
}

void check_unique_names(const std::vector<BankLane>& lanes, const std::string& where) {
  std::set<std::string> seen;
  for (const auto& lane : lanes)
    if (!seen.insert(lane.name).second) throw models::InputError(where + ": lane name " + lane.name + " is used twice");
}

std::vector<BankLane> read_bank_file(const std::filesystem::path& file, const LaneOptions& defaults) {
  const std::string name = file.string();
  const auto at = [&](const YAML::Node& node) {
    return node.Mark().line >= 0 ? name + ":" + std::to_string(node.Mark().line + 1) : name;
  };
  YAML::Node root;
  try {
    std::ifstream in(file);
    if (!in) throw models::InputError(name + ": cannot read the bank file");
    root = YAML::Load(in);
  } catch (const YAML::Exception& e) {
    throw models::InputError(name + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
  }
  const YAML::Node list = root.IsMap() ? root["lanes"] : YAML::Node();
  if (!list || !list.IsSequence() || list.size() == 0)
    throw models::InputError(at(root) + ": expected a map with `lanes:`, a list of lanes (name: ..., camera: ..., ...)");
  auto keys = lane_keys();
  std::vector<BankLane> lanes;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node entry = list[i];
    const std::string where = "lanes[" + std::to_string(i) + "]";
    if (!entry.IsMap()) throw models::InputError(at(entry) + ": " + where + ": expected a map of KEY: VALUE");
    BankLane lane{std::to_string(i + 1), "", defaults};
    for (const auto& item : entry) {
      const std::string key = item.first.Scalar();
      const std::string field = at(item.first) + ": " + where + "." + key;
      const Fail fail = [&](const std::string& what) { throw models::InputError(field + ": " + what); };
      if (!item.second.IsScalar()) fail("expected a value (text or a number)");
      const std::string value = item.second.Scalar();
      if (bank_wide(key)) fail(bank_wide_problem(key));
      if (key == kNameKey) {
        if (const auto problem = name_problem(value); !problem.empty()) fail(problem);
        lane.name = value;
      } else if (key == kDocumentsKey) {
        lane.documents = value;
      } else if (!keys.count(key)) {
        std::string known = std::string(kNameKey) + ", " + kDocumentsKey;
        for (const auto& k : keys)
          if (!bank_wide(k)) known += ", " + k;
        fail("unknown key; expected one of " + known);
      } else {
        // One key at a time, so an error names the key's own line.
        lane.options = apply({{key, value}}, std::move(lane.options), [&](const std::string& what) {
          // CLI11 names the option; the key and its line are already in `field`.
          const auto colon = what.find(": ");
          fail(colon == std::string::npos ? what : what.substr(colon + 2));
        });
      }
    }
    lanes.push_back(std::move(lane));
  }
  check_unique_names(lanes, name);
  return lanes;
}

gate::GateConfig LaneOptions::gate_config(gate::Channel channel) const {
  gate::GateConfig c = config;
  c.channel = channel;
  c.document_timeout = from_seconds<gate::Duration>(document_timeout);
  c.face_window = from_seconds<gate::Duration>(face_window);
  c.fingerprint_timeout = from_seconds<gate::Duration>(fingerprint_timeout);
  c.passage_required = passage != "none";
  c.passback_window = from_seconds<gate::Duration>(passback);
  c.liveness.mode = biometrics::parse_liveness_mode(liveness);  // add_to checked it
  c.liveness.time_budget_s = std::min(c.liveness.time_budget_s, face_window);
  c.steps = gate::default_steps(channel);
  if (!fingerprint.empty())
    c.steps.insert(std::find(c.steps.begin(), c.steps.end(), gate::Step::face) + 1, gate::Step::fingerprint);
  return c;
}

namespace {
// One liveness detector per models folder in the process, however many lanes use it: the lanes
// of a bank share one copy of the networks (the detector lends each concurrent caller its own
// pair from a pool). Kept while some lane holds it.
std::shared_ptr<const biometrics::LivenessDetector> shared_liveness_detector(const std::string& pad_models) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<const biometrics::LivenessDetector>> detectors;
  std::lock_guard lock(mutex);
  auto& known = detectors[pad_models];
  if (auto detector = known.lock()) return detector;
  auto detector = std::make_shared<const biometrics::LivenessDetector>(
      pad_models.empty() ? biometrics::PadModelStore::from_environment() : biometrics::PadModelStore(pad_models));
  known = detector;
  return detector;
}
}  // namespace

gate::LaneDriverOptions LaneOptions::driver_options() const {
  gate::LaneDriverOptions options;
  options.detector.max_detection_width = max_detection_width;
  options.keep_images = keep_images;
  options.passage_clear = from_seconds<gate::Duration>(passage_clear);
  options.referred_must_leave = passage != "none";  // "none": benches of unrelated still images
  const auto liveness_config = gate_config(gate::Channel::document).liveness;
  if (liveness_config.mode != biometrics::LivenessMode::off) {
    liveness_config.validate();
    options.liveness = std::make_shared<gate::PadLivenessProbe>(shared_liveness_detector(pad_models), liveness_config);
  }
  return options;
}

gate::LaneDeviceSet LaneOptions::open_devices(std::ostream& console) const {
  gate::LaneDeviceSet devices;
  if (!fingerprint.empty()) devices.fingerprint = devices::open_fingerprint_reader(fingerprint);
  if (!camera.empty()) devices.camera = devices::open_camera(camera);
  if (passage == "camera") devices.camera_watches_passage = true;
  else if (passage != "none") devices.passage = devices::open_passage_sensor(passage);
  devices.barrier = std::make_unique<devices::ConsoleBarrier>(console);
  devices.indicator = std::make_unique<devices::ConsoleIndicator>(console);
  return devices;
}

}  // namespace gatesim::app
