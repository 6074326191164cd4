// `gatesim eval-faces` end to end: the real program and models on the shipped labelled photos.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <unistd.h>

#include "tests/support/run_command.hpp"

namespace {

using gatesim::testing::run_gatesim;
using gatesim::testing::test_data;
namespace fs = std::filesystem;

fs::path make_temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "gatesim-eval-XXXXXX").string();
  return ::mkdtemp(pattern.data());
}

// One run on people/train shared by the tests that read its result (the pipeline takes seconds).
class EvalFacesOnTrain : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = make_temp_dir();
    det_ = dir_ / "det.png";
    run_ = run_gatesim({"eval-faces", "faces/people/train", "--out", det_.string(), "--json"});
    if (run_.exit_status == 0) result_ = nlohmann::json::parse(run_.out);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static inline fs::path dir_, det_;
  static inline gatesim::testing::CommandResult run_;
  static inline nlohmann::json result_;
};

TEST_F(EvalFacesOnTrain, CountsPairsFromTheFolders) {
  ASSERT_EQ(run_.exit_status, 0) << run_.err;
  std::size_t images = 0, genuine = 0, identities = 0;
  for (const auto& folder : fs::directory_iterator(test_data("faces/people/train"))) {
    std::size_t n = 0;
    for (const auto& file : fs::directory_iterator(folder.path())) n += file.is_regular_file() ? 1 : 0;
    images += n;
    genuine += n * (n - 1) / 2;
    ++identities;
  }
  EXPECT_EQ(identities, 5u);
  EXPECT_EQ(result_["images"], images);
  EXPECT_EQ(result_["fta"], 0);  // every shipped training photo shows exactly one face
  EXPECT_EQ(result_["genuine_pairs"], genuine);
  EXPECT_EQ(result_["impostor_pairs"], images * (images - 1) / 2 - genuine);
  ASSERT_EQ(result_["identities"].size(), 5u);
  EXPECT_EQ(result_["identities"][1]["identity"], "biden");
  EXPECT_EQ(result_["identities"][1]["acquired"], 2);
}

TEST_F(EvalFacesOnTrain, GenuineDistancesBelowImpostorOnes) {
  ASSERT_EQ(run_.exit_status, 0) << run_.err;
  // The histograms hold every distance: the last genuine bin lies below the first impostor one.
  const auto& g = result_["histograms"]["genuine"];
  const auto& i = result_["histograms"]["impostor"];
  ASSERT_EQ(g["counts"].size(), 75u);
  ASSERT_EQ(g["edges"].size(), 76u);
  EXPECT_DOUBLE_EQ(g["edges"][1].get<double>(), 0.02);
  EXPECT_DOUBLE_EQ(g["edges"].back().get<double>(), 1.5);
  std::size_t last_genuine = 0, first_impostor = 75, genuine_total = 0, impostor_total = 0;
  for (std::size_t b = 0; b < 75; ++b) {
    genuine_total += g["counts"][b].get<std::size_t>();
    impostor_total += i["counts"][b].get<std::size_t>();
    if (g["counts"][b] > 0) last_genuine = b;
    if (i["counts"][b] > 0 && first_impostor == 75) first_impostor = b;
  }
  EXPECT_EQ(genuine_total + g["above"].get<std::size_t>(), result_["genuine_pairs"]);
  EXPECT_EQ(impostor_total + i["above"].get<std::size_t>(), result_["impostor_pairs"]);
  EXPECT_LT(last_genuine, first_impostor);
  EXPECT_EQ(result_["eer"], 0.0);
  // The FMR-0.1% threshold is the smallest impostor distance: all genuine pairs pass below it.
  EXPECT_EQ(result_["fmr_at_target"], 0.0);
  EXPECT_EQ(result_["fnmr_at_target"], 0.0);
  EXPECT_GT(result_["threshold_at_target_fmr"].get<double>(), 0.4);
}

