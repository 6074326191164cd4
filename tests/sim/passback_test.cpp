// Anti-passback in the port simulator: travellers the gates cleared coming back under the same
// identity (PopulationSpec::passback) and the gates refusing them with gate.passback inside the
// window, from one rule (gate::PassbackLedger) held for the whole hall, in both gate models.
// Shares use fixed seeds and bounds of about four standard errors, so they fail only when the
// model is wrong.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "models/input_error.hpp"
#include "sim/port_model.hpp"
#include "sim/report.hpp"
#include "sim/scenario.hpp"
#include "tests/support/scenario_error.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/shipped_scenarios.hpp"
#include "tests/support/sim_shares.hpp"

namespace gatesim::sim {
namespace {

using testing::expect_share;
using testing::referred;
using testing::run_yaml;

// Adults only, everyone eligible: Hong Kong and Macao residents, half of them enrolled and taking
// the document-free channel; 20 gates of each channel, so an attempt mostly meets another gate
// than the one that cleared it. Fixed step times within every timeout, and (biometrics off)
// every frame good and every match right: each attempt reaches the point where the gate knows
// who it is (the document read, the identification).
std::string hall(const std::string& population, const std::string& gate, const std::string& model, double hours = 2) {
  return R"(
name: passback
port: shenzhen-bay
seed: 7
duration_hours: )" + std::to_string(hours) + R"(
arrivals: {travellers_per_day: 40000}
population: {mainland: 0, hk_macao: 1, taiwan: 0, foreign: 0, consent: 1, family_parties: 0, limited_capacity: 0,
             impostor: 0, expired_document: 0, enrolled: 0.5, document_free_choice: 1, )" + population + R"(}
channels: {document_gates: 20, document_free_gates: 20, counters: 12}
steps: {document: 2, frame: 0.5, exit: 2}
gate: {model: )" + model + (gate.empty() ? "" : ", " + gate) + R"(}
biometrics: {enabled: false}
)";
}

PassbackCounts total(const SimResult& r) {
  PassbackCounts t;
  for (const PassbackCounts& c : r.passback) {
    t.attempted += c.attempted;
    t.refused += c.refused;
    t.passed += c.passed;
  }
  return t;
}

const char* kModels[] = {"sampled", "controller"};
class PassbackBothModels : public ::testing::TestWithParam<const char*> {};

// Inside the window every attempt is refused, at whichever gate of the hall it meets (with 20
// gates a channel, a ledger per gate would refuse about 1 in 20); a holder of the other channel
// is not confused with them; after the window, or with the rule off, every attempt passes.
TEST_P(PassbackBothModels, InsideTheWindowEveryAttemptIsRefusedAfterItEveryOnePasses) {
  const std::string model = GetParam();
  const SimResult inside = run_yaml(hall("passback: 0.1, passback_delay: 60", "passback_s: 600", model));
  const PassbackCounts in = total(inside);
  ASSERT_GT(in.attempted, 200u) << model;
  EXPECT_EQ(in.refused, in.attempted) << model;
  EXPECT_EQ(in.passed, 0u) << model;
  EXPECT_EQ(referred(inside, "gate.passback"), in.attempted) << model;  // nobody else is referred for it
  EXPECT_GT(inside.passback[kDocumentGates].refused, 50u) << model;
  EXPECT_GT(inside.passback[kDocumentFreeGates].refused, 50u) << model;
  EXPECT_EQ(inside.passback[kCounters].attempted, 0u) << model;
  EXPECT_DOUBLE_EQ(inside.passback_window_s, 600) << model;

  const std::pair<const char*, const char*> outside[] = {{"passback_delay: 900", "passback_s: 600"},
                                                        {"passback_delay: 60", "passback_s: 0"}};
  for (const auto& [delay, window] : outside) {
    const SimResult r = run_yaml(hall(std::string("passback: 0.1, ") + delay, window, model));
    const PassbackCounts t = total(r);
    ASSERT_GT(t.attempted, 200u) << model << " " << delay << " " << window;
    EXPECT_EQ(t.refused, 0u) << model << " " << delay << " " << window;
    EXPECT_EQ(t.passed, t.attempted) << model << " " << delay << " " << window;
    EXPECT_EQ(referred(r, "gate.passback"), 0u) << model << " " << delay << " " << window;
  }
}

// The window cuts the delay distribution where it should: with delays log-normal around the
// window, the share refused is the share of delays (from leaving the gate to the identity known
// at the next, a few seconds later) within it.
TEST_P(PassbackBothModels, TheShareRefusedIsTheShareOfDelaysWithinTheWindow) {
  const std::string model = GetParam();
  const SimResult r = run_yaml(hall("passback: 0.2, passback_delay: {median: 600, sigma: 0.5}", "passback_s: 660", model));
  const PassbackCounts t = total(r);
  ASSERT_GT(t.attempted, 500u);
  // The clearance is recorded when the barrier opens, the delay runs from leaving the gate (the
  // 2 s walk out later), and the gate knows the attempt 2 s (the document read) or 0.5 s (one
  // face frame) into its service; the gates are seldom all busy. So an attempt is refused when
  // its delay is under about 656 s: Phi(ln(656/600) / 0.5) = 0.57.
  expect_share(t.refused, t.attempted, 0.57, model + ": refused within the window");
  EXPECT_EQ(t.refused + t.passed, t.attempted) << model;
}

TEST(Passback, TheShareComesBackAndTheRecordsNameWhom) {
  std::stringstream out;
  const SimResult r = run_yaml(hall("passback: 0.1, passback_delay: 60", "", "sampled", 1), 3, &out);
  std::map<std::uint64_t, nlohmann::json> by_id;
  std::uint64_t attempts = 0, first_time_cleared = 0;
  for (std::string line; std::getline(out, line);) {
    const auto j = nlohmann::json::parse(line);
    by_id[j["traveller"]] = j;
  }
  for (const auto& [id, j] : by_id) {
    if (!j.contains("passback_of")) {
      if (j["decision"] == "cleared" && j["route"].size() == 1) ++first_time_cleared;
      continue;
    }
    ++attempts;
    // The one who came back: cleared at a gate earlier, the same facts, and refused here.
    const auto& earlier = by_id.at(j["passback_of"].get<std::uint64_t>());
    EXPECT_EQ(earlier["decision"], "cleared");
    EXPECT_FALSE(earlier.contains("passback_of")) << "an attempt came back again";
    EXPECT_EQ(earlier["route"][0], j["route"][0]) << "the same channel";
    EXPECT_EQ(earlier["age"], j["age"]);
    EXPECT_EQ(earlier["document"], j["document"]);
    EXPECT_GT(j["arrival_s"].get<double>(), earlier["departure_s"].get<double>());
    EXPECT_EQ(j["decision"], "refused_entry") << "the counter officer sees the earlier crossing";
    EXPECT_EQ(j["reasons"], nlohmann::json::array({"gate.passback"}));
  }
  // The default window is the lane's (10 minutes).
  EXPECT_DOUBLE_EQ(r.passback_window_s, 600);
  EXPECT_EQ(attempts, total(r).attempted);
  expect_share(attempts, first_time_cleared, 0.1, "attempts among those cleared at a gate");
}

TEST(Passback, TheSeedFixesEveryAttempt) {
  const std::string yaml = hall("passback: 0.1, passback_delay: {median: 500, sigma: 0.5}", "", "controller", 1);
  auto records = [&](std::uint64_t seed) {
    std::stringstream out;
    run_yaml(yaml, seed, &out);
    return out.str();
  };
  const std::string first = records(11);
  EXPECT_NE(first.find("passback_of"), std::string::npos);
  EXPECT_EQ(first, records(11));
  EXPECT_NE(first, records(12));
}

TEST(Passback, SummaryAndReportCountThemPerChannel) {
  const SimResult r = run_yaml(hall("passback: 0.1, passback_delay: {median: 600, sigma: 0.5}", "", "sampled", 1));
  const auto summary = summary_json(r);
  ASSERT_TRUE(summary.contains("passback"));
  const auto& pb = summary["passback"];
  EXPECT_EQ(pb["window_s"], 600.0);
  const PassbackCounts t = total(r);
  EXPECT_EQ(pb["attempted"], t.attempted);
  EXPECT_EQ(pb["refused"], t.refused);
  EXPECT_EQ(pb["passed"], t.passed);
  EXPECT_GT(t.refused, 0u);
  EXPECT_GT(t.passed, 0u);
  for (const int c : {kDocumentGates, kDocumentFreeGates}) {
    const auto& channel = pb["channels"][channel_name(c)];
    EXPECT_EQ(channel["attempted"], r.passback[c].attempted);
    EXPECT_EQ(channel["refused"], r.passback[c].refused);
    EXPECT_EQ(channel["passed"], r.passback[c].passed);
    EXPECT_GT(r.passback[c].attempted, 0u) << channel_name(c);
  }
  EXPECT_EQ(summary["referrals"]["gate.passback"]["travellers"], t.refused);
  const std::string html = report_html(r, summary);
  EXPECT_NE(html.find("Anti-passback"), std::string::npos);
  EXPECT_NE(html.find("window 600 s"), std::string::npos);
  // Without attempts the summary and the records are what they were.
  std::stringstream records;
  const SimResult without = run_yaml(hall("elderly: 0", "passback_s: 60", "sampled", 0.3), 7, &records);
  EXPECT_FALSE(summary_json(without).contains("passback"));
  EXPECT_EQ(records.str().find("passback"), std::string::npos);
  EXPECT_EQ(total(without).attempted, 0u);
}

// Passage: a gate takes its next traveller only once the cleared one has walked out (steps.exit)
// or the exit timer closed the barrier (gate.exit_timeout_s), in both models: a cleared
// traveller's time at the gate is the document read (2 s, document channel), one face frame
// (0.5 s) and the walk out (3 s), or the exit timeout (6 s) for a walk of 8 s.
TEST_P(PassbackBothModels, TheGateWaitsForTheClearedTravellerToPass) {
  const std::string model = GetParam();
  for (const auto& [exit, held] : {std::pair{3.0, 3.0}, std::pair{8.0, 6.0}}) {
    std::string yaml = hall("elderly: 0", "exit_timeout_s: 6", model, 0.5);
    yaml.replace(yaml.find("exit: 2"), 7, "exit: " + std::to_string(exit));
    std::stringstream out;
    run_yaml(yaml, 5, &out);
    std::uint64_t checked = 0;
    for (std::string line; std::getline(out, line);) {
      const auto j = nlohmann::json::parse(line);
      if (j["decision"] != "cleared" || j["route"].size() != 1) continue;
      const std::string channel = j["route"][0];
      const double expected = (channel == "document_gates" ? 2.5 : 0.5) + held;
      EXPECT_NEAR(j[channel]["service_s"].get<double>(), expected, 1e-3) << model << " " << line;
      ++checked;
    }
    EXPECT_GT(checked, 100u) << model;
  }
}

INSTANTIATE_TEST_SUITE_P(GateModels, PassbackBothModels, ::testing::ValuesIn(kModels));

// ---- bad input ----

std::string error_of(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  return gatesim::testing::scenario_error(yaml, overrides);
}

TEST(Passback, BadScenarioInputNamesFileAndKey) {
  const std::pair<std::string, std::string> cases[] = {
      {"population: {passback: 1.5}\n", "port.yaml:3: population.passback: expected a number in [0, 1], got '1.5'"},
      {"population: {passback: lots}\n", "port.yaml:3: population.passback: expected a number in [0, 1], got 'lots'"},
      {"population: {passback_delay: -5}\n",
       "port.yaml:3: population.passback_delay: expected seconds: a number, {mean: M} (exponential) or {median: M, "
       "sigma: S} (log-normal), got '-5'"},
      {"population: {passback_delay: {median: 60, spread: 2}}\n",
       "port.yaml:3: population.passback_delay.spread: unknown key (known here: mean, median, sigma)"},
      {"gate: {passback_s: -1}\n", "port.yaml:3: gate.passback_s: expected a number in [0, 604800], got '-1'"},
      {"gate: {passback_s: [600]}\n", "port.yaml:3: gate.passback_s: expected a number in [0, 604800], got a list"},
  };
  for (const auto& [tail, error] : cases) EXPECT_EQ(error_of("name: x\nport: shenzhen-bay\n" + tail), error) << tail;
  EXPECT_EQ(error_of("name: x\nport: shenzhen-bay\n", {"population.passback=2"}),
            "--set: population.passback: expected a number in [0, 1], got '2'");
  EXPECT_EQ(error_of("name: x\nport: shenzhen-bay\n", {"population.passbak=0.1"}).rfind(
                "--set: population.passbak: unknown key (known here: ", 0),
            0u);
  // Given and valid: read as given.
  const Scenario s = parse_scenario("name: x\nport: shenzhen-bay\npopulation: {passback: 0.02, passback_delay: {mean: 120}}\n"
                                    "gate: {passback_s: 0}\n",
                                    "port.yaml");
  EXPECT_DOUBLE_EQ(s.population.passback, 0.02);
  EXPECT_EQ(s.population.passback_delay.kind, Distribution::Kind::exponential);
  EXPECT_DOUBLE_EQ(s.population.passback_delay.a, 120);
  EXPECT_DOUBLE_EQ(s.gate.passback_s, 0);
}

TEST(Passback, SimulateExitsWith2OnBadInput) {
  const std::string scenario = testing::shipped_scenario("luohu-weekday");
  const auto out = std::filesystem::temp_directory_path() / ("gatesim-passback-cli-" + std::to_string(::getpid()));
  auto r = testing::run_gatesim({"simulate", scenario, "--set", "population.passback=2", "--out", out.string()});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_EQ(r.err, "gatesim: --set: population.passback: expected a number in [0, 1], got '2'\n");
  r = testing::run_gatesim({"simulate", scenario, "--set", "gate.passback_s=-60", "--out", out.string()});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_EQ(r.err, "gatesim: --set: gate.passback_s: expected a number in [0, 604800], got '-60'\n");
  std::filesystem::remove_all(out);
}

}  // namespace
}  // namespace gatesim::sim
