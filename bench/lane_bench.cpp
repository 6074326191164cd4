// One lane driven as fast as possible: the real-time LaneDriver with the real face pipeline on
// shipped images (a 640x480 gate-camera frame), policy and templates answered from memory, and
// the real audit log (one fsync per transaction). Plus the per-frame cost of watching live
// video, from which README.md derives lanes per core at 15 frames/s.
// Run: OPENBLAS_NUM_THREADS=1 build/<preset>/bench/bench_lane_bench
#include <benchmark/benchmark.h>

#include <ctime>
#include <deque>

#include "biometrics/face_quality.hpp"
#include "bench/lane_bench_support.hpp"
#include "biometrics/image_io.hpp"
#include "gate/lane_driver.hpp"

namespace {

using namespace gatesim;
using namespace gatesim::gate;

const cv::Mat& gate_frame() {
  static const cv::Mat frame = [] {
    const cv::Mat full = biometrics::load_image(std::string(GATESIM_TEST_DATA) + "/faces/examples/obama-480p.jpg");
    return full(cv::Rect(full.cols - 640, 0, 640, 480)).clone();
  }();
  return frame;
}

const biometrics::FaceDescriptor& enrolled() {
  static const biometrics::FaceDescriptor descriptor = bench::describe_shipped_face("reference/obama.jpg");
  return descriptor;
}

// Genuine travellers, one after another, each showing `poor_frames` frames without a face
// (the traveller still walking up) and then the gate frame.
class ReplayDevices : public LaneDevices {
 public:
  ReplayDevices(std::size_t travellers, int poor_frames) : left_(travellers), poor_frames_(poor_frames) {
    empty_ = cv::Mat(480, 640, CV_8UC3, cv::Scalar(90, 90, 90));
  }
  bool next_traveller() override {
    frame_ = 0;
    return left_-- > 0;
  }
  DocumentReading read_document(Role) override { return {DocumentInfo{"obama", "C0001"}, ""}; }
  cv::Mat capture_frame() override { return frame_++ < poor_frames_ ? empty_ : gate_frame(); }
  FingerprintOutcome capture_fingerprint(const std::string&) override { return FingerprintOutcome::matched; }
  void open_barrier() override {}
  std::optional<int> await_passage() override { return 1; }  // one person through the exit sensor
  void close_barrier() override {}
  void show(Signal) override {}
  void alarm(const std::string&) override {}

 private:
  std::size_t left_;
  int poor_frames_;
  int frame_ = 0;
  cv::Mat empty_;
};


void BM_LaneTransactions(benchmark::State& state) {
  const auto dir = std::filesystem::temp_directory_path() / "gatesim-lane-bench";
  std::filesystem::create_directories(dir);
  enrolled();
  gate_frame();
  constexpr std::size_t kTravellers = 20;
  std::size_t total = 0, cleared = 0;
  double cpu_seconds = 0;  // all threads: the driver's worker does the face work
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::remove(dir / "audit.db");
    ReplayDevices devices(kTravellers, static_cast<int>(state.range(0)));
    bench::MemoryServices services(enrolled());
    AuditLog audit(dir / "audit.db", "bench");
    LaneDriverOptions options;
    options.on_outcome = [&](const TransactionOutcome& o) { cleared += o.decision == Decision::cleared; };
    LaneDriver driver({}, biometrics::ModelStore::from_environment(), devices, services, audit, options);
    state.ResumeTiming();
    const std::clock_t cpu_start = std::clock();
    total += driver.run();
    cpu_seconds += static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  }
  std::filesystem::remove_all(dir);
  if (cleared != total) state.SkipWithError("a genuine traveller was not cleared");
  state.counters["transactions/s"] = benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate);
  // Throughput of one core busy with nothing else: immune to other load on the machine.
  state.counters["transactions/cpu_s"] = static_cast<double>(total) / cpu_seconds;
}
// 0: the traveller's first frame is good; 5: five empty frames first.
BENCHMARK(BM_LaneTransactions)->Arg(0)->Arg(5)->Unit(benchmark::kMillisecond)->UseRealTime();

// Watching live video: every frame is detected (faces counted for tailgating) and the largest
// face's quality assessed; the descriptor is computed only for a good frame, once per
// traveller, so it is not part of the per-frame cost.
void BM_LiveFrame(benchmark::State& state) {
  biometrics::FaceAnalyzer analyzer(biometrics::ModelStore::from_environment(), biometrics::kGateCameraDetector);
  const cv::Mat& frame = gate_frame();
  analyzer.detect(frame);  // dlib builds its tables on the first call
  for (auto _ : state) {
    const auto faces = analyzer.detect(frame);
    benchmark::DoNotOptimize(biometrics::assess_face(frame, faces.at(0)));
  }
  state.counters["frames/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LiveFrame)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
