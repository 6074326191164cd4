// `gatesim gate` end to end: the real program on image folders and the shipped video.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/run_command.hpp"

namespace {

using gatesim::testing::run_gatesim;
using gatesim::testing::test_data;
namespace fs = std::filesystem;

// Built piece by piece: g++ 12 warns falsely (-Wrestrict) about "literal" + std::string&&.
std::string uri(const char* scheme, const fs::path& where) {
  std::string text = scheme;
  text += ':';
  text += where.string();
  return text;
}

class GateCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "gatesim-gate-XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path copy(const std::string& from, const fs::path& to) {
    fs::create_directories((dir_ / to).parent_path());
    fs::copy_file(test_data("faces/" + from), dir_ / to);
    return dir_ / to;
  }
  fs::path write(const fs::path& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  std::vector<nlohmann::json> lines(const std::string& out) {
    std::vector<nlohmann::json> parsed;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) parsed.push_back(nlohmann::json::parse(line));
    return parsed;
  }
  fs::path dir_;
};

TEST_F(GateCommand, DocumentChannelOnAnImageFolder) {
  copy("reference/obama.jpg", "enrol/obama/1.jpg");
  copy("reference/biden.jpg", "enrol/biden/1.jpg");
  copy("scenes/dogs.jpg", "frames/01.jpg");  // nobody in front of the camera yet
  copy("reference/obama2.jpg", "frames/02.jpg");
  copy("reference/biden.jpg", "frames/03.jpg");
  copy("examples/two_people.jpg", "frames/04.jpg");
  const auto documents = write("documents.jsonl",
                               R"({"holder_id": "obama", "document_number": "C01"})"
                               "\n"
                               R"({"holder_id": "obama", "document_number": "C01"})"
                               "\n"
                               R"({"holder_id": "biden", "document_number": "C02", "verdict": {"eligible": false, )"
                               R"("reasons": [{"code": "M3.consent", "detail": "no consent"}]}})"
                               "\n");
  const auto audit = dir_ / "audit.db";
  const auto r = run_gatesim({"gate", "--port", "shenzhen-bay", "--camera", uri("dir", dir_ / "frames"),
                              "--enrolled", (dir_ / "enrol").string(), "--documents", documents.string(), "--audit",
                              audit.string(), "--json"});
  EXPECT_EQ(r.exit_status, 1) << r.err;  // someone was referred
  const auto out = lines(r.out);
  ASSERT_EQ(out.size(), 3u) << r.out;
  EXPECT_EQ(out[0]["decision"], "cleared");
  EXPECT_EQ(out[0]["holder_id"], "obama");
  EXPECT_EQ(out[0]["people"][0]["frames_rejected"], 1);
  EXPECT_LT(out[0]["people"][0]["distance"].get<double>(), 0.6);
  // Obama's permit, Biden's face, then two faces: no match on the first try, tailgating next.
  EXPECT_EQ(out[1]["reasons"][0]["code"], "tailgating");
  EXPECT_TRUE(out[1]["alarm"].get<bool>());
  EXPECT_NE(r.err.find("ALARM: tailgating"), std::string::npos);
  EXPECT_EQ(out[2]["reasons"][0]["code"], "M3.consent");
  EXPECT_EQ(out[2]["people"][0]["frames"], 0) << "refused before any capture";
  EXPECT_TRUE(fs::exists(audit));
}

TEST_F(GateCommand, DocumentFreeChannelOnTheShippedVideo) {
  copy("examples/lin-manuel-miranda.png", "enrol/lin-manuel-miranda/1.png");
  copy("examples/alex-lacamoire.png", "enrol/alex-lacamoire/1.png");
  copy("reference/obama.jpg", "enrol/obama/1.jpg");
  const auto r = run_gatesim({"gate", "--camera", uri("file", test_data("faces/examples/short_hamilton_clip.mp4")),
                              "--enrolled", (dir_ / "enrol").string(), "--audit", (dir_ / "audit.db").string(),
                              "--json"});
  EXPECT_EQ(r.exit_status, 1) << r.err;
  int cleared = 0;
  for (const auto& t : lines(r.out)) {
    EXPECT_EQ(t["channel"], "document_free");
    if (t["decision"] == "cleared") {
      ++cleared;
      EXPECT_EQ(t["holder_id"], "lin-manuel-miranda");
      EXPECT_LT(t["people"][0]["distance"].get<double>(), 0.5);
      EXPECT_GE(t["people"][0]["second_distance"].get<double>() - t["people"][0]["distance"].get<double>(), 0.08);
    } else {
      EXPECT_FALSE(t["reasons"].empty());
    }
  }
  EXPECT_GT(cleared, 0) << r.out;
}

TEST_F(GateCommand, BadInputIsOneClearLineAndExitTwo) {
  copy("reference/obama.jpg", "enrol/obama/1.jpg");
  copy("reference/obama2.jpg", "frames/1.jpg");
  const std::string enrol = (dir_ / "enrol").string(), frames = uri("dir", dir_ / "frames");
  const std::string audit = (dir_ / "audit.db").string();
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const auto bad_json = write("bad.jsonl", "{\"holder_id\": \"obama\", \"document_number\": \"C1\"}\n{\"holder_id\": 7}\n");
  const auto no_face = copy("scenes/dogs.jpg", "enrol2/dog/1.jpg");
  for (const auto& c : std::vector<Case>{
           {{"--camera", "webcam:0", "--enrolled", enrol}, "unknown kind 'webcam'"},
           {{"--camera", uri("dir", dir_ / "nothing"), "--enrolled", enrol}, "no such folder"},
           {{"--camera", frames, "--enrolled", enrol, "--documents", bad_json.string()}, "bad.jsonl:2: "},
           {{"--camera", frames, "--enrolled", (dir_ / "enrol2").string()}, "1.jpg: 0 faces found"},
           {{"--camera", frames, "--enrolled", enrol, "--port", "Shenzhen Bay"}, "--port Shenzhen Bay"},
       }) {
    std::string command = gatesim::testing::shell_quote(GATESIM_BINARY) + " gate --audit " +
                          gatesim::testing::shell_quote(audit);
    for (const auto& a : c.args) {
      command += ' ';
      command += gatesim::testing::shell_quote(a);
    }
    const auto r = gatesim::testing::run_shell(command);
    EXPECT_EQ(r.exit_status, 2) << command << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

}  // namespace
