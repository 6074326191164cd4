// gatesim bench: the standard throughput suite on this machine, as a table of named measurements
// (min / median / max over repetitions) under a machine header. Other parts of the product add
// rows by appending to the suite below (each is a name, a unit and a function returning one
// sample).
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <thread>

#include <boost/version.hpp>
#include <opencv2/core/version.hpp>

#include "apps/gatesim/face_command.hpp"
#include "biometrics/face_analyzer.hpp"
#include "biometrics/face_quality.hpp"
#include "biometrics/image_io.hpp"
#include "models/input_error.hpp"
#include "sim/event_queue.hpp"
#include "sim/port_model.hpp"
#include "sim/random.hpp"

namespace gatesim::app {

namespace {

struct Benchmark {
  std::string name;
  std::string unit;  // higher is better
  std::function<double()> sample;
};

std::string first_line_with(const std::string& file, const std::string& prefix) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(prefix, 0) == 0) {
      const auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  return "unknown";
}

nlohmann::json machine() {
  const std::string mem = first_line_with("/proc/meminfo", "MemTotal");
  return {{"cpu", first_line_with("/proc/cpuinfo", "model name")},
          {"cores", std::thread::hardware_concurrency()},
          {"memory", mem},
          {"compiler", std::string("g++ ") + __VERSION__},
          {"libraries",
           {{"boost", BOOST_LIB_VERSION},
            {"opencv", CV_VERSION},
            {"nlohmann_json", std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." + std::to_string(NLOHMANN_JSON_VERSION_MINOR) +
                                  "." + std::to_string(NLOHMANN_JSON_VERSION_PATCH)}}}};
}

// Rates are per CPU second of the measuring thread, so a busy shared machine (other processes
// taking turns on the cores) does not masquerade as a slow simulator.
double cpu_now() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}
double seconds_since(double start) { return cpu_now() - start; }

// The classic hold model: a queue of `population` pending events; each handled event schedules
// one more at an exponential delay. Measures the kernel alone.
double kernel_events_per_second(std::uint64_t events) {
  sim::EventQueue q;
  sim::Rng rng(1);
  for (int i = 0; i < 10000; ++i) q.schedule_at(static_cast<sim::SimTime>(rng.exponential(1e-6)), 0);
  const double start = cpu_now();
  for (std::uint64_t i = 0; i < events; ++i) {
    q.pop();
    q.schedule_in(static_cast<sim::SimTime>(rng.exponential(1e-6)) + 1, 0);
  }
  return static_cast<double>(events) / seconds_since(start);
}

// A Luohu-scale day: 300,000 travellers through 100 gates and 60 counters (at Shenzhen Bay,
// whose rules offer both gate channels).
sim::Scenario luohu_scale(bool controller) {
  return sim::parse_scenario(R"(
name: Luohu-scale day (bench)
port: shenzhen-bay
arrivals:
  travellers_per_day: 300000
  hourly_profile: [1, 0.3, 0, 0, 0, 0.5, 2, 5, 8, 8, 7, 6, 6, 6, 6, 7, 8, 9, 9, 8, 6, 4, 3, 2]
channels: {document_gates: 80, document_free_gates: 20, counters: 60}
population: {hk_macao: 0.6, mainland: 0.36, foreign: 0.04, eligible_endorsement: 0.8, family_parties: 0.03}
faults: {mtbf_hours: 200}
gate: {model: )" + std::string(controller ? "controller" : "sampled") + "}\n",
                             "bench");
}

struct SimSample {
  double events_per_s, travellers_per_s, wall_s;
};
SimSample run_day(bool controller) {
  const auto scenario = luohu_scale(controller);
  const double start = cpu_now();
  const auto result = sim::run_simulation(scenario, sim::RunOptions{});
  const double wall = seconds_since(start);
  return {static_cast<double>(result.events) / wall, static_cast<double>(result.travellers) / wall, wall};
}

