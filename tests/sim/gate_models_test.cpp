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
// at Shenzhen Bay and the mean wait 599 s against 148 s. The passback variant: with the sampled
// model not asking the ledger at the identification (document-free channel), gate.passback is
// 3.40% against 5.14% and attempts passing again 55.6% against 40.8% (10 and 11 standard
// errors); with the controller model's lanes not given the hall's clearance before a document
// read (each lane its own ledger only), gate.passback is 1.91% against 5.15% and the mean wait
// 192 s against 285 s.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <set>
#include <string>

#include "sim/port_model.hpp"
#include "sim/scenario.hpp"
#include "tests/support/shipped_scenarios.hpp"
#include "tests/support/two_proportions.hpp"

namespace gatesim::sim {
namespace {

constexpr int kReplications = 12;
constexpr int kStartHour = 7, kHours = 4;
constexpr double kZ = 3.89;

struct Pooled {
  std::uint64_t travellers = 0;
  std::map<std::string, std::uint64_t> referrals;
  std::uint64_t passback_attempts = 0, passback_passed = 0;  // all channels
  std::vector<double> mean_waits;  // one per replication
};

// A run of both models: the scenario, its overrides (--set style), the window and replications.
struct Runs {
  std::string scenario;
  std::vector<std::string> overrides;
  double start_hour = kStartHour, hours = kHours;
  int replications = kReplications;
};

Pooled run_replications(const Runs& runs, const std::string& model) {
  std::vector<std::string> overrides = {"start_hour=" + std::to_string(runs.start_hour),
                                        "duration_hours=" + std::to_string(runs.hours), "gate.model=" + model};
  overrides.insert(overrides.end(), runs.overrides.begin(), runs.overrides.end());
  const Scenario s = load_scenario(testing::shipped_scenario(runs.scenario), overrides);
  Pooled pooled;
  for (int r = 0; r < runs.replications; ++r) {
    RunOptions options;
    options.seed = 1000 + static_cast<std::uint64_t>(r);
    const SimResult result = run_simulation(s, options);
    pooled.travellers += result.travellers;
    for (const auto& [reason, count] : result.referrals) pooled.referrals[reason] += count;
    for (const PassbackCounts& c : result.passback) {
      pooled.passback_attempts += c.attempted;
      pooled.passback_passed += c.passed;
    }
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

std::uint64_t count(const Pooled& p, const std::string& reason) {
  const auto it = p.referrals.find(reason);
  return it == p.referrals.end() ? 0 : it->second;
}

// Each referral reason's share and the mean wait, controller against sampled; returns both.
std::pair<Pooled, Pooled> expect_models_agree(const std::string& label, const Runs& runs) {
  const Pooled controller = run_replications(runs, "controller");
  const Pooled sampled = run_replications(runs, "sampled");
  EXPECT_GT(controller.travellers, 1000u) << label;
  EXPECT_GT(sampled.travellers, 1000u) << label;

  std::set<std::string> reasons;
  for (const auto& [reason, n] : controller.referrals) reasons.insert(reason);
  for (const auto& [reason, n] : sampled.referrals) reasons.insert(reason);
  const std::uint64_t n1 = controller.travellers, n2 = sampled.travellers;
  for (const auto& reason : reasons) {
    // At least one traveller's worth of error, so a reason seen once in one model and never in
    // the other is not a difference.
    const auto agree = testing::proportions_agree(count(controller, reason), n1, count(sampled, reason), n2, kZ,
                                                  1 / static_cast<double>(n1 + n2));
    std::cout << label << " " << reason << ": controller against sampled: " << agree.message() << "\n";
    EXPECT_TRUE(agree) << label << ": " << reason << ": controller against sampled";
  }

  // Anti-passback: the share of attempts a gate let through again (refused ones count above,
  // as gate.passback referrals among all travellers).
  if (controller.passback_attempts + sampled.passback_attempts > 0) {
    const auto agree = testing::proportions_agree(controller.passback_passed, std::max<std::uint64_t>(controller.passback_attempts, 1),
                                                  sampled.passback_passed, std::max<std::uint64_t>(sampled.passback_attempts, 1),
                                                  kZ, 1 / static_cast<double>(n1 + n2));
    std::cout << label << " passback attempts passed: controller against sampled: " << agree.message() << "\n";
    EXPECT_TRUE(agree) << label << ": passback attempts passed: controller against sampled";
  }

  const double m1 = mean(controller.mean_waits), m2 = mean(sampled.mean_waits);
  const double se = std::sqrt((variance(controller.mean_waits) + variance(sampled.mean_waits)) / runs.replications);
  std::cout << label << " mean wait: controller " << m1 << " s, sampled " << m2 << " s, se " << se << " s\n";
  EXPECT_LE(std::abs(m1 - m2), kZ * se) << label << ": mean wait: controller " << m1 << " s, sampled " << m2
                                        << " s (standard error of the difference " << se << " s)";
  return {controller, sampled};
}

class GateModels : public ::testing::TestWithParam<const char*> {};

TEST_P(GateModels, ReferEachReasonAlikeAndGiveTheSameMeanWait) {
  expect_models_agree(GetParam(), Runs{GetParam(), {}});
}

INSTANTIATE_TEST_SUITE_P(ShippedScenarios, GateModels, ::testing::ValuesIn(testing::kShippedScenarios),
                         testing::ScenarioTestName());

// Rules the shipped scenarios barely or never reach, each turned up on one of them so that a
// rule one model dropped shows: every targeted reason must be given at least kTargeted times
// by each model (and all reasons and the mean wait agree as above). Shorter runs than the
// shipped scenarios' (the test's time), enough for the counts.
constexpr std::uint64_t kTargeted = 100;

struct Variant {
  const char* name;
  Runs runs;
  std::vector<std::string> targeted;
};

const Variant kVariants[] = {
    // The runner-up must be 0.4 further than the nearest (genuine 0.38, impostors 0.83, sd 0.07
    // each: about 1 document-free attempt in 3 is ambiguous), and the nearest within 0.44 (1 in
    // 5 genuine attempts is not found); two attempts each.
    {"identification_margin",
     {"shenzhen-bay-peak", {"gate.identification_margin=0.4", "biometrics.identification_threshold=0.44"}, 8, 1, 6},
     {"identification.ambiguous", "identification.not_found"}},
    // A fingerprint step after the face: 2 captures in 5 fail to match (three tries), and
    // a capture outlasting 3.5 s (the median 2.5 s, log-normal sigma 0.3, slower for the
    // elderly) ends the step.
    {"fingerprint",
     {"luohu-weekday",
      {"steps.fingerprint=true", "biometrics.fingerprint_fnmr=0.4", "gate.fingerprint_timeout_s=3.5"}, 8, 1, 6},
     {"fingerprint.no_match", "fingerprint.timeout"}},
    // Adults of limited capacity (3 in 10) in family parties (half the parties), each passing
    // with their guardian in one transaction, and a 3 s document timeout (median read 2.5 s):
    // the guardian's own steps then refer often (the guardian's document.timeout, a face not
    // found) and a guardian not on record gives M3.guardian. A model that skipped the
    // guardian's steps gives about a sixth fewer document.timeout referrals (6 standard errors).
    {"guardians",
     {"luohu-weekday", {"population.limited_capacity=0.3", "population.family_parties=0.5", "gate.document_timeout_s=3"},
      8, 1, 6},
     {"M3.guardian", "document.timeout"}},
    // Each gate faults every 3 minutes: the transaction under way is referred naming the device.
    {"faults", {"luohu-weekday", {"faults.mtbf_hours=0.05"}, 8, 1, 6}, {"device.camera"}},
    // A quarter of those cleared at a gate come back 10 minutes later (log-normal, sigma 0.5),
    // against the lane's 10-minute window: about half are refused gate.passback, the rest pass
    // again; at Shenzhen Bay both channels (the document-free one by identification).
    {"passback",
     {"shenzhen-bay-peak", {"population.passback=0.25", "population.passback_delay={median: 600, sigma: 0.5}"}, 8, 1, 6},
     {"gate.passback"}},
    // One gate passage in 20 is followed through the open passage (population.tailgating): in
    // the controller model the exit sensor counts one more than were cleared and the controller
    // raises the incident, in the sampled model the same draw is taken to the hall directly; each
    // tailgater is then passage.tailgating at a counter. The share among the travellers agrees
    // only if both models draw it for the same passages (a guardian's included).
    {"tailgating", {"shenzhen-bay-peak", {"population.tailgating=0.05"}, 8, 1, 6}, {"passage.tailgating"}},
};

// gtest prints a parameter's bytes unless told how.
void PrintTo(const Variant& v, std::ostream* os) { *os << v.name; }

class GateModelRules : public ::testing::TestWithParam<Variant> {};

TEST_P(GateModelRules, BothModelsApplyTheRuleAlike) {
  const Variant& v = GetParam();
  const auto [controller, sampled] = expect_models_agree(v.name, v.runs);
  for (const std::string& reason : v.targeted) {
    EXPECT_GE(count(controller, reason), kTargeted) << v.name << ": " << reason << " in the controller model";
    EXPECT_GE(count(sampled, reason), kTargeted) << v.name << ": " << reason << " in the sampled model";
  }
}

INSTANTIATE_TEST_SUITE_P(Rules, GateModelRules, ::testing::ValuesIn(kVariants),
                         [](const auto& variant) { return std::string(variant.param.name); });

}  // namespace
}  // namespace gatesim::sim
