// `gatesim bench` rows for the face pipeline: present, positive, comparable to a baseline.
#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/run_command.hpp"

namespace {

using gatesim::testing::run_gatesim;

TEST(BenchCommand, FacePipelineRowsAndBaselineRatios) {
  const auto first = run_gatesim({"bench", "--json", "--only", "face.", "--repetitions", "1", "--quick"});
  ASSERT_EQ(first.exit_status, 0) << first.err;
  const auto j = nlohmann::json::parse(first.out);
  std::set<std::string> names;
  for (const auto& m : j["measurements"]) {
    names.insert(m["name"]);
    EXPECT_GT(m["median"].get<double>(), 0) << m.dump();
  }
  for (const char* expected : {"face.load_models.per_s", "face.detect_quality.640x480.frames_per_s",
                               "face.verify.640x480.frames_per_s", "face.detect_quality.1280x720.frames_per_s",
                               "face.verify.1280x720.frames_per_s", "face.verify.640x480.threads1.frames_per_wall_s"})
    EXPECT_TRUE(names.count(expected)) << expected;
  for (const auto& name : names) EXPECT_EQ(name.rfind("face.", 0), 0u) << name;

  const auto baseline = std::filesystem::temp_directory_path() / ("gatesim-bench-" + std::to_string(::getpid()) + ".json");
  std::ofstream(baseline) << first.out;
  const auto second = run_gatesim({"bench", "--json", "--only", "face.verify.640x480.frames", "--repetitions", "1",
                                   "--quick", "--baseline", baseline.string()});
  std::filesystem::remove(baseline);
  ASSERT_EQ(second.exit_status, 0) << second.err;
  const auto row = nlohmann::json::parse(second.out)["measurements"].at(0);
  EXPECT_GT(row["ratio_to_baseline"].get<double>(), 0);
}

TEST(BenchCommand, UnknownPrefixIsBadInput) {
  const auto r = run_gatesim({"bench", "--only", "nothing."});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("--only nothing.: no measurement has that prefix"), std::string::npos) << r.err;
}

}  // namespace
