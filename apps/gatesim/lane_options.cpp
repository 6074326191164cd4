// LaneOptions: the live lane's devices and settings, as `gatesim gate` flags or as the
// key=value list of `gatesim simulate --live-gate`.
#include <algorithm>
#include <set>
#include <tuple>

#include "apps/gatesim/command.hpp"
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
                     "view for --passage-clear seconds), an exit sensor URI (sim:PEOPLE@MS,..., tcp:// or tls:// of a device-server), or none (at once)");
  command.add_option("--passage-clear", passage_clear, "Seconds without a face in view that clear the passage (--passage camera)")
      ->check(CLI::Range(0.0, 3600.0));
  command.add_option("--passback", passback,
                     "Anti-passback window in seconds: a holder cleared (this lane or any lane sharing --audit) within it "
                     "is referred gate.passback; 0: off")
      ->check(CLI::Range(0.0, 7 * 86400.0));
  command.add_option("--liveness", liveness, "Liveness (presentation-attack) check in the face step: off, passive, temporal or both")
      ->check(CLI::IsMember({"off", "passive", "temporal", "both"}));
  command.add_option("--pad-models", pad_models,
                     "Folder with the anti-spoofing models (default: $GATESIM_PAD_MODELS or the shipped ones)");
  command.add_option("--passive-threshold", config.liveness.passive_threshold,
                     "Passive cue: mean live probability below which the face is an attack")
      ->check(CLI::Range(0.0, 1.0));
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

LaneOptions LaneOptions::parse(const std::string& text, const std::string& flag, LaneOptions defaults) {
  CLI::App parser{flag};
  parser.set_help_flag();
  defaults.add_to(parser);
  std::set<std::string> keys;
  for (const CLI::Option* option : parser.get_options())
    for (const auto& name : option->get_lnames()) keys.insert(name);
  // The key starting at `at`, or "" when no key name and '=' start there.
  const auto key_at = [&](std::size_t at) {
    const auto equals = text.find('=', at);
    const std::string key = equals == std::string::npos ? "" : text.substr(at, equals - at);
    return keys.count(key) ? key : std::string();
  };
  const auto fail = [&](const std::string& what) { throw models::InputError(flag + " " + text + ": " + what); };
  std::vector<std::string> args;
  for (std::size_t at = 0; at < text.size();) {
    const std::string key = key_at(at);
    if (key.empty()) {
      std::string known;
      for (const auto& k : keys) known += (known.empty() ? "" : ", ") + k;
      fail("expected KEY=VALUE,... with KEY one of " + known + ", got '" + text.substr(at, text.find_first_of("=,", at) - at) + "'");
    }
    std::size_t end = text.find(',', at + key.size() + 1);
    while (end != std::string::npos && key_at(end + 1).empty()) end = text.find(',', end + 1);
    args.push_back("--" + key);
    args.push_back(text.substr(at + key.size() + 1, end == std::string::npos ? std::string::npos : end - at - key.size() - 1));
    at = end == std::string::npos ? text.size() : end + 1;
  }
  if (args.empty()) fail("expected KEY=VALUE,...");
  std::reverse(args.begin(), args.end());  // CLI11 takes a vector of arguments last first
  try {
    parser.parse(args);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    if (what.rfind("--", 0) == 0) what.erase(0, 2);  // the key as written
    fail(what);
  }
  return defaults;
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

gate::LaneDriverOptions LaneOptions::driver_options() const {
  gate::LaneDriverOptions options;
  options.detector.max_detection_width = max_detection_width;
  options.keep_images = keep_images;
  options.passage_clear = from_seconds<gate::Duration>(passage_clear);
  const auto liveness_config = gate_config(gate::Channel::document).liveness;
  if (liveness_config.mode != biometrics::LivenessMode::off) {
    liveness_config.validate();
    auto detector = std::make_shared<const biometrics::LivenessDetector>(
        pad_models.empty() ? biometrics::PadModelStore::from_environment() : biometrics::PadModelStore(pad_models));
    options.liveness = std::make_shared<gate::PadLivenessProbe>(std::move(detector), liveness_config);
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
