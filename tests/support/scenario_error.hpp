#pragma once
// scenario_error: what the scenario reader says of a bad scenario text ("" when it takes it),
// for the tests of its error messages. The text is read as the file "port.yaml"; `check`
// runs on what was read, for errors found after parsing (e.g. building the PAD model).
#include <functional>
#include <string>
#include <vector>

#include "models/input_error.hpp"
#include "sim/scenario.hpp"

namespace gatesim::testing {

inline std::string scenario_error(const std::string& yaml, const std::vector<std::string>& overrides = {},
                                  const std::function<void(const sim::Scenario&)>& check = {}) {
  try {
    const sim::Scenario scenario = sim::parse_scenario(yaml, "port.yaml", overrides);
    if (check) check(scenario);
  } catch (const models::InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace gatesim::testing
