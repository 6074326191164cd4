// What the camera's passage watch costs a lane (issue 13), against the same lane's face step.
// A lane without an exit sensor watches its camera after each clearance until no look has shown
// a near face for passage_clear (gate/lane_driver.cpp, "Watching the camera"). This runs the
// real LaneDriver (real face pipeline, liveness both cues, real audit log) on a camera that plays
// the shipped clip (640x360, Lin-Manuel Miranda, enrolled) at 15 frames/s: each traveller is
// cleared, stays in view for kHolderStays of lane time after the barrier opens (the barrier
// closes at the exit timer, 6 s), then leaves (a face-free frame) until the passage is clear.
// The lane runs on a VirtualLaneClock whose time moves only when nothing is being computed, so
// "CPU per second" is the CPU the lane needs per second of that phase when it keeps up in real
// time, whatever the load on the machine. CPU is the process's (all the lane's threads).
// Counters (ms of CPU per second of the phase): face_step, in_view_open (barrier open, holder in
// view), in_view_closed (barrier closed, holder still in view), empty (the holder gone, until the
// passage is clear); looks/s while watching, and the share of looks detected in full. The
// argument is LaneDriverOptions::watch_detect_every: 1, every look detected in full (the
// same-run baseline); 10, the default (the watch follows a near face, see "What a look costs"
// in gate/lane_driver.cpp).
// Run: OPENBLAS_NUM_THREADS=1 build/<preset>/bench/bench_passage_bench
#include <benchmark/benchmark.h>

#include <ctime>
#include <filesystem>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "bench/lane_bench_support.hpp"
#include "biometrics/image_io.hpp"
#include "gate/lane_driver.hpp"
#include "gate/pad_liveness_probe.hpp"

