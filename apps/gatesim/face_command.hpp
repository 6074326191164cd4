#pragma once
// Options and helpers shared by the commands of the gatesim-faces plugin (command.hpp): they use
// the face pipeline (dlib, OpenCV) and live lanes, which the program itself does not link.

#include <ostream>
#include <string>

#include <CLI/CLI.hpp>

#include "apps/gatesim/command.hpp"
#include "biometrics/face_analyzer.hpp"
#include "gate/live_lane.hpp"

namespace gatesim::app {

// Options every face command shares: where the models are and how to detect.
struct FaceOptions {
  std::string models_dir;  // empty: GATESIM_MODELS or the default cache
  std::string detector = "hog";
  int upsample = 1;
  int max_detection_width = 0;

  void add_to(CLI::App& command);
  biometrics::ModelStore model_store() const;
  biometrics::DetectorOptions detector_options() const;
};

// A live lane's devices and settings, shared by `gatesim gate` (flags --camera, --db, ...) and
// `gatesim simulate --live-gate` (keys camera=,db=,...): one set of names, meanings and checks.
struct LaneOptions {
  std::string camera, fingerprint, db, audit, keep_images;
  int max_detection_width = 0;
  gate::GateConfig config;  // limits and thresholds; the timeouts below, in seconds, replace its own
  double document_timeout = 5, face_window = 5, fingerprint_timeout = 8;
  // Passage: "camera" (watched until the face has left the view for passage_clear seconds),
  // "none" (through as the barrier opens) or an exit sensor URI (sim:...). Other than "none",
  // a document-free lane also waits for a referred traveller to leave the view.
  // `gatesim gate` sets camera, 600 s of passback and liveness both (a real lane's defaults);
  // these are `simulate --live-gate`'s, whose lanes are served a stream of still photos.
  std::string passage = "none";
  double passage_clear = 1;
  double passback = 0;  // anti-passback window in seconds; 0: off
  std::string liveness = "off";  // the mode; its thresholds and budget are config.liveness's
  std::string pad_models;         // empty: biometrics::PadModelStore::from_environment()

  LaneOptions();  // the timeouts from gate::GateConfig's defaults
  // Adds the options to `command` as --NAME; the names without "--" are the keys of parse().
  void add_to(CLI::App& command);
  // ensures: `defaults` with the keys of "camera=usb:0,db=enrol.db,..." set, checked as add_to's
  //          flags are. A comma starts the next key only where a key name and '=' follow, so
  //          device URIs keep their own commas ("camera=usb:0#width=640,height=480,db=x.db").
  // throws models::InputError "<flag> <text>: ..." for text without a key, an unknown key or a
  //        bad value.
  static LaneOptions parse(const std::string& text, const std::string& flag, LaneOptions defaults);

  // ensures: the settings for `channel`: its steps, with the fingerprint step after the face
  //          when there is a reader.
  gate::GateConfig gate_config(gate::Channel channel) const;
  // the gate camera's detector, kept images, the passage watch and the liveness detector
  // throws models::InputError when liveness is on and its models cannot be loaded.
  gate::LaneDriverOptions driver_options() const;
  // ensures: the camera (when given), fingerprint reader (when given) and exit sensor (when
  //          passage is a URI) opened by URI, a console barrier and indicator printing to
  //          `console`; no document reader.
  // throws models::InputError for a bad URI (devices::open_*).
  gate::LaneDeviceSet open_devices(std::ostream& console) const;
};

// Commands that compare people take one face per image; an image with several is refused
// unless the user asked for the largest.
enum class SeveralFaces { refuse, take_largest };

// ensures: the descriptor of the one face in the image at `path` (the largest with take_largest).
// throws models::InputError naming the file when it cannot be read, holds no face, or holds
//        several and `several` is refuse.
biometrics::FaceDescriptor describe_single_face(biometrics::FaceAnalyzer& analyzer, const std::string& path,
                                                SeveralFaces several = SeveralFaces::refuse);

}  // namespace gatesim::app
