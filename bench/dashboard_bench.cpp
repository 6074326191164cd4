// What watching a lane costs the lane's own threads: the calls a lane makes into the dashboard
// with `--http` (apps/gatesim/lane_dashboard.hpp) while no browser is attached — nobody asks for
// the state or a frame, so all of it is the lane's cost of being watchable.
//   BM_DashboardVideoSecond/frames:F  one second of 15 frames/s video: 15 LaneDashboard::frame()
//                                      calls, 1/15 s apart in wall time (the JPEG of
//                                      --http-frames is rate-limited in wall time); F: with
//                                      --http-frames. CPU per video second.
//   BM_DashboardFrame                  one frame() call (without --http-frames), back to back.
//   BM_DashboardOutcome                one outcome() call: a referred transaction with six step
//                                      timings, two reasons and a device fault.
// The frame is the lane bench's 640x480 gate-camera frame with one face box, quality and score.
// Run: build/<preset>/bench/bench_dashboard_bench
#include <benchmark/benchmark.h>

#include <chrono>
#include <thread>

#include "apps/gatesim/lane_dashboard.hpp"
#include "biometrics/image_io.hpp"
#include "web/metrics.hpp"

namespace {

using namespace gatesim;
using namespace std::chrono_literals;

gate::FrameView frame_view() {
  const cv::Mat full = biometrics::load_image(std::string(GATESIM_TEST_DATA) + "/faces/examples/obama-480p.jpg");
  gate::FrameView view;
  view.frame = full(cv::Rect(full.cols - 640, 0, 640, 480)).clone();
  view.faces.push_back({{220, 110, 420, 310}, 1.2, {}});
  view.quality = biometrics::FaceQuality{200, 80, 120, 110, 3, true, {}};
  view.distance = 0.41;
  return view;
}

gate::TransactionOutcome referred_outcome() {
  gate::TransactionOutcome o;
  o.channel = gate::Channel::document;
  o.decision = gate::Decision::referred;
  o.started_at = 1s;
  o.decided_at = 8s;
  o.holder_id = "obama";
  o.reasons = {gate::Reason::fault(gate::Device::camera, "camera: disconnected: unplugged"),
               {gate::ReasonCode::face_timeout, "no matching face within 5 s"}};
  o.people.resize(1);
  o.people[0].distance = 0.62;
  o.device_faults = {{gate::Device::camera, devices::FaultKind::disconnected, "camera: disconnected: unplugged", 6s}};
  using gate::Role, gate::Step;
  o.timings = {{Step::read_document, Role::traveller, 1200ms}, {Step::check_policy, Role::traveller, 3ms},
               {Step::face, Role::traveller, 2100ms},          {Step::fingerprint, Role::traveller, 900ms},
               {Step::face, Role::guardian, 1s},               {Step::audit, Role::traveller, 4ms}};
  return o;
}

void BM_DashboardVideoSecond(benchmark::State& state) {
  web::MetricsRegistry metrics;
  app::LaneDashboard dashboard(metrics, "shenzhen-bay", state.range(0) != 0);
  const auto lane = dashboard.add_lane("1", gate::Channel::document);
  const auto view = frame_view();
  for (auto _ : state) {
    for (int f = 0; f < 15; ++f) {
      dashboard.frame(lane, view);
      state.PauseTiming();
      std::this_thread::sleep_for(std::chrono::microseconds(1'000'000 / 15));
      state.ResumeTiming();
    }
  }
  state.counters["frames"] = benchmark::Counter(15.0 * static_cast<double>(state.iterations()));
}
BENCHMARK(BM_DashboardVideoSecond)->ArgName("frames")->Arg(0)->Arg(1)->Iterations(6)->Unit(benchmark::kMicrosecond);

void BM_DashboardFrame(benchmark::State& state) {
  web::MetricsRegistry metrics;
  app::LaneDashboard dashboard(metrics, "shenzhen-bay", false);
  const auto lane = dashboard.add_lane("1", gate::Channel::document);
  const auto view = frame_view();
  for (auto _ : state) dashboard.frame(lane, view);
}
BENCHMARK(BM_DashboardFrame)->Unit(benchmark::kMicrosecond);

void BM_DashboardOutcome(benchmark::State& state) {
  web::MetricsRegistry metrics;
  app::LaneDashboard dashboard(metrics, "shenzhen-bay", false);
  const auto lane = dashboard.add_lane("1", gate::Channel::document);
  auto o = referred_outcome();
  for (auto _ : state) {
    ++o.transaction;
    dashboard.outcome(lane, o);
  }
}
BENCHMARK(BM_DashboardOutcome)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
