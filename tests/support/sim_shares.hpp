#pragma once
// What the simulator tests share: a run of a scenario written in the test, a referral reason's
// count, and an observed share against the share the scenario asked for.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sim/port_model.hpp"
#include "sim/scenario.hpp"

namespace gatesim::testing {

// ensures: the run of the scenario `yaml` (with `overrides`, as --set gives them) at `seed`,
//          its travellers' records written to `travellers` when given.
inline sim::SimResult run_yaml(const std::string& yaml, std::uint64_t seed = 7, std::ostream* travellers = nullptr,
                               const std::vector<std::string>& overrides = {}) {
  sim::RunOptions options;
  options.seed = seed;
  options.travellers = travellers;
  return sim::run_simulation(sim::parse_scenario(yaml, "test.yaml", overrides), options);
}

// ensures: how many travellers of the run were referred for `reason` (0 when none was).
inline std::uint64_t referred(const sim::SimResult& r, const std::string& reason) {
  const auto it = r.referrals.find(reason);
  return it == r.referrals.end() ? 0 : it->second;
}

// |observed share - p| within four binomial standard errors (and a floor for tiny p).
inline void expect_share(std::uint64_t hits, std::uint64_t n, double p, const std::string& what) {
  ASSERT_GT(n, 0u) << what;
  const double share = static_cast<double>(hits) / static_cast<double>(n);
  const double se = std::sqrt(std::max(p * (1 - p), 1e-4) / static_cast<double>(n));
  EXPECT_NEAR(share, p, 4 * se) << what << ": " << hits << " of " << n;
}

}  // namespace gatesim::testing
