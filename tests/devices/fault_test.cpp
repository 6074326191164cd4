#include <gtest/gtest.h>

#include "devices/camera_backends.hpp"
#include "devices/fault_injection.hpp"
#include "devices/replay_camera.hpp"
#include "models/input_error.hpp"

namespace gatesim::devices {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<Camera> replay(Clock& clock, int frames) {
  std::vector<ScriptedFrame> script;
  for (int i = 0; i < frames; ++i) script.push_back({i * 10ms, cv::Mat(2, 2, CV_8UC3, cv::Scalar::all(i))});
  return std::make_unique<ReplayCamera>(std::move(script), clock);
}

// What each of `reads` reads did: "ok" or the fault's kind.
std::vector<std::string> outcomes(Camera& camera, int reads) {
  std::vector<std::string> seen;
  for (int i = 0; i < reads; ++i) {
    try {
      camera.read();
      seen.push_back("ok");
    } catch (const DeviceFault& fault) {
      seen.push_back(to_string(fault.kind()));
    }
  }
  return seen;
}

FaultPlan plan(const std::string& text, std::uint64_t seed) { return parse_fault_plan(text, seed, "test"); }

TEST(FaultInjector, TheSameSeedGivesTheSameFaultsAndAnotherSeedOthers) {
  auto history = [](std::uint64_t seed) {
    VirtualClock clock;
    FaultInjector injector(plan("stall:0.2;corrupt:0.2;slow:0.2", seed), clock, "cam");
    for (int i = 0; i < 200; ++i) {
      try {
        injector.before_call();
      } catch (const DeviceFault&) {
      }
    }
    return injector.history();
  };
  const auto a = history(7);
  EXPECT_EQ(a, history(7));
  EXPECT_NE(a, history(8));
  // Each kind shows up at roughly its probability (200 draws, p = 0.2: 40 expected).
  for (auto kind : {InjectedFault::stall, InjectedFault::corrupt, InjectedFault::slow}) {
    const auto n = std::count(a.begin(), a.end(), kind);
    EXPECT_GT(n, 15) << to_string(kind);
    EXPECT_LT(n, 70) << to_string(kind);
  }
}

// next(): the same choice and count as before_call(), with nothing acted out (no wait, no throw).
TEST(FaultInjector, NextChoosesAndCountsAsBeforeCallWithoutActing) {
  const FaultPlan p = plan("stall:0.2;corrupt:0.2;slow:0.2;corrupt@3", 7);
  VirtualClock acting_clock, quiet_clock;
  FaultInjector acting(p, acting_clock, "cam"), quiet(p, quiet_clock, "cam");
  std::vector<InjectedFault> chosen;
  for (int i = 0; i < 200; ++i) {
    try {
      acting.before_call();
    } catch (const DeviceFault&) {
    }
    chosen.push_back(quiet.next());
  }
  EXPECT_EQ(chosen, acting.history());
  EXPECT_EQ(quiet.history(), acting.history());
  EXPECT_EQ(chosen[3], InjectedFault::corrupt);
  EXPECT_EQ(quiet.calls(), 200u);
  EXPECT_EQ(quiet.count(InjectedFault::stall), acting.count(InjectedFault::stall));
  EXPECT_GT(quiet.count(InjectedFault::stall), 0u);
  EXPECT_EQ(quiet_clock.now(), Duration::zero());  // no stall or slow call waited
  EXPECT_GT(acting_clock.now(), Duration::zero());
}

TEST(FaultInjector, StallsAndSlowCallsWaitOnTheDevicesClock) {
  VirtualClock clock;
  FaultPlan p = plan("slow@0;stall@1", 1);
  p.slow_by = 300ms;
  p.stall_for = 5s;
  FaultyCamera camera(replay(clock, 5), p, clock);
  camera.open();
  EXPECT_NO_THROW(camera.read());
  EXPECT_EQ(clock.now(), 300ms);
  EXPECT_EQ(outcomes(camera, 1), std::vector<std::string>{"timeout"});
  EXPECT_EQ(clock.now(), 5300ms);
}

TEST(FaultyCamera, UnplugIsReportedThenTheReconnectingCameraRecovers) {
  VirtualClock clock;
  auto faulty = std::make_unique<FaultyCamera>(replay(clock, 6), plan("disconnect@2", 3), clock);
  const FaultyCamera& injected = *faulty;
  ReconnectingCamera camera(std::move(faulty), 3, 500ms, clock);
  camera.open();
  EXPECT_EQ(outcomes(camera, 4), (std::vector<std::string>{"ok", "ok", "disconnected", "ok"}));
  EXPECT_EQ(camera.reconnects(), 1);
  EXPECT_EQ(injected.injector().history()[2], InjectedFault::disconnect);
}

// A camera that stays unplugged for a number of opens.
class UnpluggedCamera final : public Camera {
 public:
  explicit UnpluggedCamera(int failing_opens) : failing_opens_(failing_opens) {}
  void open() override {
    ++opens;
    if (opens > 1 && opens <= 1 + failing_opens_) throw DeviceFault(FaultKind::disconnected, "usb:9", "no device");
    open_ = true;
  }
  Frame read() override {
    if (!plugged_once_) {
      plugged_once_ = true;
      open_ = false;
      throw DeviceFault(FaultKind::disconnected, "usb:9", "unplugged");
    }
    return {cv::Mat(2, 2, CV_8UC3), {}, 0};
  }
  void close() override { open_ = false; }
  bool is_open() const override { return open_; }
  std::string name() const override { return "usb:9"; }
  int opens = 0;

