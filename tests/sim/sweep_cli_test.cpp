// End-to-end: gatesim sweep, its shards, gatesim merge, and bench's bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "tests/support/run_command.hpp"
#include "tests/support/shipped_scenarios.hpp"

namespace gatesim::testing {
namespace {

namespace fs = std::filesystem;

std::string temp(const std::string& name) {
  return (fs::temp_directory_path() / ("gatesim-sweep-" + std::to_string(::getpid()) + "-" + name)).string();
}

// A short Luohu sweep: 3 counter counts x 2 replications, half an hour each.
std::vector<std::string> sweep_args(const std::vector<std::string>& extra) {
  std::vector<std::string> args{"sweep", shipped_scenario("luohu-weekday"), "--vary",
                                "channels.counters=20..24:2", "--replications", "0-1", "--set", "start_hour=8",
                                "--set", "duration_hours=0.5", "--set", "gate.model=sampled", "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

CommandResult run(const std::vector<std::string>& args) { return gatesim::testing::run_gatesim(args); }

TEST(Sweep, ShardsMergeToTheWholeSweep) {
  const auto whole = run(sweep_args({"--rows", temp("all.jsonl")}));
  ASSERT_EQ(whole.exit_status, 0) << whole.err;
  const auto table = nlohmann::json::parse(whole.out);
  EXPECT_EQ(table["key"], "channels.counters");
  ASSERT_EQ(table["rows"].size(), 3u);
  EXPECT_EQ(table["rows"][0]["value"], "20");
  EXPECT_EQ(table["rows"][2]["value"], "24");
  EXPECT_EQ(table["rows"][0]["replications"], 2);
  // More counters, no longer counter waits.
  EXPECT_GE(table["rows"][0]["counter_wait_mean_s"]["mean"].get<double>(),
            table["rows"][2]["counter_wait_mean_s"]["mean"].get<double>());

  for (const char* shard : {"1/3", "2/3", "3/3"}) {
    const auto r = run(sweep_args({"--shard", shard, "--rows", temp(std::string("shard") + shard[0] + ".jsonl")}));
    ASSERT_EQ(r.exit_status, 0) << r.err;
  }
  const auto merged = run({"merge", temp("shard1.jsonl"), temp("shard2.jsonl"), temp("shard3.jsonl"), "--json"});
  ASSERT_EQ(merged.exit_status, 0) << merged.err;
  EXPECT_EQ(merged.out, whole.out);  // byte for byte, not only the same numbers

  const auto text = run({"merge", temp("all.jsonl")});
  EXPECT_EQ(text.exit_status, 0);
  auto whole_text = sweep_args({});
  whole_text.pop_back();  // --json
  EXPECT_EQ(text.out, run(whole_text).out);
  for (const char* f : {"all.jsonl", "shard1.jsonl", "shard2.jsonl", "shard3.jsonl"}) fs::remove(temp(f));
}

// Writes the rows files of shards 1..n of the sweep (sweep_args plus `extra`) as NAME-k.jsonl.
std::vector<std::string> write_shards(const std::string& name, int n, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> files;
  for (int k = 1; k <= n; ++k) {
    files.push_back(temp(name + "-" + std::to_string(k) + ".jsonl"));
    auto args = extra;
    args.insert(args.end(), {"--shard", std::to_string(k) + "/" + std::to_string(n), "--rows", files.back()});
    const auto r = run(sweep_args(args));
    EXPECT_EQ(r.exit_status, 0) << r.err;
  }
  return files;
}

CommandResult merge(const std::vector<std::string>& files) {
  std::vector<std::string> args{"merge", "--json"};
  args.insert(args.end(), files.begin(), files.end());
  return run(args);
}

void remove_all(const std::vector<std::string>& files) {
  for (const auto& f : files) fs::remove(f);
}

// Every way a set of rows files can differ from one whole sweep is an error naming the file,
// never a table of other replications.
TEST(Merge, RefusesAnythingButOneWholeSweep) {
  const auto shards = write_shards("good", 3);
  ASSERT_EQ(merge(shards).exit_status, 0);

  auto r = merge({shards[0], shards[2]});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("shard 2 of 3 is missing"), std::string::npos) << r.err;

  r = merge({shards[0], shards[1], shards[2], shards[1]});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find(shards[1] + ": shard 2/3 comes twice"), std::string::npos) << r.err;

  // A shard of a sweep with another seed: the same values and replications, other rows.
  const auto foreign = write_shards("seed9", 3, {"--set", "seed=9"});
  r = merge({shards[0], foreign[1], shards[2]});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find(foreign[1] + ": shard 2/3 is of another sweep than " + shards[0]), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("seed=9"), std::string::npos) << r.err;

  const auto halves = write_shards("halves", 2);
  r = merge({shards[0], halves[1], shards[2]});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find(halves[1] + ": shard 2/2 is of another split"), std::string::npos) << r.err;

