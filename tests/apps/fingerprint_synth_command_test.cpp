#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "tests/support/run_command.hpp"

namespace gatesim::testing {
namespace {

namespace fs = std::filesystem;

TEST(FingerprintSynthCommand, WritesTheImpressionsAndListsThemAsJson) {
  const fs::path out = fs::temp_directory_path() / ("gatesim-synth-" + std::to_string(::getpid()));
  fs::remove_all(out);
  const auto run = run_gatesim({"fingerprint-synth", "--seed", "42", "--impressions", "2", "--out", out.string(),
                                "--width", "200", "--height", "260", "--json"});
  ASSERT_EQ(run.exit_status, 0) << run.err;
  const auto json = nlohmann::json::parse(run.out);
  EXPECT_EQ(json["seed"], 42);
  ASSERT_EQ(json["files"].size(), 2u);
  EXPECT_EQ(json["files"][1], (out / "finger-42-1.png").string());
  const cv::Mat image = cv::imread((out / "finger-42-0.png").string(), cv::IMREAD_UNCHANGED);
  EXPECT_EQ(image.type(), CV_8UC1);
  EXPECT_EQ(image.cols, 200);
  EXPECT_EQ(image.rows, 260);
  fs::remove_all(out);
}

TEST(FingerprintSynthCommand, BadInputIsExitTwoWithOneLine) {
  const auto no_seed = run_gatesim({"fingerprint-synth", "--out", "/tmp/x"});
  EXPECT_EQ(no_seed.exit_status, 2);
  const auto zero = run_gatesim({"fingerprint-synth", "--seed", "1", "--impressions", "0", "--out", "/tmp/x"});
  EXPECT_EQ(zero.exit_status, 2);
  EXPECT_NE(zero.err.find("--impressions"), std::string::npos) << zero.err;
  const auto seed_text = run_gatesim({"fingerprint-synth", "--seed", "abc", "--out", "/tmp/x"});
  EXPECT_EQ(seed_text.exit_status, 2);
  const auto unwritable = run_gatesim({"fingerprint-synth", "--seed", "1", "--out", "/proc/gatesim"});
  EXPECT_EQ(unwritable.exit_status, 2);
  EXPECT_EQ(unwritable.err, "gatesim: --out /proc/gatesim: cannot create the folder\n");
}

TEST(FingerprintSynthCommand, HasHelp) {
  const auto help = run_gatesim({"fingerprint-synth", "--help"});
  EXPECT_EQ(help.exit_status, 0);
  EXPECT_NE(help.out.find("--impressions"), std::string::npos);
}

}  // namespace
}  // namespace gatesim::testing