// The face pipeline on real frames with one face: the shipped 720p portrait, and a 640x480 cut
// of its 480p version. Gate camera settings (biometrics::kGateCameraDetector).
struct FaceFrames {
  cv::Mat vga, hd;
};
FaceFrames load_face_frames(const std::string& folder) {
  const cv::Mat p480 = biometrics::load_image(folder + "/obama-480p.jpg");
  return {p480(cv::Rect(p480.cols - 640, 0, 640, 480)).clone(), biometrics::load_image(folder + "/obama-720p.jpg")};
}

// Frames per CPU second through detection + landmarks + quality, and optionally the descriptor.
double face_frames_per_cpu_second(biometrics::FaceAnalyzer& analyzer, const cv::Mat& frame, bool describe, int frames) {
  const double start = cpu_now();
  for (int i = 0; i < frames; ++i) {
    const auto faces = analyzer.detect(frame);
    const auto quality = biometrics::assess_frame(frame, faces);
    if (faces.size() != 1 || !quality.acceptable) throw std::runtime_error("bench frame lost its face");
    if (describe) analyzer.describe(frame, faces.front());
  }
  return frames / seconds_since(start);
}

// Verified frames per wall second with `threads` lanes, each with its own analyzer.
double verify_frames_per_second(const biometrics::ModelStore& store, const cv::Mat& frame, unsigned threads, int frames) {
  std::vector<biometrics::FaceAnalyzer> analyzers;
  for (unsigned t = 0; t < threads; ++t) analyzers.emplace_back(store, biometrics::kGateCameraDetector);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (auto& a : analyzers)
    workers.emplace_back([&a, &frame, frames] { face_frames_per_cpu_second(a, frame, true, frames); });
  for (auto& w : workers) w.join();
  const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - start;
  return threads * frames / wall.count();
}

}  // namespace

