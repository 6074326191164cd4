// `gatesim gate` with a bank of lanes in one process (--lane, --bank): the real program on image
// folders (dir: cameras), one enrolment database and one audit file for the bank.
#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gate/audit_log.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/sanitizers.hpp"
#include "tests/support/scratch_folder.hpp"
#include "tests/support/traveller_records.hpp"

namespace {

using gatesim::testing::hong_kong_resident;
using gatesim::testing::run_gatesim;
using nlohmann::json;
namespace fs = std::filesystem;

class GateBank : public gatesim::testing::ScratchFolderTest {
 protected:
  void SetUp() override {
    ScratchFolderTest::SetUp();
    for (const std::string id : {"obama", "biden"}) {
      const auto record = write(id + ".json", hong_kong_resident(id).dump());
      const auto r = run_gatesim({"enroll", "--db", db(), "--id", id, "--record", record.string(), "faces/reference/" + id + ".jpg"});
      ASSERT_EQ(r.exit_status, 0) << r.err;
    }
  }
  std::string db() const { return (dir_ / "enrol.db").string(); }
  std::string audit() const { return (dir_ / "audit.db").string(); }
  // `gatesim gate --json` with the bank's shared flags and `args`. Without liveness unless
  // `args` say --liveness: each traveller is one still photo, which the program's default
  // liveness check would refer (too few frames).
  gatesim::testing::CommandResult gate(std::vector<std::string> args) {
    std::vector<std::string> all{"gate", "--json", "--db", db(), "--audit", audit(), "--port", "shenzhen-bay", "--date",
                                 "2026-11-27", "--face-window", gatesim::testing::patient_face_window()};
    if (std::find(args.begin(), args.end(), "--liveness") == args.end()) all.insert(all.end(), {"--liveness", "off"});
    all.insert(all.end(), args.begin(), args.end());
    return run_gatesim(all);
  }
  std::string camera(const std::string& folder) const { return "camera=dir:" + (dir_ / folder).string(); }
  static std::vector<json> lines(const std::string& out) {
    std::vector<json> parsed;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) parsed.push_back(json::parse(line));
    return parsed;
  }
  // Each lane's decisions by holder, in its order.
  static std::map<std::string, std::vector<std::string>> by_lane(const std::vector<json>& out) {
    std::map<std::string, std::vector<std::string>> lanes;
    for (const auto& t : out) lanes[t.at("lane")].push_back(t.at("holder_id").get<std::string>() + " " + t.at("decision").get<std::string>());
    return lanes;
  }
  void two_lanes_of_travellers() {
    copy("reference/obama3.jpg", "east/01.jpg");
    copy("people/train/kit_harington/john1.jpeg", "east/02.jpg");  // not enrolled
    copy("reference/biden.jpg", "west/01.jpg");
  }
};

