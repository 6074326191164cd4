// `gatesim device-server --http` on loopback: a real tcp:// camera client takes frames and
// faults from it, and the dashboard's /metrics, parsed by the Prometheus client's own parser
// (python3-prometheus-client), counts exactly what the client got; /api/state says the same.
// g++ 12 -O3: false "potential null pointer dereference" inside Boost.Asio's inlined scheduler.
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "devices/camera.hpp"
#include "devices/device_fault.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/running_device_server.hpp"
#include "tests/support/scratch_folder.hpp"

namespace gatesim::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using DeviceServerDashboard = ScratchFolderTest;

TEST_F(DeviceServerDashboard, MetricsAndStateCountTheFramesAndFaultsARealClientGot) {
  copy("reference/obama.jpg", "frames/a.jpg");
  copy("reference/biden.jpg", "frames/b.jpg");
  write("frames/c.jpg", "not an image");  // a corrupt frame, then the folder's end
  RunningServer server("--camera " + shell_quote("dir:" + (dir_ / "frames").string()) + " --http 127.0.0.1:0");
  ASSERT_TRUE(server.served().contains("http")) << server.served();
  const auto http = server.served()["http"].get<std::string>();  // http://127.0.0.1:PORT/
  const auto port = static_cast<std::uint16_t>(std::stoi(http.substr(http.rfind(':') + 1)));

  const auto page = http_get(port, "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("gatesim · Devices"), std::string::npos) << page.body;
  EXPECT_EQ(http_get(port, "/healthz").status, 200);

  int frames = 0;
  std::map<std::string, int> faults;
  {
    auto camera = devices::open_camera(server.uri());
    camera->open();
    for (int attempt = 0; attempt < 8 && faults["end of stream"] == 0; ++attempt) {
      try {
        const auto frame = camera->read();
        if (!frame.image.empty()) ++frames;
      } catch (const devices::DeviceFault& fault) {
        ++faults[devices::to_string(fault.kind())];
      }
    }
    camera->close();
  }
  ASSERT_EQ(frames, 2);
  ASSERT_EQ(faults["end of stream"], 1) << "the folder's end";
  ASSERT_GE(faults["corrupt"], 1) << "the file that is not an image";

  const auto metrics = http_get(port, "/metrics");
  ASSERT_EQ(metrics.status, 200);
  const auto text = write("metrics.txt", metrics.body);
  const auto parsed = run_shell(concat("/usr/bin/python3 ", GATESIM_SOURCE_DIR, "/tests/support/prometheus_samples.py ",
                                       shell_quote(text.string())));
  ASSERT_EQ(parsed.exit_status, 0) << parsed.err << metrics.body;
  std::map<std::string, double> sample;  // name{kind} -> value
  for (const auto& s : json::parse(parsed.out))
    sample[s["name"].get<std::string>() + (s["labels"].contains("kind") ? "{" + s["labels"]["kind"].get<std::string>() + "}" : "")] =
        s["value"].get<double>();
  EXPECT_EQ(sample["gatesim_device_server_frames_served_total"], frames) << metrics.body;
  for (const auto& [kind, n] : faults) EXPECT_EQ(sample["gatesim_device_server_faults_served_total{" + kind + "}"], n) << kind;
  EXPECT_EQ(sample["gatesim_device_server_faults_served_total{timeout}"], 0);
  EXPECT_GE(sample["gatesim_device_server_requests_total"], frames + faults["corrupt"] + faults["end of stream"]);
  EXPECT_GE(sample["gatesim_device_server_sessions_total"], 1);

  const auto state = json::parse(http_get(port, "/api/state").body);
  EXPECT_EQ(state["frames"], frames) << state;
  EXPECT_EQ(state["faults"]["end of stream"], 1) << state;
  EXPECT_EQ(state["faults"]["corrupt"], faults["corrupt"]) << state;
  EXPECT_EQ(state["served"]["camera"], "dir:" + (dir_ / "frames").string()) << state;
}

TEST_F(DeviceServerDashboard, BeyondLoopbackWithoutATokenItRefusesToStart) {
  copy("reference/obama.jpg", "frames/a.jpg");
  const auto r = run_gatesim({"device-server", "--camera", "dir:" + (dir_ / "frames").string(), "--http", "0.0.0.0:0"});
  EXPECT_EQ(r.exit_status, 2) << r.err;
  EXPECT_NE(r.err.find("--http-token"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace gatesim::testing
