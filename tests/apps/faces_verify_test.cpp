// `gatesim faces` and `gatesim verify`, run as a user runs them.
#include <fstream>
#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "biometrics/model_store.hpp"
#include "tests/support/run_command.hpp"

namespace {

using gatesim::testing::run_gatesim;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

// Bad input: exit 2 and exactly one line on stderr that contains `expected`.
void expect_refusal(const gatesim::testing::CommandResult& r, const std::string& expected) {
  EXPECT_EQ(r.exit_status, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr(expected));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(FacesCommand, JsonHasBoxLandmarksAndQuality) {
  const auto r = run_gatesim({"faces", "--json", "faces/reference/obama.jpg"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["image"], "faces/reference/obama.jpg");
  ASSERT_EQ(j["faces"].size(), 1u);
  const auto& face = j["faces"][0];
  EXPECT_EQ(face["box"], (nlohmann::json{{"left", 349}, {"top", 142}, {"right", 617}, {"bottom", 409}}));
  EXPECT_EQ(face["landmarks"].size(), 5u);
  EXPECT_TRUE(face["quality"]["acceptable"]);
}

TEST(FacesCommand, OneJsonLinePerImageIncludingNone) {
  const auto r = run_gatesim({"faces", "--json", "faces/examples/two_people.jpg", "faces/scenes/dogs.jpg"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  std::istringstream lines(r.out);
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(nlohmann::json::parse(first)["faces"].size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(second)["faces"].size(), 0u);
}

TEST(VerifyCommand, SamePersonExitsZero) {
  const auto r = run_gatesim({"verify", "--json", "faces/reference/obama.jpg", "faces/reference/obama2.jpg"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["same_person"]);
  EXPECT_LT(j["distance"].get<double>(), 0.6);
  EXPECT_EQ(j["threshold"], 0.6);
}

TEST(VerifyCommand, DifferentPeopleExitOne) {
  const auto r = run_gatesim({"verify", "faces/reference/obama.jpg", "faces/reference/biden.jpg"});
  EXPECT_EQ(r.exit_status, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("different people: distance"));
}

TEST(VerifyCommand, ThresholdIsASetting) {
  const auto r = run_gatesim({"verify", "--json", "--threshold", "0.2", "faces/reference/obama.jpg",
                              "faces/reference/obama2.jpg"});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_FALSE(nlohmann::json::parse(r.out)["same_person"]);
}

TEST(VerifyCommand, NoFaceIsBadInput) {
  expect_refusal(run_gatesim({"verify", "faces/scenes/dogs.jpg", "faces/reference/obama.jpg"}),
                 "faces/scenes/dogs.jpg: no face found");
}

TEST(VerifyCommand, SeveralFacesAreBadInputUnlessLargestIsAsked) {
  expect_refusal(run_gatesim({"verify", "faces/examples/two_people.jpg", "faces/reference/obama.jpg"}),
                 "2 faces found, expected exactly one");
  EXPECT_EQ(run_gatesim({"verify", "--largest", "faces/examples/two_people.jpg", "faces/reference/obama.jpg"}).exit_status, 1);
}

TEST(VerifyCommand, MissingFileAndDirectory) {
  expect_refusal(run_gatesim({"verify", "nothing-here.jpg", "faces/reference/obama.jpg"}), "nothing-here.jpg: no such file");
  expect_refusal(run_gatesim({"verify", "faces", "faces/reference/obama.jpg"}), "faces: is a directory");
}

TEST(Usage, UnknownCommandAndMissingArgumentsExitTwo) {
  EXPECT_EQ(run_gatesim({"no-such-command"}).exit_status, 2);
  EXPECT_EQ(run_gatesim({"verify", "faces/reference/obama.jpg"}).exit_status, 2);
  EXPECT_EQ(run_gatesim({"faces", "--upsample", "9", "faces/reference/obama.jpg"}).exit_status, 2);
  EXPECT_EQ(run_gatesim({"faces", "--help"}).exit_status, 0);
}

class ModelFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("gatesim-models-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    const auto real = gatesim::biometrics::ModelStore::from_environment().folder();
    fs::create_symlink(real / "shape_predictor_5_face_landmarks.dat", dir_ / "shape_predictor_5_face_landmarks.dat");
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ModelFolderTest, MissingModelFileSaysWhichAndHowToFetch) {
  const auto r = run_gatesim({"faces", "--models", dir_.string(), "faces/reference/obama.jpg"});
  expect_refusal(r, "dlib_face_recognition_resnet_model_v1.dat is missing");
  EXPECT_THAT(r.err, HasSubstr("scripts/fetch-models.sh"));
}

TEST_F(ModelFolderTest, CorruptModelFileIsCaughtBySha256) {
  std::ofstream(dir_ / "dlib_face_recognition_resnet_model_v1.dat") << "not a network";
  expect_refusal(run_gatesim({"faces", "--models", dir_.string(), "faces/reference/obama.jpg"}),
                 "dlib_face_recognition_resnet_model_v1.dat is corrupt: SHA-256");
}

// A stamp that vouches for a damaged file (say, the file changed within the same second):
// dlib's loader refuses it, and that too is one clear line, not a crash.
TEST_F(ModelFolderTest, UnloadableModelFileIsReported) {
  const auto file = dir_ / "dlib_face_recognition_resnet_model_v1.dat";
  std::ofstream(file) << "not a network";
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  std::ofstream(file.string() + ".sha256")
      << gatesim::biometrics::expected_sha256(gatesim::biometrics::ModelFile::face_recognition_resnet) << ' '
      << st.st_size << ' ' << st.st_mtim.tv_sec << '\n';
  expect_refusal(run_gatesim({"faces", "--models", dir_.string(), "faces/reference/obama.jpg"}), "cannot be loaded");
}

}  // namespace
