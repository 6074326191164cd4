// The scenario parser (sim/scenario.hpp) on arbitrary YAML text.
#include <string>

#include "sim/scenario.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  gatesim::fuzzing::expect_accept_or_input_error(
      [&] { gatesim::sim::parse_scenario(std::string(gatesim::fuzzing::as_text(data, size)), "fuzz.yaml"); });
  return 0;
}