TEST_F(EvalFacesOnTrain, ThresholdTableIsMonotone) {
  ASSERT_EQ(run_.exit_status, 0) << run_.err;
  const auto& rows = result_["thresholds"];
  ASSERT_EQ(rows.size(), 31u);  // 0, 0.05, ..., 1.5
  EXPECT_EQ(rows.front()["fmr"], 0.0);
  EXPECT_EQ(rows.front()["fnmr"], 1.0);
  for (std::size_t k = 1; k < rows.size(); ++k) {
    EXPECT_GE(rows[k]["fmr"].get<double>(), rows[k - 1]["fmr"].get<double>());
    EXPECT_LE(rows[k]["fnmr"].get<double>(), rows[k - 1]["fnmr"].get<double>());
  }
  EXPECT_EQ(rows.back()["fnmr"], 0.0);
}

TEST_F(EvalFacesOnTrain, WritesADecodableDetCurve) {
  ASSERT_EQ(run_.exit_status, 0) << run_.err;
  EXPECT_EQ(result_["det_curve"], det_.string());
  const cv::Mat image = cv::imread(det_.string(), cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(image.empty());
  EXPECT_EQ(image.cols, 800);
  EXPECT_EQ(image.rows, 640);
  EXPECT_EQ(image.channels(), 3);
}

class EvalFacesTemp : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir(); }
  void TearDown() override { fs::remove_all(dir_); }
  void copy(const std::string& from, const fs::path& to) {
    fs::create_directories((dir_ / to).parent_path());
    fs::copy_file(test_data("faces/" + from), dir_ / to);
  }
  fs::path dir_;
};

TEST_F(EvalFacesTemp, FailuresToAcquireAreListedWithTheReason) {
  copy("people/train/obama/obama.jpg", "set/obama/1.jpg");
  copy("people/train/obama/obama2.jpg", "set/obama/2.jpg");
  copy("scenes/dogs.jpg", "set/obama/3.jpg");
  copy("people/train/biden/biden.jpg", "set/biden/1.jpg");
  copy("examples/two_people.jpg", "set/biden/2.jpg");
  std::ofstream(dir_ / "set/biden/3.jpg") << "not an image";
  std::ofstream(dir_ / "set/biden/notes.txt") << "ignored: not an image file name";
  const auto run = run_gatesim({"eval-faces", (dir_ / "set").string()});
  ASSERT_EQ(run.exit_status, 0) << run.err;
  EXPECT_NE(run.out.find("images 6, failures to acquire 3"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("obama/3.jpg: no face found"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("biden/2.jpg: 2 faces found, expected one"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("biden/3.jpg: "), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("genuine pairs 1, impostor pairs 2"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("EER 0.0000"), std::string::npos) << run.out;
}

TEST_F(EvalFacesTemp, BadInputExitsTwoWithOneLine) {
  fs::create_directories(dir_ / "empty");
  fs::create_directories(dir_ / "noimages/alice");
  std::ofstream(dir_ / "noimages/alice/readme.txt") << "no photos here";
  std::ofstream(dir_ / "file.jpg") << "x";
  copy("people/train/obama/obama.jpg", "one/obama/1.jpg");
  copy("people/train/obama/obama2.jpg", "one/obama/2.jpg");
  const std::pair<fs::path, std::string> cases[] = {
      {dir_ / "missing", "no such directory"},
      {dir_ / "file.jpg", "not a directory"},
      {dir_ / "empty", "no identity sub-folders"},
      {dir_ / "noimages", "no images"},
      {dir_ / "one", "0 impostor pairs"},
  };
  for (const auto& [dir, message] : cases) {
    const auto run = run_gatesim({"eval-faces", dir.string(), "--json"});
    EXPECT_EQ(run.exit_status, 2) << dir;
    EXPECT_NE(run.err.find(dir.string()), std::string::npos) << run.err;
    EXPECT_NE(run.err.find(message), std::string::npos) << run.err;
    EXPECT_TRUE(run.out.empty()) << run.out;
  }
  EXPECT_EQ(run_gatesim({"eval-faces", (dir_ / "one").string(), "--target-fmr", "1.5"}).exit_status, 2);
  EXPECT_EQ(run_gatesim({"eval-faces"}).exit_status, 2);
}

TEST_F(EvalFacesTemp, UnwritableDetPathIsBadInput) {
  const auto run = run_gatesim(
      {"eval-faces", "faces/people/train", "--out", (dir_ / "no-such-folder/det.png").string()});
  EXPECT_EQ(run.exit_status, 2);
  EXPECT_NE(run.err.find("no-such-folder/det.png"), std::string::npos) << run.err;
}

}  // namespace