TEST_F(GateBank, TwoLanesFromLaneFlagsShareTheGalleryAndTheAuditFile) {
  two_lanes_of_travellers();
  const auto r = gate({"--passback", "0", "--passage", "none", "--lane", "name=east," + camera("east"), "--lane",
                       "name=west," + camera("west")});
  EXPECT_EQ(r.exit_status, 1) << r.err;  // the stranger is referred
  const auto out = lines(r.out);
  ASSERT_EQ(out.size(), 3u) << r.out << r.err;
  const auto lanes = by_lane(out);
  EXPECT_EQ(lanes.at("east"), (std::vector<std::string>{"obama cleared", " referred"})) << r.out;
  EXPECT_EQ(lanes.at("west"), (std::vector<std::string>{"biden cleared"})) << r.out;
  // Each lane's devices speak with the lane's name.
  EXPECT_NE(r.err.find("lane west: barrier: open"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("lane east: barrier: open"), std::string::npos) << r.err;
  // One audit file, the lane a column.
  std::map<std::string, int> rows;
  for (const auto& record : gatesim::gate::AuditLog(audit()).records()) ++rows[record.lane];
  EXPECT_EQ(rows, (std::map<std::string, int>{{"east", 2}, {"west", 1}}));
}

TEST_F(GateBank, ABankFileGivesTheSameLanesAndAKeyNotGivenTakesTheFlag) {
  two_lanes_of_travellers();
  const auto bank = write("bank.yaml", "lanes:\n  - name: east\n    camera: dir:" + (dir_ / "east").string() +
                                           "\n  - name: west\n    camera: dir:" + (dir_ / "west").string() +
                                           "\n    passage: none\n");
  // east takes --passage none from the flag; west gives its own.
  const auto r = gate({"--passback", "0", "--passage", "none", "--bank", bank.string()});
  EXPECT_EQ(r.exit_status, 1) << r.err;
  const auto lanes = by_lane(lines(r.out));
  EXPECT_EQ(lanes.at("east"), (std::vector<std::string>{"obama cleared", " referred"})) << r.out;
  EXPECT_EQ(lanes.at("west"), (std::vector<std::string>{"biden cleared"})) << r.out;
}

TEST_F(GateBank, AHolderClearedAtOneLaneIsRefusedAtTheOtherWithinTheWindow) {
  // Both lanes see Obama; whichever clears him first, the other refuses him (gate.passback,
  // naming the lane that cleared), told in process: the same run, not a restart.
  copy("reference/obama3.jpg", "east/01.jpg");
  copy("reference/obama2.jpg", "west/01.jpg");
  const auto r = gate({"--passage", "none", "--lane", "name=east," + camera("east"), "--lane", "name=west," + camera("west")});
  const auto out = lines(r.out);
  ASSERT_EQ(out.size(), 2u) << r.out << r.err;
  std::vector<std::string> decisions{out[0]["decision"], out[1]["decision"]};
  EXPECT_EQ(decisions, (std::vector<std::string>{"cleared", "referred"})) << r.out;
  ASSERT_FALSE(out[1]["reasons"].empty()) << out[1];
  EXPECT_EQ(out[1]["reasons"][0]["code"], "gate.passback") << out[1];
  EXPECT_NE(out[1]["reasons"][0]["detail"].get<std::string>().find("lane " + out[0]["lane"].get<std::string>() + " #1"),
            std::string::npos)
      << out[1];
}

TEST_F(GateBank, BadLanesAreNamedByFileLineAndKey) {
  const auto bad = [&](std::vector<std::string> args, const std::string& expected) {
    const auto r = gate(std::move(args));
    EXPECT_EQ(r.exit_status, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(expected), std::string::npos) << "expected '" << expected << "' in: " << r.err;
  };
  const auto file = [&](const std::string& text) { return write("bank.yaml", text).string(); };
  const std::string cam = "dir:" + dir_.string();
  bad({"--bank", file("lanes:\n  - name: a\n    camera: " + cam + "\n    frobnicate: 3\n")},
      "bank.yaml:4: lanes[0].frobnicate: unknown key");
  bad({"--bank", file("lanes:\n  - camera: " + cam + "\n    passage-clear: soon\n")}, "bank.yaml:3: lanes[0].passage-clear:");
  bad({"--bank", file("lanes:\n  - camera: " + cam + "\n    db: other.db\n")}, "bank.yaml:3: lanes[0].db: db belongs to the bank");
  bad({"--bank", file("lanes:\n  - name: a\n    camera: " + cam + "\n  - name: a\n    camera: " + cam + "\n")},
      "lane name a is used twice");
  bad({"--bank", file("lanes: [\n")}, "bank.yaml:");
  bad({"--bank", file("lane:\n  - camera: x\n")}, "bank.yaml:1: expected a map with `lanes:`");
  bad({"--lane", "name=a,audit=x.db," + std::string("camera=") + cam}, "audit belongs to the bank");
  bad({"--lane", "name=a,liveness=sometimes,camera=" + cam}, "--lane name=a,liveness=sometimes");
  bad({"--lane", "name=a"}, "lane a: no camera");
  bad({"--lane", "name=../x,camera=" + cam}, "name: expected a lane name of 1 to 64 letters");
  bad({"--bank", file("lanes:\n  - name: two words\n    camera: " + cam + "\n")}, "bank.yaml:2: lanes[0].name: expected a lane name");
  bad({"--lane", "camera=" + cam, "--show"}, "--show shows one lane");
}

}  // namespace
