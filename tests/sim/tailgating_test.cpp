// Tailgating in the port simulator: a second person through a gate's open passage behind a
// cleared traveller (PopulationSpec::tailgating). In the controller model the simulated exit
// sensor counts them and the real gate::GateController raises the alarm and records
// passage.tailgating; the sampled model takes the same draw (GateDevices::passage) to the same
// place (GateHall::tailgated): an officer takes the tailgater to a counter, where they are
// refused entry. Shares use fixed seeds and bounds of about four standard errors, so they fail
// only when the model is wrong.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "sim/port_model.hpp"
#include "sim/report.hpp"
#include "sim/scenario.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/scenario_error.hpp"
#include "tests/support/shipped_scenarios.hpp"
#include "tests/support/sim_shares.hpp"

namespace gatesim::sim {
namespace {

using testing::expect_share;
using testing::referred;
using testing::run_yaml;

// Adults only (unless a test sets population.limited_capacity), everyone eligible: Hong
// Kong and Macao residents, half of them enrolled and taking the document-free channel; fixed
// step times within every timeout and (biometrics off) every frame good and every match right,
// so every gate transaction clears and its traveller walks out (2 s) before the barrier closes.
std::string hall(const std::string& population, const std::string& model, const std::string& extra = "",
                 int counters = 12) {
  return R"(
name: tailgating
port: shenzhen-bay
seed: 7
duration_hours: 2
arrivals: {travellers_per_day: 40000}
population: {mainland: 0, hk_macao: 1, taiwan: 0, foreign: 0, consent: 1, family_parties: 0, limited_capacity: 0,
             impostor: 0, expired_document: 0, enrolled: 0.5, document_free_choice: 1, )" +
         population + R"(}
channels: {document_gates: 20, document_free_gates: 20, counters: )" +
         std::to_string(counters) + R"(}
steps: {document: 2, frame: 0.5, exit: 2}
gate: {model: )" + model + R"(}
biometrics: {enabled: false}
)" + extra;
}

TailgatingCounts total(const SimResult& r) {
  TailgatingCounts t;
  for (const TailgatingCounts& c : r.tailgating) {
    t.alarms += c.alarms;
    t.refused_entry += c.refused_entry;
    t.unserved += c.unserved;
  }
  return t;
}

std::vector<nlohmann::json> records_of(std::stringstream& out) {
  std::vector<nlohmann::json> records;
  for (std::string line; std::getline(out, line);) records.push_back(nlohmann::json::parse(line));
  return records;
}

const char* kModels[] = {"sampled", "controller"};
class TailgatingBothModels : public ::testing::TestWithParam<const char*> {};

// Each channel's gate passages are followed at the scenario's share, and every tailgater is
// an alarm, a passage.tailgating at a counter and refused entry there.
TEST_P(TailgatingBothModels, TheSharesOfPassagesAreFollowedAndEachIsAnAlarm) {
  const std::string model = GetParam();
  const SimResult r = run_yaml(hall("tailgating: 0.05", model));
  for (const int c : {kDocumentGates, kDocumentFreeGates}) {
    const TailgatingCounts& t = r.tailgating[c];
    // Every traveller a gate served walked out through its passage (nobody is referred here).
    expect_share(t.alarms, r.served[c], 0.05, model + " " + channel_name(c));
    EXPECT_EQ(t.refused_entry, t.alarms) << model << " " << channel_name(c);
    EXPECT_EQ(t.unserved, 0u) << model << " " << channel_name(c);
  }
  EXPECT_EQ(r.tailgating[kCounters].alarms, 0u) << model;
  const TailgatingCounts t = total(r);
  EXPECT_EQ(referred(r, "passage.tailgating"), t.alarms) << model;
  EXPECT_EQ(r.refused_entry, t.alarms) << model;  // nobody else is refused here
  EXPECT_EQ(r.cleared_at_gate + t.alarms, r.travellers) << model;
  EXPECT_GT(r.served[kCounters], 0u) << model;
}

// A guardian and their ward pass in one transaction: the exit sensor counts both, so a
// tailgater is a third person, and still the alarm (a count of people that left out the
// guardian would hide them).
TEST_P(TailgatingBothModels, BehindAGuardianAndWardTheThirdPersonIsTheAlarm) {
  const std::string model = GetParam();
  std::stringstream out;
  const SimResult r = run_yaml(hall("tailgating: 0.05", model), 7, &out, {"population.limited_capacity=1"});
  std::set<std::uint64_t> parties;
  for (const auto& j : records_of(out))
    if (j["decision"] == "cleared" && j["route"].size() == 1) parties.insert(j["party"].get<std::uint64_t>());
  ASSERT_GT(parties.size(), 500u) << model;
  EXPECT_EQ(r.cleared_at_gate, 2 * parties.size()) << model << ": every party is a guardian and a ward";
  expect_share(total(r).alarms, parties.size(), 0.05, model + ": passages of a guardian with a ward");
}

// The barrier closes at the exit timeout (6 s) before a traveller who takes 8 s is through:
// nobody gets through behind them.
TEST_P(TailgatingBothModels, ABarrierClosedBeforeTheTravellerPassedLetsNobodyFollow) {
  const std::string model = GetParam();
  std::string yaml = hall("tailgating: 0.5", model);
  yaml.replace(yaml.find("exit: 2"), 7, "exit: 8");
  const SimResult r = run_yaml(yaml);
  EXPECT_GT(r.cleared_at_gate, 1000u) << model;
  EXPECT_EQ(total(r).alarms, 0u) << model;
}

// Where the hall has no counter, the officer has nowhere to take them: they leave unserved.
TEST_P(TailgatingBothModels, WithoutACounterTheTailgatersLeaveUnserved) {
  const std::string model = GetParam();
  const SimResult r = run_yaml(hall("tailgating: 0.05", model, "", 0));
  const TailgatingCounts t = total(r);
  EXPECT_GT(t.alarms, 50u) << model;
  EXPECT_EQ(t.unserved, t.alarms) << model;
  EXPECT_EQ(t.refused_entry, 0u) << model;
}

// Each tailgater's record says whom they followed (a traveller the gate cleared, who walked
// out as the tailgater came in), the incident and what became of them.
TEST_P(TailgatingBothModels, TheRecordsNameWhomTheyFollowed) {
  const std::string model = GetParam();
  std::stringstream out;
  const SimResult r = run_yaml(hall("tailgating: 0.05", model), 3, &out);
  std::map<std::uint64_t, nlohmann::json> by_id;
  for (auto& j : records_of(out)) by_id[j["traveller"].get<std::uint64_t>()] = j;
  std::uint64_t tailgaters = 0;
  for (const auto& [id, j] : by_id) {
    if (!j.contains("followed")) {
      EXPECT_EQ(j["incidents"], nlohmann::json::array()) << j;
      continue;
    }
    ++tailgaters;
    const auto& followed = by_id.at(j["followed"].get<std::uint64_t>());
    EXPECT_EQ(followed["decision"], "cleared") << j;
    EXPECT_FALSE(followed.contains("followed")) << j;
    EXPECT_TRUE(followed["steps"].contains("exit_s")) << followed;
    EXPECT_NEAR(j["arrival_s"].get<double>(), followed["departure_s"].get<double>(), 1e-3) << j << followed;
    EXPECT_EQ(j["route"], nlohmann::json::array({"counters"})) << j;
    EXPECT_EQ(j["decision"], "refused_entry") << j;
    EXPECT_EQ(j["reasons"], nlohmann::json::array({"passage.tailgating"})) << j;
    EXPECT_EQ(j["incidents"], nlohmann::json::array({"tailgating"})) << j;
    EXPECT_FALSE(j.contains("steps")) << "a tailgater showed nothing to the gate: " << j;
  }
  EXPECT_GT(tailgaters, 50u) << model;
  EXPECT_EQ(tailgaters, total(r).alarms) << model;
}

// The seed fixes every tailgater; another seed gives others.
TEST_P(TailgatingBothModels, TheSeedFixesEveryTailgater) {
  const std::string yaml = hall("tailgating: 0.02", GetParam());
  auto outputs = [&](std::uint64_t seed) {
    std::stringstream out;
    const SimResult r = run_yaml(yaml, seed, &out);
    return out.str() + summary_json(r).dump();
  };
  const std::string first = outputs(11);
  EXPECT_NE(first.find("\"followed\""), std::string::npos);
  EXPECT_EQ(first, outputs(11));
  EXPECT_NE(first, outputs(12));
}

INSTANTIATE_TEST_SUITE_P(GateModels, TailgatingBothModels, ::testing::ValuesIn(kModels));

TEST(Tailgating, SummaryAndReportCountThemPerChannel) {
  const SimResult r = run_yaml(hall("tailgating: 0.05", "sampled"));
  const auto summary = summary_json(r);
  ASSERT_TRUE(summary.contains("tailgating"));
  const auto& tg = summary["tailgating"];
  EXPECT_EQ(tg["share"], 0.05);
  const TailgatingCounts t = total(r);
  EXPECT_EQ(tg["alarms"], t.alarms);
  EXPECT_EQ(tg["refused_entry"], t.refused_entry);
  EXPECT_EQ(tg["unserved"], t.unserved);
  for (const int c : {kDocumentGates, kDocumentFreeGates}) {
    const auto& channel = tg["channels"][channel_name(c)];
    EXPECT_EQ(channel["alarms"], r.tailgating[c].alarms);
    EXPECT_EQ(channel["refused_entry"], r.tailgating[c].refused_entry);
    EXPECT_EQ(channel["unserved"], r.tailgating[c].unserved);
    EXPECT_GT(r.tailgating[c].alarms, 0u) << channel_name(c);
  }
  EXPECT_FALSE(tg["channels"].contains("counters"));
  EXPECT_EQ(summary["referrals"]["passage.tailgating"]["travellers"], t.alarms);
  const std::string html = report_html(r, summary);
  EXPECT_NE(html.find("<h2>Tailgating</h2>"), std::string::npos);
  EXPECT_NE(html.find("5.00% of gate passages"), std::string::npos);
  // Without tailgaters the summary, the report and the records say nothing of them.
  std::stringstream records;
  const SimResult without = run_yaml(hall("elderly: 0", "sampled"), 7, &records);
  EXPECT_FALSE(summary_json(without).contains("tailgating"));
  EXPECT_EQ(report_html(without, summary_json(without)).find("Tailgating"), std::string::npos);
  EXPECT_EQ(records.str().find("followed"), std::string::npos);
  EXPECT_EQ(records.str().find("tailgating"), std::string::npos);
  EXPECT_EQ(total(without).alarms, 0u);
}

// ---- bad input ----

TEST(Tailgating, BadScenarioInputNamesFileAndKey) {
  const std::pair<std::string, std::string> cases[] = {
      {"population: {tailgating: 1.5}\n", "port.yaml:3: population.tailgating: expected a number in [0, 1], got '1.5'"},
      {"population: {tailgating: some}\n", "port.yaml:3: population.tailgating: expected a number in [0, 1], got 'some'"},
      {"population: {tailgating: -0.1}\n", "port.yaml:3: population.tailgating: expected a number in [0, 1], got '-0.1'"},
  };
  for (const auto& [tail, error] : cases)
    EXPECT_EQ(testing::scenario_error("name: x\nport: shenzhen-bay\n" + tail), error) << tail;
  EXPECT_EQ(testing::scenario_error("name: x\nport: shenzhen-bay\n", {"population.tailgating=2"}),
            "--set: population.tailgating: expected a number in [0, 1], got '2'");
  const Scenario s = parse_scenario("name: x\nport: shenzhen-bay\npopulation: {tailgating: 0.002}\n", "port.yaml");
  EXPECT_DOUBLE_EQ(s.population.tailgating, 0.002);
  EXPECT_DOUBLE_EQ(parse_scenario("name: x\nport: shenzhen-bay\n", "port.yaml").population.tailgating, 0);
}

TEST(Tailgating, SimulateExitsWith2OnBadInput) {
  const std::string scenario = testing::shipped_scenario("luohu-weekday");
  const auto out = std::filesystem::temp_directory_path() / ("gatesim-tailgating-cli-" + std::to_string(::getpid()));
  const auto r = testing::run_gatesim({"simulate", scenario, "--set", "population.tailgating=1.5", "--out", out.string()});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_EQ(r.err, "gatesim: --set: population.tailgating: expected a number in [0, 1], got '1.5'\n");
  std::filesystem::remove_all(out);
}

}  // namespace
}  // namespace gatesim::sim