void add_bench_command(CLI::App& root, CommandContext& context) {
  struct Args {
    bool quick = false, json = false;
    std::string baseline;
    int repetitions = 0;
    std::string face_images = GATESIM_FACE_BENCH_IMAGES;
    std::string only;
    FaceOptions face;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("bench", command_description("bench"));
  cmd->add_flag("--quick", args->quick, "Fewer repetitions (CI smoke run, well under a minute)");
  cmd->add_option("--repetitions", args->repetitions, "Repetitions per measurement (default 3 quick, 7 full)")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--baseline", args->baseline, "A saved `gatesim bench --json` run: show median ratios against it");
  cmd->add_flag("--json", args->json, "Print machine and measurements as JSON");
  cmd->add_option("--only", args->only, "Run only the measurements whose name starts with this (e.g. face., sim.)");
  cmd->add_option("--face-images", args->face_images, "Folder with obama-480p.jpg and obama-720p.jpg (the shipped test images)");
  cmd->add_option("--models", args->face.models_dir, "Folder with dlib's model files (default: $GATESIM_MODELS or ~/.cache/gatesim/models)");
  cmd->callback([args, &context] {
    nlohmann::json baseline;
    if (!args->baseline.empty()) {
      std::ifstream in(args->baseline);
      if (!in) throw models::InputError(args->baseline + ": cannot open (--baseline)");
      try {
        baseline = nlohmann::json::parse(in);
      } catch (const nlohmann::json::parse_error&) {
        throw models::InputError(args->baseline + ": not JSON (expected `gatesim bench --json` output)");
      }
      if (!baseline.contains("measurements") || !baseline["measurements"].is_array())
        throw models::InputError(args->baseline + ": no \"measurements\" list (expected `gatesim bench --json` output)");
    }
    const int reps = args->repetitions ? args->repetitions : (args->quick ? 3 : 7);
    const std::uint64_t kernel_events = args->quick ? 5'000'000 : 20'000'000;
    std::vector<Benchmark> suite = {
        {"sim.kernel.events_per_s", "events/s", [=] { return kernel_events_per_second(kernel_events); }},
        {"sim.day300k.controller.events_per_s", "events/s", [] { return run_day(true).events_per_s; }},
        {"sim.day300k.controller.travellers_per_s", "travellers/s", [] { return run_day(true).travellers_per_s; }},
        {"sim.day300k.sampled.events_per_s", "events/s", [] { return run_day(false).events_per_s; }},
        {"sim.day300k.sampled.travellers_per_s", "travellers/s", [] { return run_day(false).travellers_per_s; }},
    };
    // Face rows load models and images: only when --only can select them.
    const std::string face_prefix = "face.";
    if (face_prefix.rfind(args->only, 0) == 0 || args->only.rfind(face_prefix, 0) == 0) {
      const auto store = args->face.model_store();
      const auto frames = std::make_shared<FaceFrames>(load_face_frames(args->face_images));
      auto analyzer = std::make_shared<biometrics::FaceAnalyzer>(store, biometrics::kGateCameraDetector);
      const int n = args->quick ? 5 : 20;
      suite.push_back({"face.load_models.per_s", "loads/s", [store] {
                         const double start = cpu_now();
                         biometrics::FaceAnalyzer fresh(store, biometrics::kGateCameraDetector);
                         return 1.0 / seconds_since(start);
                       }});
      for (const auto& [label, frame] : {std::pair{"640x480", &frames->vga}, std::pair{"1280x720", &frames->hd}}) {
        const cv::Mat* f = frame;
        suite.push_back({std::string("face.detect_quality.") + label + ".frames_per_s", "frames/s",
                         [analyzer, frames, f, n] { return face_frames_per_cpu_second(*analyzer, *f, false, n); }});
        suite.push_back({std::string("face.verify.") + label + ".frames_per_s", "frames/s",
                         [analyzer, frames, f, n] { return face_frames_per_cpu_second(*analyzer, *f, true, n); }});
      }
      for (unsigned threads = 1; threads <= std::max(1u, std::thread::hardware_concurrency()); ++threads)
        suite.push_back({"face.verify.640x480.threads" + std::to_string(threads) + ".frames_per_wall_s", "frames/s",
                         [store, frames, threads, n] { return verify_frames_per_second(store, frames->vga, threads, n); }});
    }
    std::erase_if(suite, [&](const Benchmark& b) { return b.name.rfind(args->only, 0) != 0; });
    if (suite.empty()) throw models::InputError("--only " + args->only + ": no measurement has that prefix");
    nlohmann::json out = {{"machine", machine()}, {"repetitions", reps}, {"measurements", nlohmann::json::array()}};
    for (const auto& b : suite) {
      std::vector<double> xs;
      for (int i = 0; i < reps; ++i) xs.push_back(b.sample());
      std::sort(xs.begin(), xs.end());
      nlohmann::json m = {{"name", b.name}, {"unit", b.unit}, {"min", xs.front()}, {"median", xs[xs.size() / 2]},
                          {"max", xs.back()}};
      if (baseline.is_object())
        for (const auto& old : baseline["measurements"])
          if (old.is_object() && old.value("name", "") == b.name && old.value("median", 0.0) > 0)
            m["ratio_to_baseline"] = m["median"].get<double>() / old["median"].get<double>();
      out["measurements"].push_back(m);
    }
    if (args->json) {
      print_json(out);
    } else {
      const auto& mc = out["machine"];
      std::cout << "rates per CPU second of one thread (per wall second where the name says so)\nmachine: " << mc["cpu"].get<std::string>() << ", " << mc["cores"] << " cores, "
                << mc["memory"].get<std::string>() << ", " << mc["compiler"].get<std::string>() << "\n"
                << "libraries: " << mc["libraries"].dump() << "\nrepetitions: " << reps << "\n";
      std::printf("%-42s %14s %14s %14s %-12s%s\n", "measurement", "min", "median", "max", "unit",
                  baseline.is_null() ? "" : " vs baseline");
      for (const auto& m : out["measurements"]) {
        std::printf("%-42s %14.4g %14.4g %14.4g %-12s", m["name"].get<std::string>().c_str(), m["min"].get<double>(),
                    m["median"].get<double>(), m["max"].get<double>(), m["unit"].get<std::string>().c_str());
        if (m.contains("ratio_to_baseline")) std::printf(" %.2fx", m["ratio_to_baseline"].get<double>());
        std::printf("\n");
      }
    }
    context.exit_status = kSuccess;
  });
}

}  // namespace gatesim::app