 private:
  int failing_opens_;
  bool open_ = false;
  bool plugged_once_ = false;
};

TEST(ReconnectingCamera, RetriesWithBackoffAndGivesUpAfterTheBound) {
  VirtualClock clock;
  auto replugged = std::make_unique<UnpluggedCamera>(2);
  ReconnectingCamera camera(std::move(replugged), 3, 500ms, clock);
  camera.open();
  EXPECT_EQ(outcomes(camera, 2), (std::vector<std::string>{"disconnected", "ok"}));
  EXPECT_EQ(clock.now(), 1500ms);  // waited 500 ms then 1000 ms between the three opens

  VirtualClock other;
  ReconnectingCamera hopeless(std::make_unique<UnpluggedCamera>(100), 3, 500ms, other);
  hopeless.open();
  EXPECT_EQ(outcomes(hopeless, 2), (std::vector<std::string>{"disconnected", "disconnected"}));
}

TEST(FaultPlan, RejectsBadPlans) {
  EXPECT_THROW(plan("disconnect", 0), models::InputError);
  EXPECT_THROW(plan("stall:1.5", 0), models::InputError);
  EXPECT_THROW(plan("stall:0.7;slow:0.7", 0), models::InputError);
  EXPECT_THROW(plan("corrupt@x", 0), models::InputError);
  EXPECT_THROW(plan("fire:0.1", 0), models::InputError);
  const FaultPlan ok = plan("disconnect:0.1;corrupt@4", 9);
  EXPECT_EQ(ok.probability.at(InjectedFault::disconnect), 0.1);
  EXPECT_EQ(ok.scheduled.at(4), InjectedFault::corrupt);
}

TEST(OpenCamera, FaultOptionsWrapTheCameraDeterministically) {
  auto run = [](const std::string& seed) {
    VirtualClock clock;
    auto camera = open_camera("file:" + std::string(GATESIM_TEST_DATA) +
                                  "/faces/examples/short_hamilton_clip.mp4#faults=corrupt:0.3;stall:0.2,seed=" + seed,
                              clock);
    return outcomes(*camera, 20);
  };
  const auto a = run("11");
  EXPECT_EQ(a, run("11"));
  EXPECT_NE(a, run("12"));
  EXPECT_NE(std::find(a.begin(), a.end(), "corrupt"), a.end());
  EXPECT_NE(std::find(a.begin(), a.end(), "ok"), a.end());
}

}  // namespace
}  // namespace gatesim::devices
