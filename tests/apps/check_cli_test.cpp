// `gatesim check` and `gatesim ports` end to end: exit statuses, --json, bad input.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/crossing_cases.hpp"
#include "tests/support/run_command.hpp"

namespace gatesim::testing {
namespace {

const std::string& kCase = kEligibleLuohuExitCase;

std::filesystem::path write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("gatesim-check-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(CheckCli, EligibleAndNotEligible) {
  const auto one = write_temp("one.json", kCase);
  auto r = run_gatesim({"check", "--json", one.string()});
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out), nlohmann::json::parse(R"({"eligible": true, "channel": "smart", "reasons": []})"));

  std::string young = kCase;
  young.replace(young.find("2011-11-06"), 10, "2011-11-07");
  const auto two = write_temp("two.json", "[" + kCase + "," + young + "]");
  r = run_gatesim({"check", "--json", two.string()});
  EXPECT_EQ(r.exit_status, 1) << r.err;
  std::istringstream lines(r.out);
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_TRUE(nlohmann::json::parse(first)["eligible"].get<bool>());
  const auto decision = nlohmann::json::parse(second);
  EXPECT_FALSE(decision["eligible"].get<bool>());
  EXPECT_EQ(decision["reasons"][0]["clause"], "M3.age");

  // The inner shell's redirection reads the file as standard input (run_shell's own is /dev/null).
  r = run_shell("sh -c " + shell_quote(shell_quote(GATESIM_BINARY) + " check - < " + shell_quote(two.string())));
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.out.find("case 1: T1 at luohu on 2025-11-06, exit by smart: not eligible"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  M3.age: aged 13"), std::string::npos) << r.out;
  std::filesystem::remove(one);
  std::filesystem::remove(two);
}

TEST(CheckCli, BadInputExitsTwoWithOneLine) {
  std::string bad = kCase;
  bad.replace(bad.find("luohu"), 5, "atlantis");
  const auto unknown = write_temp("unknown.json", "[" + kCase + "," + bad + "]");
  auto r = run_gatesim({"check", unknown.string()});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_EQ(r.err, "gatesim: " + unknown.string() + ": case 1: port: unknown port \"atlantis\" (`gatesim ports` lists them)\n");

  std::string garbage(10 << 20, '\0');
  for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>((i * 2654435761ull) >> 13);
  const auto junk = write_temp("junk.bin", garbage);
  r = run_gatesim({"check", junk.string()});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("not valid JSON"), std::string::npos) << r.err;

  r = run_gatesim({"check", "/no/such/file.json"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_EQ(r.err, "gatesim: /no/such/file.json: cannot read the file\n");
  r = run_gatesim({"check", "--policy", "/no/such/dir", unknown.string()});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("/no/such/dir/ports.yaml: cannot read the file"), std::string::npos) << r.err;
  std::filesystem::remove(unknown);
  std::filesystem::remove(junk);
}

TEST(PortsCli, ListsChannelsAndMarksPartialLists) {
  auto r = run_gatesim({"ports", "--json", "--channel", "smart"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  const auto out = nlohmann::json::parse(r.out);
  EXPECT_EQ(out["ports"].size(), 14u);
  EXPECT_FALSE(out["lists"]["one-time-mtp"]["complete"].get<bool>());
  r = run_gatesim({"ports"});
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_NE(r.out.find("luohu (Luohu, 羅湖; Shenzhen; land): smart from 2025-11-05, one-time-mtp from 2025-11-20"),
            std::string::npos) << r.out;
  r = run_gatesim({"ports", "--channel", "teleport"});
  EXPECT_EQ(r.exit_status, 2);
}

}  // namespace
}  // namespace gatesim::testing