namespace {

using namespace gatesim;
using namespace gatesim::gate;
using namespace std::chrono_literals;

constexpr devices::Duration kFramePeriod = std::chrono::nanoseconds(1'000'000'000 / 15);
constexpr devices::Duration kHolderStays = 10s;  // after the barrier opens
constexpr int kTravellers = 3;

double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// The clip at 15 frames/s: every other frame of the part where the gate settings find the face
// (frames 82 to 243 of 275; the face box is 73 to 105 px high, and the detector misses it in a
// few runs of frames, the longest 0.3 s), played forwards then backwards so the loop has no
// jump (a jump would make the face leave its place between two frames).
const std::vector<cv::Mat>& clip() {
  static const std::vector<cv::Mat> frames = [] {
    cv::VideoCapture video(std::string(GATESIM_TEST_DATA) + "/faces/examples/short_hamilton_clip.mp4");
    std::vector<cv::Mat> out;
    cv::Mat bgr;
    for (int i = 0; i <= 243 && video.read(bgr); ++i)
      if (i >= 82 && i % 2 == 0) out.push_back(bgr.clone());
    if (out.size() < 2) throw std::runtime_error("cannot read the shipped clip");
    for (std::size_t i = out.size() - 2; i > 0; --i) out.push_back(out[i]);
    return out;
  }();
  return frames;
}

// The lane once the holder has gone: a face-free scene of the clip's size.
const cv::Mat& empty_view() {
  static const cv::Mat frame = [] {
    cv::Mat scene = biometrics::load_image(std::string(GATESIM_TEST_DATA) + "/faces/scenes/dogs.jpg"), out;
    cv::resize(scene, out, clip().front().size(), 0, 0, cv::INTER_AREA);
    return out;
  }();
  return frame;
}

const biometrics::FaceDescriptor& enrolled() {
  static const biometrics::FaceDescriptor descriptor = bench::describe_shipped_face("examples/lin-manuel-miranda.png");
  return descriptor;
}

// Where the lane's CPU and lane time went, by phase.
struct Phases {
  enum Phase { face_step, in_view_open, in_view_closed, empty, count };
  double cpu[count] = {};
  double seconds[count] = {};
  long looks = 0;
  double watch_seconds = 0;
};

// A document lane without an exit sensor whose camera gives the clip's frames at 15 frames/s of
// the lane's clock. The phases change on the device thread, where the lane's work is sequential
// (a look's analysis is over before the next frame is asked for), so the CPU read there splits
// the process's CPU between them.
class ClipLane : public LaneDevices {
 public:
  ClipLane(LaneClock& clock, Phases& phases) : clock_(clock), phases_(phases) {}

  bool next_traveller() override {
    enter(Phases::face_step);
    passing_ = false;
    return left_-- > 0;
  }
  DocumentReading read_document(Role) override { return {DocumentInfo{"lin", "C-lin"}, ""}; }
  cv::Mat capture_frame() override {
    // The next frame of a 15 frames/s camera: wait for it on the lane's clock.
    const devices::Duration now = clock_.now();
    const devices::Duration due = (now / kFramePeriod + 1) * kFramePeriod;
    clock_.sleep_until(due);
    const auto& frames = clip();
    const cv::Mat& frame = frames[static_cast<std::size_t>(due / kFramePeriod) % frames.size()];
    if (!passing_) return frame;
    ++phases_.looks;
    if (due - opened_at_ < kHolderStays) return frame;
    enter(Phases::empty);
    return empty_view();
  }
  FingerprintOutcome capture_fingerprint(const std::string&) override { return FingerprintOutcome::matched; }
  void open_barrier() override {
    enter(Phases::in_view_open);
    passing_ = true;
    opened_at_ = clock_.now();
  }
  std::optional<int> await_passage() override { return std::nullopt; }  // no exit sensor: the camera
  void close_barrier() override {
    if (phase_ == Phases::in_view_open) enter(Phases::in_view_closed);
  }
  void show(Signal) override {}
  void alarm(const std::string&) override {}

  // ensures: the last phase's CPU and time are counted.
  void finish() { enter(Phases::count); }

 private:
  void enter(Phases::Phase next) {
    const double cpu = process_cpu_seconds(), at = std::chrono::duration<double>(clock_.now()).count();
    if (phase_ != Phases::count) {
      phases_.cpu[phase_] += cpu - cpu_at_;
      phases_.seconds[phase_] += at - time_at_;
      if (phase_ != Phases::face_step) phases_.watch_seconds += at - time_at_;
    }
    phase_ = next;
    cpu_at_ = cpu;
    time_at_ = at;
  }

  LaneClock& clock_;
  Phases& phases_;
  int left_ = kTravellers;
  bool passing_ = false;
  devices::Duration opened_at_{};
  Phases::Phase phase_ = Phases::count;
  double cpu_at_ = 0, time_at_ = 0;
};


void BM_PassageWatch(benchmark::State& state) {
  cv::setNumThreads(1);  // one core per lane, as on a lane's service thread under load
  const auto dir = std::filesystem::temp_directory_path() / "gatesim-passage-bench";
  std::filesystem::create_directories(dir);
  enrolled();
  empty_view();
  GateConfig config;
  config.passage_required = true;  // a live lane: the exit timer closes the barrier, the camera readies the lane
  config.liveness.mode = biometrics::LivenessMode::both;
  const auto detector = std::make_shared<const biometrics::LivenessDetector>(biometrics::PadModelStore::from_environment());
  Phases phases;
  std::size_t cleared = 0, total = 0;
  std::uint64_t looks = 0, detections = 0;
  for (auto _ : state) {
    std::filesystem::remove(dir / "audit.db");
    VirtualLaneClock clock;
    ClipLane devices(clock, phases);
    bench::MemoryServices services(enrolled());
    AuditLog audit(dir / "audit.db", "bench");
    LaneDriverOptions options;
    options.clock = &clock;
    options.liveness = std::make_shared<PadLivenessProbe>(detector, config.liveness);
    options.watch_detect_every = static_cast<int>(state.range(0));
    options.on_outcome = [&](const TransactionOutcome& o) { cleared += o.decision == Decision::cleared; };
    LaneDriver driver(config, biometrics::ModelStore::from_environment(), devices, services, audit, options);
    total += driver.run();
    devices.finish();
    looks += driver.face_counts().watch_looks;
    detections += driver.face_counts().watch_detections;
  }
  std::filesystem::remove_all(dir);
  if (cleared != total || total == 0) state.SkipWithError("the enrolled holder was not cleared every time");
  const char* names[] = {"face_step", "in_view_open", "in_view_closed", "empty"};
  for (int p = 0; p < Phases::count; ++p)
    state.counters[std::string(names[p]) + "_ms/s"] = 1000 * phases.cpu[p] / phases.seconds[p];
  state.counters["looks/s"] = static_cast<double>(phases.looks) / phases.watch_seconds;
  state.counters["detected_in_full"] = static_cast<double>(detections) / static_cast<double>(looks);
}
BENCHMARK(BM_PassageWatch)->Arg(1)->Arg(10)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

}  // namespace


BENCHMARK_MAIN();
