// The two gate models against each other: `gate.model: sampled` draws a transaction under the
// controller's rules without running the controller, so over many replications of the shipped
// scenarios it must refer the same shares of travellers for each reason and give the same mean
// waits as `gate.model: controller`, within sampling error.
//
// Each scenario runs from 7:00 to 11:00 (the morning rise and peak: queues build at the
// counters) for kReplications seeds per model (the same seeds for both; fixed, so the test is
// deterministic). Per reason: a two-proportion z test on the travellers referred with it, pooled
// over the replications, at z = 3.89 (two-sided 99.99% per comparison: about 50 comparisons in
// all, so a family-wise false-alarm rate under 1% if the models agree). Mean waits: the
// replications' mean waits as independent samples, the difference of the two models' means
// against z = 3.89 standard errors. The figures are printed, so a failure shows the whole table.
//
// Checked that it fails when a rule differs (by editing the sampled model and rerunning): with
// the document timeout ignored, document.timeout is 1.2% against 0% at Luohu and every
// scenario's test fails (and the mean waits at Luohu, Shenzhen Bay, Gongbei and Hongqiao); with
// a matched face not kept for the liveness check's frames, face.liveness is 8.0% against 0.03%
// at Shenzhen Bay and the mean wait 599 s against 148 s.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <map>
#include <set>
#include <string>

#include "sim/port_model.hpp"
#include "sim/scenario.hpp"

namespace gatesim::sim {
namespace {

constexpr int kReplications = 12;
constexpr int kStartHour = 7, kHours = 4;
constexpr double kZ = 3.89;

std::string scenario_path(const std::string& name) {
  return std::string(GATESIM_TEST_DATA) + "/../../scenarios/" + name + ".yaml";
}

struct Pooled {
  std::uint64_t travellers = 0;
  std::map<std::string, std::uint64_t> referrals;
  std::vector<double> mean_waits;  // one per replication
};

Pooled run_replications(const std::string& name, const std::string& model) {
  const Scenario s = load_scenario(scenario_path(name), {"start_hour=" + std::to_string(kStartHour),
                                                         "duration_hours=" + std::to_string(kHours), "gate.model=" + model});
  Pooled pooled;
  for (int r = 0; r < kReplications; ++r) {
    RunOptions options;
    options.seed = 1000 + static_cast<std::uint64_t>(r);
    const SimResult result = run_simulation(s, options);
    pooled.travellers += result.travellers;
    for (const auto& [reason, count] : result.referrals) pooled.referrals[reason] += count;
    pooled.mean_waits.push_back(result.total_wait.mean());
  }
  return pooled;
}

double mean(const std::vector<double>& xs) {
  double sum = 0;
  for (double x : xs) sum += x;
  return sum / static_cast<double>(xs.size());
}

double variance(const std::vector<double>& xs) {
  const double m = mean(xs);
  double sum = 0;
  for (double x : xs) sum += (x - m) * (x - m);
  return sum / static_cast<double>(xs.size() - 1);
}

class GateModels : public ::testing::TestWithParam<std::string> {};

TEST_P(GateModels, ReferEachReasonAlikeAndGiveTheSameMeanWait) {
  const Pooled controller = run_replications(GetParam(), "controller");
  const Pooled sampled = run_replications(GetParam(), "sampled");
  ASSERT_GT(controller.travellers, 1000u);
  ASSERT_GT(sampled.travellers, 1000u);

  std::set<std::string> reasons;
  for (const auto& [reason, count] : controller.referrals) reasons.insert(reason);
  for (const auto& [reason, count] : sampled.referrals) reasons.insert(reason);
  const double n1 = static_cast<double>(controller.travellers), n2 = static_cast<double>(sampled.travellers);
  for (const auto& reason : reasons) {
    const auto count = [&](const Pooled& p) {
      const auto it = p.referrals.find(reason);
      return it == p.referrals.end() ? 0.0 : static_cast<double>(it->second);
    };
    const double x1 = count(controller), x2 = count(sampled);
    const double p1 = x1 / n1, p2 = x2 / n2, pooled = (x1 + x2) / (n1 + n2);
    // At least one traveller's worth of error, so a reason seen once in one model and never in
    // the other is not a difference.
    const double se = std::sqrt(std::max(pooled * (1 - pooled), 1 / (n1 + n2)) * (1 / n1 + 1 / n2));
    std::cout << GetParam() << " " << reason << ": controller " << 100 * p1 << "%, sampled " << 100 * p2 << "%\n";
    EXPECT_LE(std::abs(p1 - p2), kZ * se)
        << GetParam() << ": " << reason << ": controller " << x1 << " of " << n1 << " (" << 100 * p1 << "%), sampled "
        << x2 << " of " << n2 << " (" << 100 * p2 << "%)";
  }

  const double m1 = mean(controller.mean_waits), m2 = mean(sampled.mean_waits);
  const double se = std::sqrt((variance(controller.mean_waits) + variance(sampled.mean_waits)) / kReplications);
  std::cout << GetParam() << " mean wait: controller " << m1 << " s, sampled " << m2 << " s, se " << se << " s\n";
  EXPECT_LE(std::abs(m1 - m2), kZ * se) << GetParam() << ": mean wait: controller " << m1 << " s, sampled " << m2
                                        << " s (standard error of the difference " << se << " s)";
}

INSTANTIATE_TEST_SUITE_P(ShippedScenarios, GateModels,
                         ::testing::Values("luohu-weekday", "shenzhen-bay-peak", "gongbei-record-day", "hzmb-holiday",
                                           "hongqiao-arrivals"),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           for (char& c : n) c = c == '-' ? '_' : c;
                           return n;
                         });

}  // namespace
}  // namespace gatesim::sim
