// The `gatesim check` case parser (gate/policy_case.hpp) on arbitrary bytes; accepted cases are
// also evaluated, since the parser promises the engine's requirements (known port, real dates,
// birth on or before the crossing).
#include "gate/policy_case.hpp"
#include "gate/policy_engine.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto policy = gatesim::gate::PolicyData::load(gatesim::gate::PolicyData::default_dir());
  gatesim::fuzzing::expect_accept_or_input_error([&] {
    for (const auto& c : gatesim::gate::parse_cases(gatesim::fuzzing::as_text(data, size), policy, "fuzz"))
      gatesim::gate::to_json(gatesim::gate::evaluate(policy, c.crossing)).dump();
  });
  return 0;
}
