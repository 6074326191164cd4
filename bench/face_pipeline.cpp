// The face pipeline per stage on a 640x480 frame with one face: dlib's plain pipeline (as its
// Python API: HOG with one upsampling, 5 landmarks, ResNet) against ours (gate settings).
// Run: build/<preset>/bench/bench_face_pipeline --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <opencv2/imgproc.hpp>

#include "biometrics/face_analyzer.hpp"
#include "biometrics/face_quality.hpp"
#include "biometrics/image_io.hpp"
#include "tests/support/dlib_reference.hpp"

namespace {

using namespace gatesim::biometrics;

// 640x480 cut from the 480p frame of the shipped clip image, face (~107 px) inside.
const cv::Mat& frame_640x480() {
  static const cv::Mat frame = [] {
    const cv::Mat full = load_image(std::string(GATESIM_TEST_DATA) + "/faces/examples/obama-480p.jpg");
    return full(cv::Rect(full.cols - 640, 0, 640, 480)).clone();
  }();
  return frame;
}

const DetectorOptions kGateOptions = kGateCameraDetector;

// dlib's detectors build lookup tables on their first call (~0.6 s): warm both up once so the
// measurements show the steady state of a running gate.
FaceAnalyzer& analyzer() {
  static FaceAnalyzer instance(ModelStore::from_environment(), kGateOptions);
  static bool warm = (instance.detect(frame_640x480()), true);
  (void)warm;
  return instance;
}

gatesim::testing::PlainDlibPipeline& plain() {
  static gatesim::testing::PlainDlibPipeline instance(ModelStore::from_environment().folder());
  static bool loaded = (instance.set_frame(frame_640x480()), instance.detect(1), true);
  (void)loaded;
  return instance;
}

void BM_Plain_Detect(benchmark::State& state) {
  auto& theirs = plain();
  for (auto _ : state) benchmark::DoNotOptimize(theirs.detect(1));
}
void BM_Plain_Landmarks(benchmark::State& state) {
  auto& theirs = plain();
  const auto box = theirs.detect(1).at(0);
  for (auto _ : state) benchmark::DoNotOptimize(theirs.landmarks(box));
}
void BM_Plain_Descriptor(benchmark::State& state) {
  auto& theirs = plain();
  const auto box = theirs.detect(1).at(0);
  for (auto _ : state) benchmark::DoNotOptimize(theirs.describe(box));
}
void BM_Plain_VerifyFrame(benchmark::State& state) {
  auto& theirs = plain();
  for (auto _ : state) {
    theirs.set_frame(frame_640x480());
    const auto boxes = theirs.detect(1);
    benchmark::DoNotOptimize(theirs.describe(boxes.at(0)));
  }
}

void BM_Ours_Detect(benchmark::State& state) {
  auto& ours = analyzer();
  for (auto _ : state) benchmark::DoNotOptimize(ours.detect_boxes(frame_640x480()));
}
void BM_Ours_Landmarks(benchmark::State& state) {
  auto& ours = analyzer();
  const auto box = ours.detect_boxes(frame_640x480()).at(0).box;
  for (auto _ : state) benchmark::DoNotOptimize(ours.landmarks(frame_640x480(), box));
}
void BM_Ours_Quality(benchmark::State& state) {
  auto& ours = analyzer();
  const auto faces = ours.detect(frame_640x480());
  for (auto _ : state) benchmark::DoNotOptimize(assess_frame(frame_640x480(), faces));
}
void BM_Ours_Descriptor(benchmark::State& state) {
  auto& ours = analyzer();
  const auto faces = ours.detect(frame_640x480());
  for (auto _ : state) benchmark::DoNotOptimize(ours.describe(frame_640x480(), faces.at(0)));
}
void BM_Ours_DetectAndQuality(benchmark::State& state) {
  auto& ours = analyzer();
  for (auto _ : state) {
    const auto faces = ours.detect(frame_640x480());
    benchmark::DoNotOptimize(assess_frame(frame_640x480(), faces));
  }
  state.counters["frames/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
void BM_Ours_VerifyFrame(benchmark::State& state) {
  auto& ours = analyzer();
  for (auto _ : state) {
    const auto faces = ours.detect(frame_640x480());
    benchmark::DoNotOptimize(ours.describe(frame_640x480(), faces.at(0)));
  }
}
void BM_LoadModels(benchmark::State& state) {
  for (auto _ : state) FaceAnalyzer fresh(ModelStore::from_environment(), kGateOptions);
}

}  // namespace

BENCHMARK(BM_Plain_Detect)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Plain_Landmarks)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Plain_Descriptor)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Plain_VerifyFrame)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Ours_Detect)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Ours_Landmarks)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Ours_Quality)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Ours_Descriptor)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Ours_DetectAndQuality)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Ours_VerifyFrame)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LoadModels)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_MAIN();
