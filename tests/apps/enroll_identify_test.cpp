// gatesim enroll / identify / gallery end to end: the real program, real dlib models, real
// images from tests/data/faces (people/train/<person>/ enrolled, people/test/ as probes) and
// real SQLite files in a temporary folder.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "tests/support/run_command.hpp"

namespace gatesim::testing {
namespace {

namespace fs = std::filesystem;

class EnrollIdentifyTest : public ::testing::Test {
 protected:
  // Every person under people/train is enrolled once for the whole suite.
  static void SetUpTestSuite() {
    std::string pattern = (fs::temp_directory_path() / "gatesim-enroll-XXXXXX").string();
    dir_ = new fs::path(::mkdtemp(pattern.data()));
    for (const auto& person : {"alex_lacamoire", "biden", "kit_harington", "obama", "rose_leslie"}) {
      std::vector<std::string> args = {"enroll", "--db", enrolled().string(), "--id", person, "--name", person};
      for (const auto& photo : fs::directory_iterator(test_data("faces/people/train/") / person))
        args.push_back(photo.path().string());
      const auto result = run_gatesim(args);
      ASSERT_EQ(result.exit_status, 0) << result.err;
    }
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  static fs::path enrolled() { return *dir_ / "enrolled.db"; }
  // A copy the test may change.
  static fs::path copy_of_enrolled(const std::string& name) {
    const auto copy = *dir_ / name;
    fs::copy_file(enrolled(), copy, fs::copy_options::overwrite_existing);
    for (const char* suffix : {"-wal"})
      if (fs::exists(enrolled().string() + suffix))
        fs::copy_file(enrolled().string() + suffix, copy.string() + suffix, fs::copy_options::overwrite_existing);
    return copy;
  }
  static fs::path path(const std::string& name) { return *dir_ / name; }

  static fs::path* dir_;
};
fs::path* EnrollIdentifyTest::dir_ = nullptr;

TEST_F(EnrollIdentifyTest, IdentifiesProbesOfEnrolledPeople) {
  const std::vector<std::pair<std::string, std::string>> probes = {
      {"faces/people/test/obama1.jpg", "obama"},
      {"faces/people/test/alex_lacamoire1.jpg", "alex_lacamoire"},
      {"faces/people/test/johnsnow_test1.jpg", "kit_harington"}};
  for (const auto& [probe, person] : probes) {
    const auto r = run_gatesim({"identify", "--db", enrolled().string(), probe, "--json", "--top", "3"});
    ASSERT_EQ(r.exit_status, 0) << probe << ": " << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["identified"], person) << probe;
    ASSERT_EQ(j["candidates"].size(), 3u);
    EXPECT_EQ(j["candidates"][0]["id"], person);
    EXPECT_EQ(j["candidates"][0]["name"], person);
    EXPECT_TRUE(j["candidates"][0]["match"]);
    EXPECT_LT(j["candidates"][0]["distance"].get<double>(), j["candidates"][1]["distance"].get<double>());
    EXPECT_FALSE(j["candidates"][1]["match"]) << probe;
  }
  const auto text = run_gatesim({"identify", "--db", enrolled().string(), "faces/people/test/obama1.jpg"});
  EXPECT_EQ(text.exit_status, 0);
  EXPECT_NE(text.out.find("identified obama"), std::string::npos) << text.out;
}

TEST_F(EnrollIdentifyTest, NoCandidateUnderTheThresholdExitsOne) {
  const auto r = run_gatesim({"identify", "--db", enrolled().string(), "faces/people/test/obama1.jpg", "--threshold",
                              "0.05", "--json"});
  EXPECT_EQ(r.exit_status, 1) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["identified"].is_null());
  EXPECT_EQ(j["candidates"][0]["id"], "obama");  // still the nearest, just not near enough
  const auto text = run_gatesim({"identify", "--db", enrolled().string(), "faces/people/test/obama1.jpg", "--threshold", "0.05"});
  EXPECT_EQ(text.exit_status, 1);
  EXPECT_NE(text.out.find("no match"), std::string::npos) << text.out;
}

TEST_F(EnrollIdentifyTest, ListRemoveAndExport) {
  const auto db = copy_of_enrolled("change.db");
  auto list = run_gatesim({"gallery", "--db", db.string(), "list", "--json"});
  ASSERT_EQ(list.exit_status, 0) << list.err;
  auto holders = nlohmann::json::parse(list.out)["holders"];
  ASSERT_EQ(holders.size(), 5u);
  EXPECT_EQ(holders[3]["id"], "obama");
  ASSERT_EQ(holders[3]["templates"].size(), 2u);
  EXPECT_EQ(holders[3]["templates"][0]["detector"], "hog upsample=1 max_detection_width=0");

  const auto removed = run_gatesim({"gallery", "--db", db.string(), "remove", "obama"});
  EXPECT_EQ(removed.exit_status, 0) << removed.err;
  const auto after = run_gatesim({"identify", "--db", db.string(), "faces/people/test/obama1.jpg", "--json"});
  EXPECT_EQ(after.exit_status, 1);
  EXPECT_NE(nlohmann::json::parse(after.out)["candidates"][0]["id"], "obama");

  const auto plain = path("plain.jsonl"), full = path("full.jsonl");
  ASSERT_EQ(run_gatesim({"gallery", "--db", db.string(), "export", plain.string()}).exit_status, 0);
  ASSERT_EQ(run_gatesim({"gallery", "--db", db.string(), "export", full.string(), "--with-templates", "--json"}).exit_status, 0);
  auto lines = [](const fs::path& file) {
    std::vector<nlohmann::json> out;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  };
  const auto p = lines(plain), f = lines(full);
  ASSERT_EQ(p.size(), 4u);
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(p[0]["id"], "alex_lacamoire");
  EXPECT_EQ(p[0]["templates"][0]["source_image"], "img1.jpg");
  EXPECT_FALSE(p[0]["templates"][0].contains("descriptor"));
  EXPECT_EQ(f[0]["templates"][0]["descriptor"].size(), 128u);
}

TEST_F(EnrollIdentifyTest, PhotoWithoutExactlyOneFaceIsNamedAndNothingIsWritten) {
  const auto db = path("refused.db");
  const auto none = run_gatesim({"enroll", "--db", db.string(), "--id", "X", "faces/people/train/obama/obama.jpg",
                                 "faces/scenes/dogs.jpg"});
  EXPECT_EQ(none.exit_status, 2);
  EXPECT_EQ(none.err, "gatesim: faces/scenes/dogs.jpg: no face found, expected exactly one\n");
  const auto two = run_gatesim({"enroll", "--db", db.string(), "--id", "X", "faces/examples/two_people.jpg"});
  EXPECT_EQ(two.exit_status, 2);
  EXPECT_EQ(two.err, "gatesim: faces/examples/two_people.jpg: 2 faces found, expected exactly one\n");
  EXPECT_FALSE(fs::exists(db));
  const auto date = run_gatesim({"enroll", "--db", db.string(), "--id", "X", "--birth-date", "1990-13-01",
                                 "faces/people/train/obama/obama.jpg"});
  EXPECT_EQ(date.exit_status, 2);
  EXPECT_EQ(date.err, "gatesim: birth date '1990-13-01': expected a real day as YYYY-MM-DD\n");
}

TEST_F(EnrollIdentifyTest, MissingCorruptOrUnknownGiveOneClearLine) {
  const auto missing = path("missing.db");
  const auto r = run_gatesim({"identify", "--db", missing.string(), "faces/people/test/obama1.jpg"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_EQ(r.err, std::string("gatesim: ") + missing.string() + ": no such enrolment database (create it with `gatesim enroll`)\n");
  EXPECT_FALSE(fs::exists(missing));

  const auto corrupt = path("corrupt.db");
  std::ofstream(corrupt) << "not a database at all, just some text\n";
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"identify", "--db", corrupt.string(), "faces/people/test/obama1.jpg"},
           {"gallery", "--db", corrupt.string(), "list"},
           {"enroll", "--db", corrupt.string(), "--id", "X", "faces/people/train/obama/obama.jpg"}}) {
    const auto c = run_gatesim(args);
    EXPECT_EQ(c.exit_status, 2) << args[0];
    EXPECT_EQ(c.err, std::string("gatesim: ") + corrupt.string() + ": not an SQLite database (file is not a database)\n") << args[0];
  }

  const auto unknown = run_gatesim({"gallery", "--db", enrolled().string(), "remove", "nobody"});
  EXPECT_EQ(unknown.exit_status, 2);
  EXPECT_EQ(unknown.err, std::string("gatesim: ") + enrolled().string() + ": no permit holder with id 'nobody'\n");
}

TEST_F(EnrollIdentifyTest, EveryCommandHasHelp) {
  for (const auto& command : {"enroll", "identify", "gallery"}) {
    const auto r = run_gatesim({command, "--help"});
    EXPECT_EQ(r.exit_status, 0) << command;
    EXPECT_NE(r.out.find("--json"), std::string::npos) << command;
  }
}

}  // namespace
}  // namespace gatesim::testing
