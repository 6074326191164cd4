// `gatesim simulate --realtime 100 --live-gate ... --http` end to end: the live gate's lane (a
// real LaneDriver on the scripted faces camera, real dlib models) is shown on the Port page
// beside the hall, drawn by the Lanes page's own view code (lane_view.js): its step, camera view,
// and last transactions with their decisions and reasons, checked in the DOM headless Chromium
// rendered; with --http-frames its camera frame is served as a JPEG, without it not.
// g++ 12 -O3: false "potential null pointer dereference" inside Boost.Asio's inlined scheduler.
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "tests/support/headless_chromium.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/running_program.hpp"
#include "tests/support/sanitizers.hpp"
#include "tests/support/scratch_folder.hpp"

namespace gatesim::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kArtefacts = GATESIM_TEST_ARTEFACTS;

class LiveGateDashboard : public ScratchFolderTest {
 protected:
  // Luohu for a few minutes, its one document gate the live one, on the faces folder of Obama
  // and Biden: P1 Obama, cleared; P2 Biden, cleared; P3 an impostor on Obama's permit showing
  // Biden's face, referred (face.no_match).
  std::vector<std::string> simulate(const std::vector<std::string>& more) {
    copy("reference/obama.jpg", "faces/obama/1.jpg");
    copy("reference/obama2.jpg", "faces/obama/2.jpg");
    copy("reference/biden.jpg", "faces/biden/1.jpg");
    copy("people/train/biden/biden2.jpg", "faces/biden/2.jpg");
    write("trace.csv", "time,party,age,limited_capacity,impostor\n0,,35,false,false\n5,,35,false,false\n10,,35,false,true\n");
    const auto scenario = write("scenario.yaml", "name: live\nport: luohu\ndate: 2025-12-01\ndirection: entry\nstart_hour: 8\n"
                                                 "duration_hours: 0.05\narrivals: {trace: trace.csv}\n"
                                                 "channels: {document_gates: 1, counters: 1}\nfaces: faces\n");
    std::vector<std::string> args = {"simulate", scenario.string(), "--out", (dir_ / "out").string(), "--realtime", "100",
                                     "--live-gate", "camera=faces,face-window=" + patient_face_window(), "--http", "127.0.0.1:0"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }
  static std::uint16_t port_of(RunningProgram& program) {
    const auto port = program.wait_for_stderr("http: dashboard at http://127\\.0\\.0\\.1:([0-9]+)/");
    return port.empty() ? 0 : static_cast<std::uint16_t>(std::stoi(port));
  }
};

TEST_F(LiveGateDashboard, ThePortPageShowsTheLiveGatesLaneBesideTheHall) {
  ASSERT_TRUE(chromium_installed()) << kChromiumMissing;
  RunningProgram program(simulate({}), dir_);
  const auto port = port_of(program);
  ASSERT_NE(port, 0) << program.err();
  ASSERT_FALSE(program.wait_for_stderr("http: the run is over").empty()) << program.err();

  // The state: the port's figures and the live lane as the Lanes page's state has it.
  const auto state = json::parse(http_get(port, "/api/state").body);
  EXPECT_EQ(state["kind"], "port");
  ASSERT_EQ(state["lanes"].size(), 1u) << state;
  const json& lane = state["lanes"][0];
  EXPECT_EQ(lane["name"], "live-gate");
  EXPECT_EQ(lane["transactions"], 3) << lane;
  EXPECT_EQ(lane["cleared"], 2) << lane;
  EXPECT_EQ(lane["referred"], 1) << lane;
  ASSERT_EQ(lane["recent"].size(), 3u) << lane;
  const json& referred = lane["recent"][0];  // newest first: P3
  EXPECT_EQ(referred["decision"], "referred") << referred;
  EXPECT_EQ(referred["holder_id"], "P3") << referred;
  EXPECT_EQ(referred["reasons"][0]["code"], "face.no_match") << referred;
  EXPECT_FALSE(lane["frame"].is_null()) << "the lane's analysed frames (boxes and scores) are in the state: " << lane;
  EXPECT_FALSE(lane.contains("frame_url")) << "a frame address without --http-frames: " << lane;
  EXPECT_EQ(http_get(port, "/frame/live-gate.jpg").status, 404);

  // The page: the hall and, beside it, the lane drawn by the Lanes view (its section, its
  // transactions with decisions and reasons, its camera canvas).
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  constexpr const char* live = "id=\"connection\" class=\"connection\">live<";
  auto dom = run_chromium("--dump-dom", url, dir_ / "profile-dom");
  for (int attempt = 1; attempt < 4 && dom.out.find(live) == std::string::npos; ++attempt)
    dom = run_chromium("--dump-dom", url, dir_ / "profile-dom");
  EXPECT_EQ(dom.exit_status, 0) << dom.err;
  const auto& page = dom.out;
  EXPECT_NE(page.find("id=\"hall\""), std::string::npos) << page;
  const auto section = page.find("id=\"lane-live-gate\"");
  ASSERT_NE(section, std::string::npos) << "no live lane on the Port page: " << page;
  const auto lane_part = page.substr(section);
  EXPECT_NE(lane_part.find("Lane live-gate · document channel"), std::string::npos) << lane_part;
  EXPECT_NE(lane_part.find("<canvas class=\"frame\" data-lane=\"live-gate\""), std::string::npos) << lane_part;
  int cleared = 0, refused = 0;
  for (auto at = lane_part.find("class=\"transaction\" data-decision=\""); at != std::string::npos;
       at = lane_part.find("class=\"transaction\" data-decision=\"", at + 1)) {
    const auto decision = lane_part.substr(at + 35, 8);
    cleared += decision == "cleared\"";
    refused += decision == "referred";
  }
  EXPECT_EQ(cleared, 2) << lane_part;
  EXPECT_EQ(refused, 1) << lane_part;
  EXPECT_NE(lane_part.find("face.no_match: "), std::string::npos) << lane_part;
  EXPECT_NE(page.find("id=\"run-state\">finished<"), std::string::npos) << page;

  fs::create_directories(kArtefacts);
  const auto shot = kArtefacts / "port-live-gate.png";
  fs::remove(shot);
  const auto r = run_chromium("--screenshot=" + shot.string(), url, dir_ / "profile-shot");
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_TRUE(fs::exists(shot) && fs::file_size(shot) > 1000) << shot << ": " << r.err;
  EXPECT_EQ(program.stop(), 0) << program.err();
}

TEST_F(LiveGateDashboard, WithHttpFramesTheLiveLanesFrameIsServedAsAJpeg) {
  RunningProgram program(simulate({"--http-frames"}), dir_);
  const auto port = port_of(program);
  ASSERT_NE(port, 0) << program.err();
  ASSERT_FALSE(program.wait_for_stderr("http: the run is over").empty()) << program.err();
  const auto state = json::parse(http_get(port, "/api/state").body);
  ASSERT_EQ(state["lanes"].size(), 1u) << state;
  EXPECT_EQ(state["lanes"][0]["frame_url"], "/frame/live-gate.jpg") << state;
  const auto jpeg = http_get(port, "/frame/live-gate.jpg");
  ASSERT_EQ(jpeg.status, 200) << jpeg.head;
  EXPECT_NE(jpeg.head.find("Content-Type: image/jpeg"), std::string::npos) << jpeg.head;
  const cv::Mat image = cv::imdecode(std::vector<unsigned char>(jpeg.body.begin(), jpeg.body.end()), cv::IMREAD_COLOR);
  EXPECT_FALSE(image.empty()) << "not a JPEG";
  EXPECT_EQ(image.cols, state["lanes"][0]["frame"]["width"].get<int>());
  EXPECT_EQ(program.stop(), 0) << program.err();
}

TEST_F(LiveGateDashboard, HttpFramesWithoutALiveGateOrHttpIsRefused) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"simulate", "nowhere.yaml", "--http", "127.0.0.1:0", "--http-frames"},
                                                std::vector<std::string>{"simulate", "nowhere.yaml", "--realtime", "10", "--live-gate",
                                                                         "camera=faces", "--http-frames"}}) {
    const auto r = run_gatesim(args);
    EXPECT_EQ(r.exit_status, 2) << r.err;
    EXPECT_EQ(r.err, "gatesim: --http-frames needs --http HOST:PORT and --live-gate (the frames are the live lanes' cameras')\n");
  }
}

}  // namespace
}  // namespace gatesim::testing
