// `gatesim simulate --realtime 100 --live-gate ...` end to end: the real program runs a short
// traced scenario whose one document gate is a real lane (LaneDriver, dlib models, the policy
// engine, an SQLite audit log) on the shipped face images; the lane's decisions and reasons must
// show in travellers.jsonl.
#include <fstream>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gate/audit_log.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/sanitizers.hpp"
#include "tests/support/scratch_folder.hpp"

namespace {

using gatesim::testing::run_gatesim;
using gatesim::testing::test_data;
using nlohmann::json;
namespace fs = std::filesystem;

class LiveGateCommand : public gatesim::testing::ScratchFolderTest {
 protected:
  // A few minutes at Luohu whose one document gate is the live one; arrivals from `trace`.
  fs::path scenario(const std::string& trace, const std::string& extra = "") {
    write("trace.csv", trace);
    return write("scenario.yaml", "name: live\nport: luohu\ndate: 2025-12-01\ndirection: entry\nstart_hour: 8\n"
                                  "duration_hours: 0.05\narrivals: {trace: trace.csv}\n"
                                  "channels: {document_gates: 1, counters: 1}\n" + extra);
  }
  // --live-gate settings with a face window the real pipeline fits in on a loaded machine.
  static std::string lane(std::string settings) {
    return settings + ",face-window=" + gatesim::testing::patient_face_window();
  }
  gatesim::testing::CommandResult simulate(const fs::path& scenario_file, std::vector<std::string> args) {
    std::vector<std::string> all{"simulate", scenario_file.string(), "--out", (dir_ / "out").string()};
    all.insert(all.end(), args.begin(), args.end());
    return run_gatesim(all);
  }
  // travellers.jsonl by traveller number.
  std::map<int, json> travellers() {
    std::map<int, json> out;
    std::ifstream in(dir_ / "out/travellers.jsonl");
    for (std::string line; std::getline(in, line);) {
      auto record = json::parse(line);
      out[record["traveller"].get<int>()] = record;
    }
    return out;
  }
  static std::vector<std::string> reasons(const json& record) { return record["reasons"].get<std::vector<std::string>>(); }
};

// The scenario's faces folder: biden (person 0) and obama (person 1), each enrolled from the
// first image and showing the second at the gate. Traveller n holds person n % 2's permit.
TEST_F(LiveGateCommand, ScriptedFacesThroughTheRealLane) {
  copy("reference/obama.jpg", "faces/obama/1.jpg");
  copy("reference/obama2.jpg", "faces/obama/2.jpg");
  copy("reference/biden.jpg", "faces/biden/1.jpg");
  copy("people/train/biden/biden2.jpg", "faces/biden/2.jpg");
  const auto file = scenario(
      "time,party,age,limited_capacity,impostor\n"
      "0,,35,false,false\n"     // P1: obama's permit and face
      "5,,35,false,false\n"     // P2: biden's
      "10,,35,false,true\n"     // P3: obama's permit, biden's face
      "15,fam,40,false,false\n" // P4: biden, the guardian of
      "15,fam,30,true,false\n"  // P5: obama, of limited capacity: one transaction with P4
      "20,two,40,false,false\n" // P6: biden, the guardian of
      "20,two,30,true,true\n"   // P7: obama's permit, biden's face: referred before P6 steps up
      "25,,35,false,false\n",   // P8: biden; P6's unread chip is not taken for P8's
      "faces: faces\n");
  const auto r = simulate(file, {"--realtime", "100", "--live-gate", lane("camera=faces")});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  const auto t = travellers();
  ASSERT_EQ(t.size(), 8u) << r.out << r.err;
  for (int cleared : {1, 2, 4, 5, 8}) {
    EXPECT_EQ(t.at(cleared)["route"], json::array({"document_gates"})) << t.at(cleared);
    EXPECT_EQ(t.at(cleared)["decision"], "cleared") << t.at(cleared);
    EXPECT_TRUE(reasons(t.at(cleared)).empty()) << t.at(cleared);
    // The lane's evidence: its frames and 1:1 distance, its step times (read at the speed).
    const json& steps = t.at(cleared)["steps"];
    EXPECT_GE(steps["frames"].get<int>(), 1) << t.at(cleared);
    EXPECT_LT(steps["distance"].get<double>(), 0.6) << t.at(cleared);
    EXPECT_GT(steps["face_s"].get<double>(), 0) << t.at(cleared);
    EXPECT_GE(steps["document_s"].get<double>(), 0) << t.at(cleared);
  }
  const json& impostor = t.at(3);
  EXPECT_EQ(impostor["route"], json::array({"document_gates", "counters"})) << impostor;
  EXPECT_EQ(reasons(impostor), std::vector<std::string>{"face.no_match"}) << impostor;
  EXPECT_EQ(impostor["decision"], "refused_entry") << impostor;
  EXPECT_EQ(impostor["steps"]["frames"], 2) << impostor;  // two match attempts, both refused
  EXPECT_GT(impostor["steps"]["distance"].get<double>(), 0.6) << impostor;
  // The ward is named, their guardian goes with them.
  EXPECT_EQ(reasons(t.at(7)), std::vector<std::string>{"face.no_match"}) << t.at(7);
  EXPECT_EQ(reasons(t.at(6)), std::vector<std::string>{"party.member_referred"}) << t.at(6);
  EXPECT_EQ(t.at(6)["route"], json::array({"document_gates", "counters"})) << t.at(6);
  EXPECT_NE(r.err.find("live gate: P3 with obama's permit (an impostor"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("live gate: P5 with obama's permit, then guardian P4 with biden's permit"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("live gate: 6 transactions on the real lane"), std::string::npos) << r.out;

  // The lane's audit log has every transaction, with the simulated holders and the lane's reasons.
  const auto audit = gatesim::gate::AuditLog(dir_ / "out/live-gate-audit.db").records();
  ASSERT_EQ(audit.size(), 6u);
  EXPECT_EQ(audit[0].outcome["holder_id"], "P1");
  EXPECT_EQ(audit[2].decision, "referred");
  EXPECT_EQ(audit[2].outcome["reasons"][0]["code"], "face.no_match");
  EXPECT_GT(audit[2].outcome["people"][0]["distance"].get<double>(), 0.6);
  EXPECT_EQ(audit[3].outcome["holder_id"], "P5");
  EXPECT_EQ(audit[3].outcome["guardian_id"], "P4");
  EXPECT_LT(audit[3].outcome["people"][1]["distance"].get<double>(), 0.6);
  EXPECT_EQ(audit[4].outcome["holder_id"], "P7");
  EXPECT_EQ(audit[4].outcome["people"].size(), 1u) << audit[4].outcome;  // the guardian never stepped up
  EXPECT_EQ(audit[5].outcome["holder_id"], "P8");
  EXPECT_EQ(audit[5].decision, "cleared");
}

// A trace that names each traveller's images: the scripted camera shows the face_image and the
// lane matches it against the enrolled_image (the permit's photo). Without them, the faces
// folder's people (one image each) would stand in: P1 would match one photo against itself (0.07
// through the lane's detector) and P2 would show Biden's face on Biden's permit and pass.
TEST_F(LiveGateCommand, TraceImagesThroughTheRealLane) {
  copy("reference/obama.jpg", "faces/obama/1.jpg");
  copy("reference/biden.jpg", "faces/biden/1.jpg");
  copy("reference/obama.jpg", "photos/obama.jpg");
  copy("reference/obama2.jpg", "photos/obama2.jpg");
  copy("reference/biden.jpg", "photos/biden.jpg");
  const auto file = scenario(
      "time,age,face_image,enrolled_image\n"
      "0,35,photos/obama2.jpg,photos/obama.jpg\n"  // P1: Obama on his own permit
      "5,35,photos/obama2.jpg,photos/biden.jpg\n",  // P2: Obama on Biden's permit
      "faces: faces\n");
  const auto r = simulate(file, {"--realtime", "100", "--live-gate", lane("camera=faces")});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  const auto t = travellers();
  ASSERT_EQ(t.size(), 2u) << r.out << r.err;
  EXPECT_EQ(t.at(1)["decision"], "cleared") << t.at(1);
  EXPECT_EQ(t.at(1)["route"], json::array({"document_gates"})) << t.at(1);
  EXPECT_GT(t.at(1)["steps"]["distance"].get<double>(), 0.2) << t.at(1);  // two photos (0.35), not one twice
  EXPECT_LT(t.at(1)["steps"]["distance"].get<double>(), 0.6) << t.at(1);
  EXPECT_EQ(reasons(t.at(2)), std::vector<std::string>{"face.no_match"}) << t.at(2);
  EXPECT_EQ(t.at(2)["route"], json::array({"document_gates", "counters"})) << t.at(2);
  EXPECT_GT(t.at(2)["steps"]["distance"].get<double>(), 0.6) << t.at(2);
  EXPECT_NE(r.err.find("live gate: P1 with the permit photo obama.jpg, showing obama2.jpg"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("live gate: P2 with the permit photo biden.jpg, showing obama2.jpg"), std::string::npos) << r.err;
}

// An enrolment database of one holder, a dir: camera unplugged at its first frame and a
// simulated fingerprint reader: the first traveller is referred with the device fault, the lane
// recovers and the others pass all steps.
TEST_F(LiveGateCommand, EnrolmentDatabaseDirCameraWithAFaultAndAFingerprintReader) {
  const auto photo = copy("reference/obama.jpg", "obama.jpg");
  const auto db = dir_ / "enrol.db";
  const auto enrolled = run_gatesim({"enroll", "--db", db.string(), "--id", "obama", photo.string()});
  ASSERT_EQ(enrolled.exit_status, 0) << enrolled.err;
  copy("reference/obama2.jpg", "frames/01.jpg");
  copy("reference/obama3.jpg", "frames/02.jpg");
  const auto file = scenario("time\n0\n5\n10\n", "steps: {fingerprint: true}\n");
  const std::string camera = "dir:" + (dir_ / "frames").string() + "#faults=disconnect@0,reconnect=1";
  const auto r = simulate(file, {"--realtime", "100", "--live-gate",
                                 lane("camera=" + camera + ",db=" + db.string() + ",fingerprint=sim:match:0.9,match:0.9,audit=" +
                                      (dir_ / "lane.db").string())});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  const auto t = travellers();
  ASSERT_EQ(t.size(), 3u) << r.out << r.err;
  EXPECT_EQ(t.at(1)["route"], json::array({"document_gates", "counters"})) << t.at(1);
  EXPECT_EQ(reasons(t.at(1)), std::vector<std::string>{"device.camera"}) << t.at(1);
  EXPECT_EQ(t.at(2)["decision"], "cleared") << t.at(2);
  EXPECT_EQ(t.at(3)["decision"], "cleared") << t.at(3);
  const auto audit = gatesim::gate::AuditLog(dir_ / "lane.db").records();
  ASSERT_EQ(audit.size(), 3u);
  EXPECT_EQ(audit[1].outcome["people"][0]["fingerprint_matched"], true) << audit[1].outcome;
  EXPECT_FALSE(fs::exists(dir_ / "out/live-gate-audit.db"));
}

// The scripted camera meets an image it cannot decode: the lane stops, and so does the run, with
// the file named (exit 2), once the lane has been closed.
TEST_F(LiveGateCommand, AnUnreadableFrameStopsTheRunNamingTheFile) {
  copy("reference/obama.jpg", "faces/obama/1.jpg");
  const auto broken = write("faces/obama/2.jpg", "not a JPEG");
  copy("reference/biden.jpg", "faces/biden/1.jpg");
  const auto file = scenario("time\n0\n", "faces: faces\n");  // P1: obama
  const auto r = simulate(file, {"--realtime", "100", "--live-gate", lane("camera=faces")});
  EXPECT_EQ(r.exit_status, 2) << r.err;
  const std::string last = r.err.substr(r.err.rfind('\n', r.err.size() - 2) + 1);
  EXPECT_EQ(last.rfind("gatesim: " + broken.string() + ": ", 0), 0u) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "out/summary.json"));
}

// A trace's permit photo that cannot be read stops the run before it starts (the live gate
// analyses the trace's photos when it is set up), naming the option and the file.
TEST_F(LiveGateCommand, AnUnreadablePermitPhotoIsNamedBeforeTheRun) {
  copy("reference/obama.jpg", "faces/obama/1.jpg");
  copy("reference/biden.jpg", "faces/biden/1.jpg");
  copy("reference/obama2.jpg", "photos/obama2.jpg");
  const auto broken = write("photos/permit.jpg", "not a JPEG");
  const auto file = scenario("time,age,face_image,enrolled_image\n0,35,photos/obama2.jpg,photos/permit.jpg\n",
                             "faces: faces\n");
  const auto r = simulate(file, {"--realtime", "100", "--live-gate", lane("camera=faces")});
  EXPECT_EQ(r.exit_status, 2) << r.err;
  const std::string last = r.err.substr(r.err.rfind('\n', r.err.size() - 2) + 1);
  EXPECT_EQ(last.rfind("gatesim: --live-gate ", 0), 0u) << r.err;
  EXPECT_NE(last.find(broken.string() + ": not a readable image"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "out/summary.json"));
}

TEST_F(LiveGateCommand, BadValuesAreOneClearLineAndExitTwo) {
  copy("reference/obama.jpg", "faces/obama/1.jpg");
  copy("reference/biden.jpg", "faces/biden/1.jpg");
  const auto with_faces = scenario("time\n0\n", "faces: faces\n");
  const auto without_faces = write("plain.yaml", "name: plain\nport: luohu\nduration_hours: 0.05\n"
                                                 "channels: {document_gates: 1, counters: 1}\n");
  const auto fingerprints = write("fingerprints.yaml", "name: fp\nport: luohu\nduration_hours: 0.05\nfaces: faces\n"
                                                       "steps: {fingerprint: true}\n");
  struct Case {
    fs::path scenario;
    std::vector<std::string> args;
    std::string message;
  };
  const std::string missing = (dir_ / "missing.db").string();
  for (const auto& c : std::vector<Case>{
           {with_faces, {"--live-gate", "camera=faces"}, "--live-gate needs --realtime SPEED"},
           {with_faces, {"--realtime", "100", "--live-gate", "colour=red"},
            "--live-gate colour=red: expected KEY=VALUE,... with KEY one of audit, camera, db,"},
           {with_faces, {"--realtime", "100", "--live-gate", "camera=faces,face-window=0"},
            "--live-gate camera=faces,face-window=0: face-window: Value 0 not in range"},
           {with_faces, {"--realtime", "100", "--live-gate", "camera=faces,max-face-frames=many"}, "max-face-frames"},
           {with_faces, {"--realtime", "100", "--live-gate", "db=" + missing}, "camera= is required"},
           {with_faces, {"--realtime", "100", "--live-gate", "camera=webcam:0"}, "--live-gate camera=webcam:0: --camera webcam:0: unknown kind 'webcam'"},
           {with_faces, {"--realtime", "100", "--live-gate", "camera=dir:" + (dir_ / "faces/obama").string() + ",db=" + missing}, "missing.db: no such enrolment database"},
           {with_faces, {"--realtime", "100", "--live-gate", "camera=faces,db=" + missing}, "the scripted camera shows the faces folder's people"},
           {without_faces, {"--realtime", "100", "--live-gate", "camera=faces"}, "no one to stand for the simulated travellers"},
           {fingerprints, {"--realtime", "100", "--live-gate", "camera=faces"}, "the live gate needs a fingerprint reader"},
       }) {
    const auto r = simulate(c.scenario, c.args);
    EXPECT_EQ(r.exit_status, 2) << c.message << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

}  // namespace
