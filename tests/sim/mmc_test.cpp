// Validation: an M/M/c scenario (Poisson arrivals, exponential service, c identical gates, no
// referrals) must agree with the Erlang-C mean wait.
#include <gtest/gtest.h>

#include <cmath>

#include "sim/port_model.hpp"
#include "sim/scenario.hpp"

namespace gatesim::sim {
namespace {

// Erlang C: P(wait) for c servers at offered load a = lambda / mu; mean wait = C / (c mu - lambda).
double erlang_c_mean_wait(double lambda, double mu, int c) {
  const double a = lambda / mu, rho = a / c;
  double term = 1, sum = 1;  // a^k / k!
  for (int k = 1; k < c; ++k) sum += term *= a / k;
  const double last = term * a / c / (1 - rho);
  const double p_wait = last / (sum + last);
  return p_wait / (c * mu - lambda);
}

// The document step carries the whole exponential service; the gate's timeouts are set out of
// reach so no one is referred.
Scenario mmc(double lambda, double mean_service, int c, double hours, const std::string& model) {
  const std::string yaml = R"(
name: M/M/c validation
port: luohu
duration_hours: )" + std::to_string(hours) + R"(
warmup_hours: 1
arrivals: {travellers_per_day: )" + std::to_string(lambda * 86400) + R"(}
population: {mainland: 0, hk_macao: 1, taiwan: 0, foreign: 0, consent: 1, family_parties: 0, limited_capacity: 0, elderly: 0, impostor: 0, enrolled: 0, expired_document: 0}
channels: {document_gates: )" + std::to_string(c) + R"(, document_free_gates: 0, counters: 0}
steps: {document: {mean: )" + std::to_string(mean_service) + R"(}, frame: 0, exit: 0}
biometrics: {enabled: false}
gate: {model: )" + model + R"(, document_timeout_s: 3600, exit_timeout_s: 3600}
)";
  return parse_scenario(yaml, "mmc.yaml");
}

class MMc : public ::testing::TestWithParam<std::string> {};

TEST_P(MMc, MeanWaitAgreesWithErlangC) {
  const double lambda = 0.16, mean_service = 20;
  const int c = 4;  // utilisation 0.8
  const double analytic = erlang_c_mean_wait(lambda, 1 / mean_service, c);
  const Scenario s = mmc(lambda, mean_service, c, 12, GetParam());
  const int replications = 30;
  double sum = 0, sq = 0;
  std::uint64_t referred = 0;
  for (int r = 0; r < replications; ++r) {
    RunOptions options;
    options.seed = 1000 + static_cast<std::uint64_t>(r);
    const SimResult result = run_simulation(s, options);
    const double w = result.waits[kDocumentGates].mean();
    sum += w;
    sq += w * w;
    referred += result.cleared_at_counter + result.unserved + result.refused_entry;
    EXPECT_GT(result.travellers, 5000u);
  }
  const double mean = sum / replications;
  const double sd = std::sqrt((sq - replications * mean * mean) / (replications - 1));
  const double half_width = 2.045 * sd / std::sqrt(replications);  // t(0.975, 29)
  EXPECT_EQ(referred, 0u);
  EXPECT_NEAR(mean, analytic, half_width) << "analytic " << analytic << " s, simulated " << mean << " ± " << half_width;
  EXPECT_LT(half_width, 0.25 * analytic);  // the interval is narrow enough to mean something
}

INSTANTIATE_TEST_SUITE_P(GateModels, MMc, ::testing::Values("controller", "sampled"));

TEST(ErlangC, FormulaMatchesTextbookValues) {
  // M/M/1: Wq = rho / (mu - lambda).
  EXPECT_NEAR(erlang_c_mean_wait(0.5, 1, 1), 1.0, 1e-12);
  // M/M/2, lambda 1, mu 1: P(wait) = 1/3, Wq = 1/3.
  EXPECT_NEAR(erlang_c_mean_wait(1, 1, 2), 1.0 / 3, 1e-12);
}

}  // namespace
}  // namespace gatesim::sim
