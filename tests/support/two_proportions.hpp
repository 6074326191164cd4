#pragma once
// Two binomial proportions against each other (the two gate models' rates): a two-proportion z
// test with the pooled standard error, for EXPECT_TRUE, whose failure message shows both counts.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <sstream>

#include <gtest/gtest.h>

namespace gatesim::testing {

// requires: n1 > 0, n2 > 0, x1 <= n1, x2 <= n2.
// ensures: success when |x1/n1 - x2/n2| <= z standard errors of the difference, the standard
//          error pooled, its variance p(1 - p) at least `min_variance` (so a rare event seen a
//          few times in one sample and never in the other is no difference).
inline ::testing::AssertionResult proportions_agree(std::uint64_t x1, std::uint64_t n1, std::uint64_t x2,
                                                    std::uint64_t n2, double z, double min_variance) {
  const double a = static_cast<double>(n1), b = static_cast<double>(n2);
  const double p1 = static_cast<double>(x1) / a, p2 = static_cast<double>(x2) / b;
  const double pooled = static_cast<double>(x1 + x2) / (a + b);
  const double se = std::sqrt(std::max(pooled * (1 - pooled), min_variance) * (1 / a + 1 / b));
  std::ostringstream what;
  what << x1 << " of " << n1 << " (" << 100 * p1 << "%) against " << x2 << " of " << n2 << " (" << 100 * p2
       << "%), " << std::abs(p1 - p2) / se << " standard errors apart (limit " << z << ")";
  if (std::abs(p1 - p2) <= z * se) return ::testing::AssertionSuccess() << what.str();
  return ::testing::AssertionFailure() << what.str();
}

}  // namespace gatesim::testing
