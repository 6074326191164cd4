// gatesim eval-pad BONAFIDE...: how well liveness (presentation-attack detection) tells the
// given bona fide images and clips from attacks generated out of them (ISO/IEC 30107-3 figures).
//
// Presentations: an image is one bona fide presentation, judged by the passive cue alone (one
// frame: min_frames 1), and gives --variants print and screen attacks. A clip is cut into
// windows of --window frames (default max_frames), each one bona fide presentation judged by a
// LivenessSession with the lane's settings (time = frame index / the clip's frame rate), and
// each gives --variants attacks of every clip kind made from that window. An attack in which no
// face is found cannot pass a lane: it counts as refused (and is counted as not acquired). A
// bona fide presentation without a face is left out of BPCER and counted as not acquired; one
// whose session ends undecided (too few frames with a face) counts as refused.
//
// --json prints one object:
//   {"seed", "variants", "config": {mode, passive_threshold, moire_threshold, temporal_threshold, min_frames,
//    max_frames, passive_frames, passive_networks, window},
//    "images": SECTION or null, "clips": SECTION or null,
//    "pad": {"level": "clips" | "images", "bpcer": x, "apcer": {"<type>": x, ...}}}
// where SECTION = {"bona_fide": {"presentations", "not_acquired", "undecided", "refused", "bpcer",
//   "scores": [...]}, "attacks": {"<type>": {"presentations", "not_acquired", "accepted", "apcer",
//   "scores": [...]}}, "worst_type", "apcer_worst", "bpcer", "bpcer_at_apcer_1pct": {"threshold",
//   "bpcer", "apcer"}, "bpcer_at_apcer_5pct": {...}}. "pad" is the block the simulator's
// calibration reads (the clip figures when there are clips): the share of live travellers
// refused, and per attack type the share of attacks let through, at the configured thresholds.
#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>

#include <opencv2/imgcodecs.hpp>

#include "apps/gatesim/face_command.hpp"
#include "biometrics/evaluation.hpp"
#include "biometrics/image_io.hpp"
#include "biometrics/liveness.hpp"
#include "biometrics/pad_evaluation.hpp"
#include "biometrics/presentation_attacks.hpp"
#include "devices/camera_backends.hpp"
#include "models/input_error.hpp"

