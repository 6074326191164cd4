#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "models/civil_date.hpp"
#include "models/input_error.hpp"
#include "sim/port_model.hpp"
#include "sim/scenario.hpp"
#include "tests/support/scenario_error.hpp"

namespace gatesim::sim {
namespace {

std::string error_of(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  return gatesim::testing::scenario_error(yaml, overrides);
}

TEST(Scenario, ReadsEveryPartAndDistributionForms) {
  const Scenario s = parse_scenario(R"(
name: Test
port: shenzhen-bay
date: 2025-11-21
direction: exit
seed: 9
duration_hours: 2
arrivals:
  travellers_per_day: 1000
  batches: [{name: ferry, first_hour: 8, last_hour: 9, every_minutes: 30, travellers: 200, unload_minutes: 10}]
channels: {document_gates: 3, document_free_gates: 2, counters: 1}
steps: {document: 2, frame: {mean: 1.5}, exit: {median: 2.5, sigma: 0.3}, fingerprint: true}
counter: {median: 43, sigma: 0.5}
faults: {mtbf_hours: 100, repair: {mean: 300}}
)", "t.yaml");
  EXPECT_EQ(s.name, "Test");
  EXPECT_EQ(s.seed, 9u);
  EXPECT_EQ(s.channels.document_free_gates, 2);
  ASSERT_EQ(s.arrivals.batches.size(), 1u);
  EXPECT_EQ(s.arrivals.batches[0].name, "ferry");
  EXPECT_EQ(s.steps.document.kind, Distribution::Kind::fixed);
  EXPECT_EQ(s.steps.frame.kind, Distribution::Kind::exponential);
  EXPECT_EQ(s.steps.exit.kind, Distribution::Kind::lognormal);
  EXPECT_TRUE(s.steps.fingerprint);
  EXPECT_NEAR(s.counter.mean(), 43 * std::exp(0.125), 1e-9);
  EXPECT_EQ(s.faults.repair.kind, Distribution::Kind::exponential);
  EXPECT_EQ(s.port, "shenzhen-bay");
  EXPECT_EQ(models::to_iso(s.date), "2025-11-21");
  EXPECT_EQ(s.direction, models::Direction::exit);
  ASSERT_TRUE(s.policy);
  EXPECT_TRUE(s.policy->find_port("luohu"));
}

TEST(Scenario, PortMustBeInThePolicyDataAndOfferTheHallsChannels) {
  EXPECT_EQ(error_of("name: x\n"), "port.yaml: port: expected the id of a port in the policy data (gatesim ports lists them), got nothing");
  EXPECT_EQ(error_of("name: x\nport: atlantis\n"),
            "port.yaml:2: port: expected the id of a port in the policy data (gatesim ports lists them), got 'atlantis'");
  EXPECT_EQ(error_of("name: x\nport: luohu\nchannels:\n  document_free_gates: 4\n"),
            "port.yaml:4: channels.document_free_gates: expected 0: luohu has no document-free channel on 2025-12-01 "
            "(policy data), got '4'");
  // Luohu's smart channel opened on 2025-11-05 (M3).
  EXPECT_NE(error_of("name: x\nport: luohu\ndate: 2025-11-01\n").find("luohu has no smart channel on 2025-11-01"), std::string::npos);
  EXPECT_EQ(error_of("name: x\nport: luohu\ndate: 2025-11-04\nchannels: {document_gates: 0, counters: 3}\n"), "");
  EXPECT_EQ(error_of("name: x\nport: luohu\ndate: 2025-02-30\n"), "port.yaml:3: date: expected a day as YYYY-MM-DD, got '2025-02-30'");
  EXPECT_EQ(error_of("name: x\nport: luohu\ndirection: sideways\n"), "port.yaml:3: direction: expected entry or exit, got 'sideways'");
  EXPECT_NE(error_of("name: x\nport: luohu\npolicy_data: /nonexistent\n").find("/nonexistent"), std::string::npos);
}

TEST(Scenario, ErrorsNameFileLineAndKey) {
  EXPECT_EQ(error_of("name: x\nchannels:\n  counters: -3\n"),
            "port.yaml:3: channels.counters: expected a number in [0, 10000], got '-3'");
  EXPECT_EQ(error_of("name: x\nchannels:\n  counters: 2.5\n"),
            "port.yaml:3: channels.counters: expected an integer in [0, 10000], got '2.5'");
  EXPECT_NE(error_of("name: x\nchanels: {}\n").find("port.yaml:2: chanels: unknown key"), std::string::npos);
  EXPECT_NE(error_of("name: x\narrivals:\n  hourly_profile: [1, 2]\n").find("port.yaml:3: arrivals.hourly_profile: expected a list of 24"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\nsteps:\n  document: {median: 2, mean: 3}\n").find("port.yaml:3: steps.document: expected seconds"),
            std::string::npos);
  EXPECT_NE(error_of("name: [x\n").find("port.yaml:"), std::string::npos);
  EXPECT_NE(error_of("description: no name\n").find("name: expected a name"), std::string::npos);
  EXPECT_NE(error_of("name: x\nchannels: {document_gates: 0, document_free_gates: 0, counters: 0}\n").find("at least one gate"),
            std::string::npos);
}

TEST(Scenario, SetOverridesAreAppliedAndCheckedLikeTheFile) {
  const Scenario s = parse_scenario("name: x\nport: luohu\nchannels: {counters: 2}\n", "port.yaml",
                                    {"channels.counters=7", "arrivals.hourly_profile=[" + std::string("1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,2") + "]",
                                     "faults.mtbf_hours=5"});
  EXPECT_EQ(s.channels.counters, 7);
  EXPECT_EQ(s.arrivals.hourly_profile.back(), 2);
  EXPECT_EQ(s.faults.mtbf_hours, 5);
  EXPECT_EQ(error_of("name: x\n", {"channels.counters=many"}),
            "--set: channels.counters: expected a number in [0, 10000], got 'many'");
  EXPECT_NE(error_of("name: x\n", {"chanels.counters=3"}).find("--set: chanels: unknown key"), std::string::npos);
  EXPECT_NE(error_of("name: x\n", {"novalue"}).find("--set novalue: expected key=value"), std::string::npos);
}

// A setting the scenario's ranges allow but the gates refuse (gate::validate) is an input error
// in both gate models: the controller model's GateController refuses it, and the sampled model,
// which runs no controller, checks the same configuration (sim::gate_config) instead of
// running with it (a match threshold of 0 failed every face silently).
TEST(Scenario, SettingsTheGatesRefuseAreAnErrorInBothGateModels) {
  for (const std::string model : {"sampled", "controller"}) {
    const Scenario s = parse_scenario("name: x\nport: luohu\n", "port.yaml",
                                      {"gate.model=" + model, "duration_hours=0.1", "biometrics.threshold=0"});
    try {
      run_simulation(s, RunOptions{});
      ADD_FAILURE() << model << ": ran with match threshold 0";
    } catch (const models::InputError& e) {
      EXPECT_STREQ(e.what(), "gate configuration: match_threshold must be in (0, 2]") << model;
    }
  }
}

TEST(Scenario, MissingFileIsInputError) {
  EXPECT_THROW(load_scenario("/nonexistent/port.yaml"), models::InputError);
}

// population.macao_trips: from the port's destinations unless given; a share outside [0, 1] or
// one the port cannot have is an error naming the key.
TEST(Scenario, MacaoTripsFitThePort) {
  auto share = [](const std::string& port, const std::string& population = "") {
    return parse_scenario("name: x\nport: " + port + "\n" + population, "port.yaml").population.macao_trips;
  };
  EXPECT_EQ(share("luohu"), 0);
  EXPECT_EQ(share("gongbei"), 1);
  EXPECT_EQ(share("hengqin"), 1);
  EXPECT_EQ(share("hzmb"), 0.5);
  EXPECT_EQ(share("hzmb", "population: {macao_trips: 0.3}\n"), 0.3);
  EXPECT_EQ(share("shanghai-hongqiao-airport"), 0);
  EXPECT_EQ(share("shanghai-hongqiao-airport", "population: {macao_trips: 0.2}\n"), 0.2);
  EXPECT_EQ(error_of("name: x\nport: hzmb\npopulation:\n  macao_trips: 1.5\n"),
            "port.yaml:4: population.macao_trips: expected a number in [0, 1], got '1.5'");
  EXPECT_EQ(error_of("name: x\nport: luohu\npopulation:\n  macao_trips: 0.2\n"),
            "port.yaml:4: population.macao_trips: expected 0: luohu leads to Hong Kong only (policy data), got '0.2'");
  EXPECT_EQ(error_of("name: x\nport: gongbei\npopulation:\n  macao_trips: 0.9\n"),
            "port.yaml:4: population.macao_trips: expected 1: gongbei leads to Macao only (policy data), got '0.9'");
  EXPECT_EQ(error_of("name: x\nport: luohu\n", {"population.macao_trips=0.5"}),
            "--set: population.macao_trips: expected 0: luohu leads to Hong Kong only (policy data), got '0.5'");
}

}  // namespace
}  // namespace gatesim::sim