  // A shard cut short (its last row lost) and a file without a header.
  std::ifstream in(shards[0]);
  std::string header, row;
  std::getline(in, header);
  std::getline(in, row);
  std::ofstream(temp("cut.jsonl")) << header << '\n' << row << '\n';
  r = merge({temp("cut.jsonl"), shards[1], shards[2]});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("cut.jsonl: shard 1/3 holds 1 row, its header announces 2"), std::string::npos) << r.err;
  std::ofstream(temp("headless.jsonl")) << row << '\n';
  r = merge({temp("headless.jsonl")});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("headless.jsonl: starts with a row, not a shard header"), std::string::npos) << r.err;

  for (const auto* files : {&shards, &foreign, &halves}) remove_all(*files);
  remove_all({temp("cut.jsonl"), temp("headless.jsonl")});
}

// A Slurm array with more tasks than the sweep has jobs: the surplus shards succeed with an empty
// share (a dependent merge must still run) and merge to the whole sweep.
TEST(Sweep, ShardsBeyondTheJobCountAreEmptyAndMerge) {
  const auto whole = run(sweep_args({}));
  ASSERT_EQ(whole.exit_status, 0) << whole.err;
  const auto shards = write_shards("eight", 8);  // 6 jobs
  const auto empty = run(sweep_args({"--shard", "8/8", "--rows", temp("empty.jsonl")}));
  EXPECT_EQ(empty.exit_status, 0) << empty.err;
  EXPECT_EQ(nlohmann::json::parse(empty.out)["rows"], nlohmann::json::array());
  std::ifstream in(temp("empty.jsonl"));
  std::string header, rest;
  std::getline(in, header);
  EXPECT_EQ(nlohmann::json::parse(header)["jobs"], 0);
  EXPECT_FALSE(std::getline(in, rest)) << "an empty shard holds no rows";
  const auto merged = merge(shards);
  EXPECT_EQ(merged.exit_status, 0) << merged.err;
  EXPECT_EQ(merged.out, whole.out);
  remove_all(shards);
  fs::remove(temp("empty.jsonl"));
}

// The rows of a sweep's JSON Lines files by (value, replication), without the shard headers.
std::map<std::pair<std::string, int>, nlohmann::json> rows_by_job(const std::vector<std::string>& files) {
  std::map<std::pair<std::string, int>, nlohmann::json> rows;
  for (const auto& file : files) {
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
      auto row = nlohmann::json::parse(line);
      if (row.contains("shards")) continue;  // the shard's header
      const auto key = std::pair{row["value"].get<std::string>(), row["replication"].get<int>()};
      EXPECT_FALSE(rows.contains(key)) << file << ": job " << key.first << "/" << key.second << " twice";
      rows[key] = std::move(row);
    }
    fs::remove(file);
  }
  return rows;
}

// A Slurm array of any size (scripts/slurm/sweep.sbatch) gives each job the same seed and so the
// same row: replication r runs with the scenario's seed + r whichever shard runs it.
TEST(Sweep, ReplicationSeedsDoNotDependOnTheShardCount) {
  ASSERT_EQ(run(sweep_args({"--rows", temp("whole.jsonl")})).exit_status, 0);
  const auto whole = rows_by_job({temp("whole.jsonl")});
  ASSERT_EQ(whole.size(), 6u);
  for (const auto& [job, row] : whole) EXPECT_EQ(row["seed"].get<std::uint64_t>(), 1u + static_cast<std::uint64_t>(job.second));
  for (const int shards : {2, 4, 6}) {
    std::vector<std::string> files;
    for (int k = 1; k <= shards; ++k) {
      files.push_back(temp(std::string("of") + std::to_string(shards) + "-" + std::to_string(k) + ".jsonl"));
      const auto r = run(sweep_args({"--shard", std::to_string(k) + "/" + std::to_string(shards), "--rows", files.back()}));
      ASSERT_EQ(r.exit_status, 0) << r.err;
    }
    EXPECT_EQ(rows_by_job(files), whole) << shards << " shards";
  }
}

TEST(Sweep, BadOptionsExitWith2) {
  for (const auto& extra : std::vector<std::vector<std::string>>{{"--shard", "4/3"}, {"--shard", "x"}}) {
    const auto r = run(sweep_args(extra));
    EXPECT_EQ(r.exit_status, 2) << extra[1];
    EXPECT_NE(r.err.find("--shard"), std::string::npos) << r.err;
  }
  auto r = run({"sweep", shipped_scenario("luohu-weekday"), "--vary", "channels.counters=9..3"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("--vary channels.counters=9..3"), std::string::npos) << r.err;
  std::ofstream(temp("junk.jsonl")) << "{\"key\": \"x\"}\nnot json\n";
  r = run({"merge", temp("junk.jsonl")});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("junk.jsonl:2: not a JSON object"), std::string::npos) << r.err;
  fs::remove(temp("junk.jsonl"));
}

TEST(Bench, BadBaselineExitsWith2BeforeMeasuring) {
  std::ofstream(temp("baseline.json")) << "{\"machine\": {}}";
  const auto r = run({"bench", "--quick", "--baseline", temp("baseline.json")});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("no \"measurements\" list"), std::string::npos) << r.err;
  fs::remove(temp("baseline.json"));
  const auto help = run({"bench", "--help"});
  EXPECT_EQ(help.exit_status, 0);
  EXPECT_NE(help.out.find("--baseline"), std::string::npos);
}

}  // namespace
}  // namespace gatesim::testing
