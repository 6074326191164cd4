// The simulated exit sensor: scripted passages in order on a virtual clock, faults, bad URIs.
#include "devices/passage_sensor.hpp"

#include <gtest/gtest.h>

#include "models/input_error.hpp"

namespace gatesim::devices {
namespace {

using namespace std::chrono_literals;

TEST(PassageSensor, PlaysScriptedPassagesInOrderThenEnds) {
  VirtualClock clock;
  auto sensor = open_passage_sensor("sim:1@2000,2,0@500,timeout,disconnect", clock);
  EXPECT_EQ(sensor->await_clear(), 1);
  EXPECT_EQ(clock.now(), 2s);
  EXPECT_EQ(sensor->await_clear(), 2);
  EXPECT_EQ(sensor->await_clear(), 0);
  EXPECT_EQ(clock.now(), 2500ms);
  for (FaultKind kind : {FaultKind::timeout, FaultKind::disconnected, FaultKind::end_of_stream}) {
    try {
      sensor->await_clear();
      FAIL() << "no fault";
    } catch (const DeviceFault& fault) {
      EXPECT_EQ(fault.kind(), kind) << fault.what();
    }
  }
}

TEST(PassageSensor, BadUrisNameThePassageOrTheKind) {
  for (const auto& [uri, message] : std::vector<std::pair<std::string, std::string>>{
           {"sim:1,x", "--passage sim:1,x: passage 'x': expected a number of people 0-9"},
           {"sim:12", "passage '12'"},
           {"sim:1@", "passage '1@'"},
           {"sim:1#seed=3", "takes no options"},
           {"lidar:0", "unknown kind 'lidar'"},
       }) {
    try {
      open_passage_sensor(uri);
      ADD_FAILURE() << uri << " opened";
    } catch (const models::InputError& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace gatesim::devices
