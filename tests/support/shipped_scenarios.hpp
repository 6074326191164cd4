#pragma once
// The scenarios shipped in scenarios/, for the tests that run each of them: their names, their
// files, and a name generator for parameterised tests over them (gtest names allow no '-').

#include <array>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/run_command.hpp"

namespace gatesim::testing {

inline constexpr std::array<const char*, 5> kShippedScenarios = {"luohu-weekday", "shenzhen-bay-peak",
                                                                 "gongbei-record-day", "hzmb-holiday",
                                                                 "hongqiao-arrivals"};

// ensures: the path of scenarios/<name>.yaml.
inline std::string shipped_scenario(const std::string& name) {
  return test_data("../../scenarios/" + name + ".yaml").string();
}

// For INSTANTIATE_TEST_SUITE_P(..., ::testing::ValuesIn(kShippedScenarios), ScenarioTestName()):
// "luohu-weekday" -> luohu_weekday.
struct ScenarioTestName {
  template <class Param>
  std::string operator()(const ::testing::TestParamInfo<Param>& info) const {
    std::string name = std::string(info.param);
    for (char& c : name) c = c == '-' ? '_' : c;
    return name;
  }
};

}  // namespace gatesim::testing
