// VirtualLaneClock's work accounting on its own (the driver's use of it: lane_driver_test.cpp).
#include "gate/lane_clock.hpp"

#include <future>
#include <thread>

#include <gtest/gtest.h>

namespace gatesim::gate {
namespace {

using namespace std::chrono_literals;

// A device call asleep on the clock: busy, sleep_until(`until`), then it runs on until
// `finish` is set, and is idle.
struct Sleeper {
  Sleeper(VirtualLaneClock& clock, devices::Duration until) {
    clock.busy();
    thread = std::thread([&clock, until, this] {
      clock.sleep_until(until);
      awake.set_value();
      finish.get_future().wait();
      clock.idle();
    });
  }
  ~Sleeper() {
    if (thread.joinable()) thread.join();
  }
  std::promise<void> awake, finish;
  std::thread thread;
};

// The test waits for events with a generous deadline; it never asserts how long anything took.
constexpr auto kDeadline = 2min;

TEST(VirtualLaneClock, ASleeperWokenByAdvanceWorksUntilItIsIdle) {
  VirtualLaneClock clock;
  std::promise<void> quiet;
  clock.on_quiet([&quiet, once = false]() mutable {
    if (!std::exchange(once, true)) quiet.set_value();
  });
  Sleeper sleeper(clock, 5s);
  ASSERT_EQ(quiet.get_future().wait_for(kDeadline), std::future_status::ready);  // asleep: not working
  EXPECT_TRUE(clock.quiet());
  EXPECT_EQ(clock.advance(std::nullopt), devices::Duration(5s));
  auto awake = sleeper.awake.get_future();
  ASSERT_EQ(awake.wait_for(kDeadline), std::future_status::ready);
  EXPECT_FALSE(clock.quiet());  // woken: working again
  sleeper.finish.set_value();
  sleeper.thread.join();
  EXPECT_TRUE(clock.quiet());
  clock.on_quiet({});
}

// The lane is over (the hook removed) while an abandoned call sleeps: the call is woken, time
// jumps to its wake-up, and it counts as working until it is idle, as after advance().
TEST(VirtualLaneClock, ASleeperWokenAtTheEndOfTheLaneWorksUntilItIsIdle) {
  VirtualLaneClock clock;
  std::promise<void> quiet;
  clock.on_quiet([&quiet, once = false]() mutable {
    if (!std::exchange(once, true)) quiet.set_value();
  });
  Sleeper sleeper(clock, 7s);
  ASSERT_EQ(quiet.get_future().wait_for(kDeadline), std::future_status::ready);
  clock.on_quiet({});
  auto awake = sleeper.awake.get_future();
  ASSERT_EQ(awake.wait_for(kDeadline), std::future_status::ready);
  EXPECT_EQ(clock.now(), devices::Duration(7s));
  EXPECT_FALSE(clock.quiet());
  sleeper.finish.set_value();
  sleeper.thread.join();
  EXPECT_TRUE(clock.quiet());
}

}  // namespace
}  // namespace gatesim::gate