namespace gatesim::app {
namespace {

namespace fs = std::filesystem;
using biometrics::AttackKind;

constexpr int kMaxClipFrames = 3000;  // the default --frames: 100 s at 30 fps

struct Clip {
  std::vector<cv::Mat> frames;
  double fps = 25;
};

Clip read_clip(const fs::path& file, int max_frames) {
  auto video = devices::read_video_file(file, max_frames);  // OpenCV's videoio, in its plugin
  if (!video) throw models::InputError(file.string() + ": cannot be read as an image or a video");
  Clip clip;
  clip.frames = std::move(video->frames);
  if (video->fps > 0) clip.fps = video->fps;
  if (clip.frames.empty()) throw models::InputError(file.string() + ": a video without a single frame");
  if (clip.frames.front().type() != CV_8UC3) throw models::InputError(file.string() + ": frames are not 8-bit colour");
  return clip;
}

// Video files by name, for a folder's contents (a file named on the command line is read as
// whatever OpenCV makes of it).
bool has_video_extension(const fs::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static const char* const kExtensions[] = {".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".mjpeg", ".mjpg"};
  return std::any_of(std::begin(kExtensions), std::end(kExtensions), [&](const char* e) { return ext == e; });
}

// Files named on the command line, folders expanded to the images and videos inside (by name).
// Other files in a folder (a SOURCES.md, a licence) are skipped and counted on standard error.
std::vector<fs::path> collect_inputs(const std::vector<std::string>& args) {
  std::vector<fs::path> files;
  for (const auto& arg : args) {
    if (!fs::exists(arg)) throw models::InputError(arg + ": no such file or folder");
    if (!fs::is_directory(arg)) {
      files.emplace_back(arg);
      continue;
    }
    std::vector<fs::path> inside, skipped;
    for (const auto& entry : fs::recursive_directory_iterator(arg)) {
      if (!entry.is_regular_file() || entry.path().filename().string().front() == '.') continue;
      const bool media = biometrics::has_image_extension(entry.path()) || has_video_extension(entry.path());
      (media ? inside : skipped).push_back(entry.path());
    }
    std::sort(inside.begin(), inside.end());
    std::sort(skipped.begin(), skipped.end());
    if (inside.empty()) throw models::InputError(arg + ": no image or video in this folder");
    if (!skipped.empty())
      std::cerr << "eval-pad: " << arg << ": skipped " << skipped.size()
                << (skipped.size() == 1 ? " file that is" : " files that are") << " neither an image nor a video by name ("
                << skipped.front().string()
                << (skipped.size() > 1 ? ", ..." : "") << ")\n";
    files.insert(files.end(), inside.begin(), inside.end());
  }
  return files;
}

std::optional<biometrics::DetectedFace> largest_face(biometrics::FaceAnalyzer& analyzer, const cv::Mat& bgr) {
  auto faces = analyzer.detect(bgr);
  if (faces.empty()) return std::nullopt;
  return *std::max_element(faces.begin(), faces.end(), [](const auto& a, const auto& b) {
    return a.box.width() * a.box.height() < b.box.width() * b.box.height();
  });
}

struct Counts {
  std::size_t presentations = 0, not_acquired = 0, undecided = 0, passed = 0;
  std::vector<double> scores;
};

// One level's tally (images, or clips).
struct Section {
  Counts bona_fide;
  std::map<std::string, Counts> attacks;
  bool empty() const { return bona_fide.scores.empty(); }
};

class Evaluator {
 public:
  Evaluator(biometrics::FaceAnalyzer& analyzer, const biometrics::LivenessDetector& detector,
            biometrics::LivenessConfig config)
      : analyzer_(analyzer), detector_(detector), config_(config) {}

  using Faces = std::vector<std::optional<biometrics::DetectedFace>>;
  Faces faces_in(const std::vector<cv::Mat>& frames) {
    Faces faces;
    for (const auto& frame : frames) faces.push_back(largest_face(analyzer_, frame));
    return faces;
  }

  // A presentation: the frames in order (with their faces when already found); nullopt when no
  // frame shows a face.
  std::optional<biometrics::LivenessEvidence> judge(const std::vector<cv::Mat>& frames, double fps,
                                                    const biometrics::LivenessConfig& config, Faces faces = {}) {
    if (faces.empty()) faces = faces_in(frames);
    biometrics::LivenessSession session(detector_, config);
    bool any_face = false;
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const double seconds = static_cast<double>(i) / fps;
      if (const auto& face = faces[i]) {
        any_face = true;
        if (session.add(frames[i], *face, seconds).decided()) break;
      } else {
        session.add_without_face(seconds);
      }
    }
    if (!any_face) return std::nullopt;
    return session.finish();
  }

  void tally(Counts& counts, const std::optional<biometrics::LivenessEvidence>& evidence,
             const biometrics::LivenessConfig& config, bool bona_fide) {
    ++counts.presentations;
    if (!evidence) {
      ++counts.not_acquired;
      if (!bona_fide) counts.scores.push_back(0);  // an attack without a face cannot pass
      return;
    }
    if (!evidence->decided()) ++counts.undecided;
    if (evidence->live()) ++counts.passed;
    counts.scores.push_back(biometrics::liveness_score(*evidence, config));
  }

  const biometrics::LivenessConfig& config() const { return config_; }

 private:
  biometrics::FaceAnalyzer& analyzer_;
  const biometrics::LivenessDetector& detector_;
  biometrics::LivenessConfig config_;
};

nlohmann::json section_json(const Section& s) {
  biometrics::PadScores scores;
  scores.bona_fide = s.bona_fide.scores;
  nlohmann::json attacks = nlohmann::json::object();
  for (const auto& [type, c] : s.attacks) {
    scores.attacks[type] = c.scores;
    attacks[type] = {{"presentations", c.presentations},
                     {"not_acquired", c.not_acquired},
                     {"accepted", c.passed},
                     {"apcer", static_cast<double>(c.passed) / static_cast<double>(c.presentations)},
                     {"scores", c.scores}};
  }
  const auto& b = s.bona_fide;
  const std::size_t judged = b.presentations - b.not_acquired;
  nlohmann::json r;
  r["bona_fide"] = {{"presentations", b.presentations},
                    {"not_acquired", b.not_acquired},
                    {"undecided", b.undecided},
                    {"refused", judged - b.passed},
                    {"bpcer", static_cast<double>(judged - b.passed) / static_cast<double>(judged)},
                    {"scores", b.scores}};
  r["attacks"] = attacks;
  const auto at = biometrics::pad_rates_at(scores, 1.0);
  r["worst_type"] = at.worst_type;
  r["apcer_worst"] = at.apcer;
  r["bpcer"] = at.bpcer;
  for (const auto& [key, target] : {std::pair{"bpcer_at_apcer_1pct", 0.01}, std::pair{"bpcer_at_apcer_5pct", 0.05}}) {
    const auto p = biometrics::bpcer_at_apcer(scores, target);
    r[key] = {{"threshold", p.threshold}, {"bpcer", p.bpcer}, {"apcer", p.apcer}};
  }
  return r;
}

void print_section(const std::string& level, const nlohmann::json& r) {
  const auto& b = r["bona_fide"];
  std::cout << std::fixed << std::setprecision(4) << level << ":\n"
            << "  bona fide      " << b["presentations"] << " presentations, " << b["not_acquired"]
            << " without a face, " << b["undecided"] << " undecided, " << b["refused"] << " refused: BPCER "
            << b["bpcer"].get<double>() << '\n';
  for (const auto& [type, a] : r["attacks"].items())
    std::cout << "  " << std::left << std::setw(14) << type << std::right << ' ' << a["presentations"]
              << " presentations, " << a["not_acquired"] << " without a face, " << a["accepted"]
              << " accepted: APCER " << a["apcer"].get<double>() << '\n';
  std::cout << "  worst type " << r["worst_type"].get<std::string>() << ": APCER " << r["apcer_worst"].get<double>()
            << " at BPCER " << r["bpcer"].get<double>() << " (configured thresholds)\n";
  for (const auto& [key, name] : {std::pair{"bpcer_at_apcer_1pct", "1%"}, std::pair{"bpcer_at_apcer_5pct", "5%"}}) {
    const auto& p = r[key];
    std::cout << "  BPCER at APCER " << name << ": " << p["bpcer"].get<double>() << " (score threshold "
              << p["threshold"].get<double>() << ", worst APCER " << p["apcer"].get<double>() << ")\n";
  }
}

biometrics::DistanceSets det_sets(const Section& s, const std::string& worst) {
  biometrics::DistanceSets sets;  // scores negated: distances, "genuine" = bona fide
  for (double v : s.bona_fide.scores) sets.genuine.push_back(-v);
  for (double v : s.attacks.at(worst).scores) sets.impostor.push_back(-v);
  std::sort(sets.genuine.begin(), sets.genuine.end());
  std::sort(sets.impostor.begin(), sets.impostor.end());
  return sets;
}

}  // namespace

void add_eval_pad_command(CLI::App& root, CommandContext& context) {
  struct Args {
    std::vector<std::string> inputs;
    std::string attacks = "all", out, examples, pad_models, mode = "both", networks = "both";
    int variants = 3, window = 0, clip_frames = kMaxClipFrames;
    double box_scale = biometrics::kDlibBoxScale;
    std::uint64_t seed = 1;
    bool json = false;
    biometrics::LivenessConfig config;
    FaceOptions face;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("eval-pad", command_description("eval-pad"));
  cmd->add_option("BONAFIDE", args->inputs, "Bona fide images and clips (files or folders)")->required();
  cmd->add_option("--attacks", args->attacks, "Attack kinds: print,screen,moved_photo,frozen or all");
  cmd->add_option("--variants", args->variants, "Attacks of each kind per bona fide presentation")->check(CLI::Range(1, 100));
  cmd->add_option("--seed", args->seed, "Seed of the attack generator");
  cmd->add_option("--mode", args->mode, "Liveness cues for clips: off, passive, temporal, both")
      ->check(CLI::IsMember({"off", "passive", "temporal", "both"}));
  cmd->add_option("--passive-threshold", args->config.passive_threshold, "Mean live probability a face must reach");
  cmd->add_option("--moire-threshold", args->config.moire_threshold,
                  "Display-grid peak a clip must stay at or below (0: the cue off)");
  cmd->add_option("--temporal-threshold", args->config.temporal_threshold, "Non-rigidity a clip must reach");
  cmd->add_option("--min-frames", args->config.min_frames, "Frames with a face before a decision");
  cmd->add_option("--max-frames", args->config.max_frames, "Frames after which a session decides");
  cmd->add_option("--passive-frames", args->config.passive_frames,
                  "Of every --min-frames frames, how many the passive cue scores (0: all)")
      ->check(CLI::Range(0, 100000));
  cmd->add_option("--window", args->window, "Frames per clip presentation (default: --max-frames)")->check(CLI::Range(1, 10000));
  cmd->add_option("--frames", args->clip_frames, "Read at most this many frames of each clip")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--pad-models", args->pad_models,
                  "Folder with the anti-spoofing networks (default: $GATESIM_PAD_MODELS or the shipped ones)");
  cmd->add_option("--passive-networks", args->networks, "Networks the passive cue runs: both, v2 or v1se")
      ->check(CLI::IsMember({"both", "v2", "v1se"}));
  cmd->add_option("--box-scale", args->box_scale,
                  "Crop calibration: the reference crop scales are multiplied by this for dlib's boxes")
      ->check(CLI::Range(0.3, 3.0));
  cmd->add_option("--out", args->out, "Write the DET curve of the worst attack type here (PNG)");
  cmd->add_option("--examples", args->examples, "Write the first attack of each kind per input here (PNG), to look at");
  cmd->add_flag("--json", args->json, "Print one JSON object (see the layout in cmd_eval_pad.cpp / README)");
  args->face.add_to(*cmd);
  cmd->callback([args, &context] {
    auto config = args->config;
    config.mode = biometrics::parse_liveness_mode(args->mode);
    config.time_budget_s = 1e9;  // a presentation is its window of frames, however long
    config.validate();
    const int window = args->window > 0 ? args->window : config.max_frames;
    const auto kinds = biometrics::parse_attack_kinds(args->attacks);
    const auto inputs = collect_inputs(args->inputs);
    for (const auto& folder : {args->out, args->examples})
      if (const auto parent = fs::path(folder).parent_path(); !folder.empty() && !parent.empty() && !fs::is_directory(parent))
        throw models::InputError(folder + ": cannot write there (" + parent.string() + " is not a folder)");
    if (!args->examples.empty()) fs::create_directories(args->examples);

    const biometrics::PadModelStore store =
        args->pad_models.empty() ? biometrics::PadModelStore::from_environment() : biometrics::PadModelStore(args->pad_models);
    const biometrics::LivenessDetector detector(
        biometrics::PassiveLiveness(store, args->box_scale, biometrics::parse_passive_networks(args->networks)));
    biometrics::FaceAnalyzer analyzer(args->face.model_store(), args->face.detector_options());
    Evaluator evaluator(analyzer, detector, config);
    const biometrics::AttackGenerator generator(args->seed);
    auto image_config = config;  // one still: the passive cue alone, on one frame
    image_config.mode = config.mode == biometrics::LivenessMode::off ? config.mode : biometrics::LivenessMode::passive;
    image_config.min_frames = image_config.max_frames = 1;

    Section images, clips;
    std::uint64_t presentation = 0;  // numbers every bona fide presentation: the attacks' variant base
    for (const auto& file : inputs) {
      const std::string stem = file.stem().string();
      auto save_example = [&](AttackKind kind, const cv::Mat& frame) {
        if (!args->examples.empty())
          cv::imwrite((fs::path(args->examples) / (stem + "-" + std::string(biometrics::to_string(kind)) + ".png")).string(), frame);
      };
      if (biometrics::has_image_extension(file)) {
        const cv::Mat bgr = biometrics::load_image(file);
        evaluator.tally(images.bona_fide, evaluator.judge({bgr}, 1, image_config), image_config, true);
        for (AttackKind kind : kinds) {
          if (biometrics::needs_clip(kind)) continue;
          for (int v = 0; v < args->variants; ++v) {
            const cv::Mat attack = generator.image(kind, bgr, presentation * 1000 + static_cast<std::uint64_t>(v));
            if (v == 0) save_example(kind, attack);
            evaluator.tally(images.attacks[std::string(biometrics::to_string(kind))],
                            evaluator.judge({attack}, 1, image_config), image_config, false);
          }
        }
        ++presentation;
        continue;
      }
      const Clip clip = read_clip(file, args->clip_frames);
      // Windows of `window` frames; a last piece shorter than min_frames joins nothing (it would
      // only measure the too-short rule), unless it is the whole clip.
      for (std::size_t start = 0; start < clip.frames.size(); start += static_cast<std::size_t>(window)) {
        const std::size_t end = std::min(clip.frames.size(), start + static_cast<std::size_t>(window));
        if (start > 0 && static_cast<int>(end - start) < config.min_frames) break;
        const std::vector<cv::Mat> frames(clip.frames.begin() + static_cast<std::ptrdiff_t>(start),
                                          clip.frames.begin() + static_cast<std::ptrdiff_t>(end));
        auto faces = evaluator.faces_in(frames);
        // The still an attacker would grab: the window's first frame that shows the face.
        const auto still = static_cast<std::size_t>(
            std::find_if(faces.begin(), faces.end(), [](const auto& f) { return f.has_value(); }) - faces.begin());
        evaluator.tally(clips.bona_fide, evaluator.judge(frames, clip.fps, config, std::move(faces)), config, true);
        for (AttackKind kind : kinds)
          for (int v = 0; v < args->variants; ++v) {
            const auto attack = generator.clip(kind, frames, presentation * 1000 + static_cast<std::uint64_t>(v),
                                               std::min(still, frames.size() - 1));
            if (v == 0 && start == 0) save_example(kind, attack.front());
            evaluator.tally(clips.attacks[std::string(biometrics::to_string(kind))],
                            evaluator.judge(attack, clip.fps, config), config, false);
          }
        ++presentation;
      }
    }

    nlohmann::json r;
    r["seed"] = args->seed;
    r["variants"] = args->variants;
    r["config"] = {{"mode", biometrics::to_string(config.mode)},
                   {"passive_threshold", config.passive_threshold},
                   {"moire_threshold", config.moire_threshold},
                   {"temporal_threshold", config.temporal_threshold},
                   {"min_frames", config.min_frames},
                   {"max_frames", config.max_frames},
                   {"passive_frames", config.passive_frames},
                   {"passive_networks", biometrics::to_string(detector.passive().networks())},
                   {"window", window}};
    r["images"] = nullptr;
    r["clips"] = nullptr;
    const Section* headline = nullptr;
    for (const auto& [key, section] : {std::pair<const char*, const Section*>{"images", &images}, {"clips", &clips}}) {
      if (section->empty() || section->attacks.empty()) continue;
      r[key] = section_json(*section);
      headline = section;
    }
    if (!headline)
      throw models::InputError(args->inputs.front() +
                               ": no bona fide presentation with a face (and an attack kind that applies to it)");
    const auto& h = r[headline == &clips ? "clips" : "images"];
    nlohmann::json apcer = nlohmann::json::object();
    for (const auto& [type, a] : h["attacks"].items()) apcer[type] = a["apcer"];
    r["pad"] = {{"level", headline == &clips ? "clips" : "images"}, {"bpcer", h["bona_fide"]["bpcer"]}, {"apcer", apcer}};
    r["det_curve"] = nullptr;
    if (!args->out.empty()) {
      const std::string worst = h["worst_type"];
      const auto sets = det_sets(*headline, worst);
      biometrics::write_det_curve(sets,
                                  "PAD DET (" + std::string(headline == &clips ? "clips" : "images") + "): " +
                                      std::to_string(sets.genuine.size()) + " bona fide, " +
                                      std::to_string(sets.impostor.size()) + " " + worst + " attacks",
                                  args->out, biometrics::kPadDetAxes);
      r["det_curve"] = args->out;
    }
    if (args->json) {
      print_json(r);
    } else {
      if (!r["images"].is_null()) print_section("images (passive cue, one frame)", r["images"]);
      if (!r["clips"].is_null())
        print_section("clips (" + std::string(biometrics::to_string(config.mode)) + ", windows of " +
                          std::to_string(window) + " frames)",
                      r["clips"]);
      if (!r["det_curve"].is_null()) std::cout << "DET curve: " << r["det_curve"].get<std::string>() << '\n';
    }
    context.exit_status = kSuccess;
  });
}

}  // namespace gatesim::app
