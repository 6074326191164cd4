// End-to-end: the real `gatesim simulate` on the shipped scenarios.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "tests/support/run_command.hpp"
#include "tests/support/shipped_scenarios.hpp"

namespace gatesim::testing {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path fresh_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("gatesim-sim-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  return dir;
}

// The shipped scenarios, shortened to one busy hour (--set start_hour=8 --set duration_hours=1)
// so the suite stays fast, against the summaries stored in tests/data/sim/: NAME.summary.json for
// the scenario as shipped (the controller gate model), NAME.sampled.summary.json for the sampled
// model. A change in results shows as a diff; GATESIM_UPDATE_REFERENCES=1 rewrites them after a
// deliberate change.
class ShippedScenario : public ::testing::TestWithParam<const char*> {
 protected:
  static void expect_reference_summary(const std::string& name, const std::string& gate_model) {
    const auto out = fresh_dir(name + gate_model);
    std::vector<std::string> args{"simulate", shipped_scenario(name), "--set", "start_hour=8", "--set", "duration_hours=1",
                                  "--out", out.string(), "--json", "--no-travellers"};
    if (!gate_model.empty()) args.insert(args.end(), {"--set", "gate.model=" + gate_model});
    const auto r = run_gatesim(args);
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const auto summary = nlohmann::json::parse(r.out);
    EXPECT_EQ(summary, nlohmann::json::parse(slurp(out / "summary.json")));
    EXPECT_GT(summary["travellers"].get<int>(), 100);
    const auto reference =
        test_data("sim/" + name + (gate_model.empty() ? "" : "." + gate_model) + ".summary.json");
    if (std::getenv("GATESIM_UPDATE_REFERENCES")) std::ofstream(reference) << summary.dump(2) << '\n';
    ASSERT_TRUE(fs::exists(reference)) << reference;
    EXPECT_EQ(summary, nlohmann::json::parse(slurp(reference))) << "diff against " << reference;
    EXPECT_NE(slurp(out / "report.html").find("<svg"), std::string::npos);
    fs::remove_all(out);
  }
};

TEST_P(ShippedScenario, MatchesItsReferenceSummary) { expect_reference_summary(GetParam(), ""); }

TEST_P(ShippedScenario, SampledModelMatchesItsReferenceSummary) { expect_reference_summary(GetParam(), "sampled"); }

INSTANTIATE_TEST_SUITE_P(Scenarios, ShippedScenario, ::testing::ValuesIn(testing::kShippedScenarios),
                         testing::ScenarioTestName());

TEST(Simulate, SameSeedGivesByteIdenticalOutputs) {
  std::vector<fs::path> dirs{fresh_dir("a"), fresh_dir("b"), fresh_dir("c")};
  const std::vector<std::string> seeds{"5", "5", "6"};
  for (std::size_t i = 0; i < dirs.size(); ++i) {
    const auto r = run_gatesim({"simulate", shipped_scenario("shenzhen-bay-peak"), "--set", "start_hour=17", "--set",
                                "duration_hours=0.5", "--set", "faults.mtbf_hours=2", "--seed", seeds[i], "--out", dirs[i].string()});
    ASSERT_EQ(r.exit_status, 0) << r.err;
  }
  for (const char* file : {"travellers.jsonl", "intervals.csv", "summary.json", "report.html"}) {
    const std::string a = slurp(dirs[0] / file);
    EXPECT_FALSE(a.empty()) << file;
    EXPECT_EQ(a, slurp(dirs[1] / file)) << file;
    EXPECT_NE(a, slurp(dirs[2] / file)) << file;
  }
  // Every traveller has one record, every record is JSON.
  std::ifstream lines(dirs[0] / "travellers.jsonl");
  std::size_t count = 0;
  // Times as printf's "%.3f" writes them: fixed, three decimals.
  const std::regex times(R"("arrival_s":(\d+\.\d{3}),.*"departure_s":(\d+\.\d{3}),)");
  for (std::string line; std::getline(lines, line); ++count) {
    ASSERT_TRUE(nlohmann::json::accept(line)) << line;
    std::smatch found;
    ASSERT_TRUE(std::regex_search(line, found, times)) << line;
    const auto record = nlohmann::json::parse(line);
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", record["departure_s"].get<double>());
    EXPECT_EQ(found[2].str(), text) << line;
  }
  EXPECT_EQ(count, nlohmann::json::parse(slurp(dirs[0] / "summary.json"))["travellers"].get<std::size_t>());
  for (const auto& d : dirs) fs::remove_all(d);
}

// --realtime paces the same run (100x: 72 simulated seconds take under a second of wall time).
TEST(Simulate, RealtimeReplayWritesTheSameOutputs) {
  std::vector<fs::path> dirs{fresh_dir("plain"), fresh_dir("paced")};
  const std::vector<std::string> common{"simulate", shipped_scenario("luohu-weekday"), "--set", "start_hour=8", "--set",
                                        "duration_hours=0.02", "--seed", "4"};
  auto args = common;
  args.insert(args.end(), {"--out", dirs[0].string()});
  const auto plain = run_gatesim(args);
  ASSERT_EQ(plain.exit_status, 0) << plain.err;
  args = common;
  args.insert(args.end(), {"--out", dirs[1].string(), "--realtime", "100"});
  const auto paced = run_gatesim(args);
  ASSERT_EQ(paced.exit_status, 0) << paced.err;
  EXPECT_NE(paced.err.find("realtime 100x: 08:0"), std::string::npos) << paced.err;
  for (const char* file : {"travellers.jsonl", "intervals.csv", "summary.json", "report.html"})
    EXPECT_EQ(slurp(dirs[0] / file), slurp(dirs[1] / file)) << file;
  for (const auto& d : dirs) fs::remove_all(d);
  const auto bad = run_gatesim({"simulate", shipped_scenario("luohu-weekday"), "--realtime", "0", "--out", fresh_dir("bad").string()});
  EXPECT_EQ(bad.exit_status, 2);
  EXPECT_NE(bad.err.find("--realtime: expected a speed from 0.01 to 100"), std::string::npos) << bad.err;
}

// A run that fails part-way (here at a bad trace) writes nothing and keeps an earlier run's
// outputs in the same folder.
TEST(Simulate, AFailedRunKeepsTheEarlierOutputs) {
  const fs::path dir = fresh_dir("kept");
  const auto good = run_gatesim({"simulate", shipped_scenario("luohu-weekday"), "--set", "duration_hours=0.25", "--out", dir.string()});
  ASSERT_EQ(good.exit_status, 0) << good.err;
  std::map<std::string, std::string> before;
  for (const auto& entry : fs::directory_iterator(dir)) before[entry.path().filename().string()] = slurp(entry.path());
  ASSERT_EQ(before.size(), 4u);

  const fs::path trace = dir / "broken-trace.csv";
  std::ofstream(trace) << "time,age\n1,40\nnot-a-time,40\n";
  const auto bad = run_gatesim({"simulate", shipped_scenario("luohu-weekday"), "--set", "arrivals.trace=" + trace.string(), "--out",
                                dir.string()});
  EXPECT_EQ(bad.exit_status, 2) << bad.err;
  fs::remove(trace);
  std::map<std::string, std::string> after;
  for (const auto& entry : fs::directory_iterator(dir)) after[entry.path().filename().string()] = slurp(entry.path());
  EXPECT_EQ(after, before);
  fs::remove_all(dir);
}

TEST(Simulate, BadInputExitsWithStatus2AndOneLine) {
  auto r = run_gatesim({"simulate", "no-such-scenario.yaml"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("no-such-scenario.yaml: cannot open the scenario file"), std::string::npos) << r.err;
  r = run_gatesim({"simulate", shipped_scenario("luohu-weekday"), "--set", "channels.counters=-1", "--out", fresh_dir("bad").string()});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_EQ(r.err, "gatesim: --set: channels.counters: expected a number in [0, 10000], got '-1'\n");
  r = run_gatesim({"simulate", shipped_scenario("luohu-weekday"), "--set", "arrivals.trace=/nonexistent/trace.csv", "--out",
                   fresh_dir("bad").string()});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("/nonexistent/trace.csv: cannot open the trace"), std::string::npos) << r.err;
  const auto help = run_gatesim({"simulate", "--help"});
  EXPECT_EQ(help.exit_status, 0);
  EXPECT_NE(help.out.find("--seed"), std::string::npos);
}

}  // namespace
}  // namespace gatesim::testing
