// Liveness cost per frame and the face step's cost with and without it, on the shipped clip's
// frames (one core: OpenCV's own threads are off, as on a lane's service thread under load).
// Run: build/<preset>/bench/bench_liveness_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <opencv2/core/utility.hpp>
#include <opencv2/videoio.hpp>

#include "biometrics/face_analyzer.hpp"
#include "biometrics/face_follower.hpp"
#include "biometrics/face_quality.hpp"
#include "biometrics/liveness.hpp"

namespace {

using namespace gatesim::biometrics;

struct Frame {
  cv::Mat bgr;
  DetectedFace face;
};

FaceAnalyzer& analyzer() {
  static FaceAnalyzer instance(ModelStore::from_environment(), kGateCameraDetector);
  return instance;
}

const LivenessDetector& detector() {
  static const LivenessDetector instance(PadModelStore::from_environment());
  return instance;
}

// The shipped clip's first 48 frames with a face, each with the face the gate settings find.
const std::vector<Frame>& frames() {
  static const std::vector<Frame> all = [] {
    cv::setNumThreads(1);
    cv::VideoCapture video(std::string(GATESIM_TEST_DATA) + "/faces/examples/short_hamilton_clip.mp4");
    std::vector<Frame> out;
    cv::Mat bgr;
    while (out.size() < 48 && video.read(bgr)) {
      const auto faces = analyzer().detect(bgr);
      if (!faces.empty()) out.push_back({bgr.clone(), faces.front()});
    }
    if (out.empty()) throw std::runtime_error("no face in the shipped clip");
    return out;
  }();
  return all;
}

// The passive cue as the detector runs it (its default networks), and with each choice of
// networks: Arg is a PassiveNetworks value (0 both, 1 V2 alone, 2 V1SE alone).
void BM_PassivePerFrame(benchmark::State& state) {
  const auto& f = frames();
  std::size_t i = 0;
  for (auto _ : state) {
    const Frame& frame = f[i++ % f.size()];
    benchmark::DoNotOptimize(detector().passive().score(frame.bgr, frame.face.box));
  }
}
void BM_PassivePerFrameNetworks(benchmark::State& state) {
  const auto& f = frames();
  const PassiveLiveness passive(PadModelStore::from_environment(), kDlibBoxScale,
                                static_cast<PassiveNetworks>(state.range(0)));
  state.SetLabel(std::string(to_string(passive.networks())));
  std::size_t i = 0;
  for (auto _ : state) {
    const Frame& frame = f[i++ % f.size()];
    benchmark::DoNotOptimize(passive.score(frame.bgr, frame.face.box));
  }
}

// A cue fed the clip's frames one after another, started afresh every `session` frames.
template <class Cue>
void per_frame(benchmark::State& state, std::size_t session) {
  const auto& f = frames();
  Cue cue;
  std::size_t i = 0;
  for (auto _ : state) {
    cue.add(f[i % f.size()].bgr, f[i % f.size()].face.box);
    if (++i % session == 0) cue = Cue();
  }
}
void BM_TemporalPerFrame(benchmark::State& state) { per_frame<TemporalLiveness>(state, frames().size()); }
// The display-grid cue (biometrics/moire_liveness.hpp): one DFT of the face's square; a new
// session every 24 frames, as a lane's sessions go.
void BM_MoirePerFrame(benchmark::State& state) { per_frame<MoireLiveness>(state, 24); }

// What the lane's face step does per frame (detect, landmarks, quality, descriptor), with and
// without a liveness session fed the same frame (mode both).
void face_step(benchmark::State& state, bool with_liveness) {
  const auto& f = frames();
  LivenessConfig config;
  config.max_frames = 1 << 30;  // a session measures every frame until its cues pass
  config.time_budget_s = 1e9;
  std::size_t i = 0;
  std::optional<LivenessSession> session;
  for (auto _ : state) {
    // A new session once the last has decided: a decided session measures nothing more.
    if (!session || session->evidence().decided()) session.emplace(detector(), config);
    const cv::Mat& bgr = f[i++ % f.size()].bgr;
    const auto faces = analyzer().detect(bgr);
    benchmark::DoNotOptimize(assess_frame(bgr, faces));
    benchmark::DoNotOptimize(analyzer().describe(bgr, faces.at(0)));
    if (with_liveness) benchmark::DoNotOptimize(session->add(bgr, faces.at(0), static_cast<double>(i) / 25));
  }
  state.counters["frames/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
void BM_FaceStepWithoutLiveness(benchmark::State& state) { face_step(state, false); }
void BM_FaceStepWithLiveness(benchmark::State& state) { face_step(state, true); }

// One whole face step as the lane runs it (the issue's "face step with liveness against the face
// step without it"), starting at successive places in the clip: each frame is detected and its
// largest face assessed; the first acceptable one is described (the match). Without liveness
// the step ends there; with liveness (the lane's defaults, by frames: at least 8) the frames go
// on through the session until it decides, as gate/lane_driver.cpp runs them once the face
// matched: followed from the previous box (biometrics/face_follower.hpp) instead of detected
// again, a full detection (and an identity check) only where following fails, no descriptor
// except on the frame that makes the verdict live (the identity check of the face judged live).
// `follow` false: every frame detected in full, as before following. `moire` false: the
// display-grid cue off (its cost is the difference).
void lane_face_step(benchmark::State& state, bool with_liveness, bool follow, bool moire = true) {
  const auto& f = frames();
  LivenessConfig config;
  config.time_budget_s = 1e9;
  if (!moire) config.moire_threshold = 0;
  std::size_t start = 0;
  double frames_used = 0, detections = 0, descriptors = 0;
  FaceFollower follower(analyzer());
  for (auto _ : state) {
    std::optional<LivenessSession> session;
    if (with_liveness) session.emplace(detector(), config);
    follower.forget();
    bool matched = false;
    for (std::size_t k = 0; k < 4 * f.size(); ++k) {
      const cv::Mat& bgr = f[(start + k) % f.size()].bgr;
      ++frames_used;
      std::optional<DetectedFace> face;
      const bool followed = follow && matched && follower.following() && (face = follower.follow(bgr));
      if (!followed) {
        ++detections;
        const auto faces = analyzer().detect(bgr);
        if (faces.empty()) continue;
        face = faces.front();
        follower.start(*face);
        if (follow && matched) {  // following was lost: is it still the matched face?
          ++descriptors;
          benchmark::DoNotOptimize(analyzer().describe(bgr, *face));
        }
      }
      const bool decided = !session || session->add(bgr, *face, static_cast<double>(k) / 15).decided();
      if (!matched && assess_face(bgr, *face).acceptable) {
        ++descriptors;
        benchmark::DoNotOptimize(analyzer().describe(bgr, *face));
        matched = true;
      } else if (followed && session && session->evidence().live()) {  // the face judged live is the matched one
        ++descriptors;
        benchmark::DoNotOptimize(analyzer().describe(bgr, *face));
      }
      if (matched && decided) break;
    }
    start += 5;
  }
  const double steps = static_cast<double>(state.iterations());
  state.counters["frames/step"] = frames_used / steps;
  state.counters["detections/step"] = detections / steps;
  state.counters["descriptors/step"] = descriptors / steps;
}
void BM_LaneFaceStepWithoutLiveness(benchmark::State& state) { lane_face_step(state, false, false); }
void BM_LaneFaceStepWithLivenessDetectingEachFrame(benchmark::State& state) { lane_face_step(state, true, false); }
void BM_LaneFaceStepWithLiveness(benchmark::State& state) { lane_face_step(state, true, true); }
void BM_LaneFaceStepWithLivenessWithoutMoire(benchmark::State& state) { lane_face_step(state, true, true, false); }

// The parts of a frame's analysis, one by one: a full detection (boxes and landmarks), following
// the face from the previous frame's box, a descriptor.
void BM_DetectPerFrame(benchmark::State& state) {
  const auto& f = frames();
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(analyzer().detect(f[i++ % f.size()].bgr));
}
void BM_FollowPerFrame(benchmark::State& state) {
  const auto& f = frames();
  FaceFollower follower(analyzer());
  std::size_t i = 0, lost = 0;
  for (auto _ : state) {
    const Frame& frame = f[i++ % f.size()];
    if (i % f.size() == 1 || !follower.following()) {
      state.PauseTiming();
      follower.start(frame.face);
      state.ResumeTiming();
      continue;
    }
    if (!follower.follow(frame.bgr)) ++lost;
  }
  state.counters["lost"] = static_cast<double>(lost);
}
void BM_DescribePerFrame(benchmark::State& state) {
  const auto& f = frames();
  std::size_t i = 0;
  for (auto _ : state) {
    const Frame& frame = f[i++ % f.size()];
    benchmark::DoNotOptimize(analyzer().describe(frame.bgr, frame.face));
  }
}

void BM_LoadLivenessModels(benchmark::State& state) {
  for (auto _ : state) LivenessDetector fresh(PadModelStore::from_environment());
}

}  // namespace

BENCHMARK(BM_PassivePerFrame)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PassivePerFrameNetworks)->Unit(benchmark::kMillisecond)->Arg(0)->Arg(1)->Arg(2);
BENCHMARK(BM_TemporalPerFrame)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MoirePerFrame)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FaceStepWithoutLiveness)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FaceStepWithLiveness)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LaneFaceStepWithoutLiveness)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LaneFaceStepWithLivenessDetectingEachFrame)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LaneFaceStepWithLiveness)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LaneFaceStepWithLivenessWithoutMoire)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DetectPerFrame)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FollowPerFrame)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DescribePerFrame)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LoadLivenessModels)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_MAIN();
