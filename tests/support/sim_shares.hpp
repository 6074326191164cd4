#pragma once
// What the simulator tests check of a run's counts: a referral reason's count, and an observed
// share against the share the scenario asked for.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "sim/port_model.hpp"

namespace gatesim::testing {

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
