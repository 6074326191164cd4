// LaneDashboard in-process, on a real MetricsRegistry: what a lane's outcomes put in /metrics and
// in the Lanes page's state. (tests/apps/dashboard_command_test.cpp runs the whole program.)
#include "apps/gatesim/lane_dashboard.hpp"

#include <array>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "devices/device_fault.hpp"

namespace gatesim::app {
namespace {

using devices::FaultKind;
using namespace std::chrono_literals;

constexpr std::array kKinds{FaultKind::disconnected, FaultKind::timeout, FaultKind::corrupt, FaultKind::end_of_stream};

double device_faults(web::MetricsRegistry& metrics, const std::string& device, const std::string& kind) {
  return metrics
      .counter("gatesim_device_faults_total", "Device faults recorded with transactions",
               {{"lane", "1"}, {"device", device}, {"kind", kind}})
      .value();
}

// Each kind reaches gatesim_device_faults_total under its own label, whatever the fault's text
// says: every text here names another kind the way a DeviceFault's what() does
// ("<device>: <kind>: <detail>"), so a dashboard reading the kind from the text would count each
// fault under the wrong label.
TEST(LaneDashboard, EachFaultKindIsCountedByTheKindItCarriesNotByItsText) {
  web::MetricsRegistry metrics;
  LaneDashboard dashboard(metrics, "shenzhen-bay", false);
  const auto lane = dashboard.add_lane("1", gate::Channel::document);
  gate::TransactionOutcome o;
  o.transaction = 1;
  o.decision = gate::Decision::referred;
  o.reasons = {gate::Reason::fault(gate::Device::document_reader, "see the faults")};
  for (std::size_t i = 0; i < kKinds.size(); ++i) {
    // One word for all but one, so that the text's kinds are not merely the labels permuted.
    const FaultKind other = kKinds[i] == FaultKind::corrupt ? FaultKind::timeout : FaultKind::corrupt;
    o.device_faults.push_back({gate::Device::document_reader, kKinds[i],
                               "document_reader: " + devices::to_string(other) + ": injected", 1s});
  }
  dashboard.outcome(lane, o);

  for (std::size_t i = 0; i < kKinds.size(); ++i)
    EXPECT_EQ(device_faults(metrics, "document_reader", devices::to_string(kKinds[i])), 1) << devices::to_string(kKinds[i]);
  EXPECT_EQ(metrics.text().find("kind=\"other\""), std::string::npos) << metrics.text();

  const auto state = dashboard.state();
  const auto& faults = state["lanes"][0]["faults"];
  ASSERT_EQ(faults.size(), kKinds.size()) << state;
  // Newest first: the outcome's last fault heads the list.
  for (std::size_t i = 0; i < kKinds.size(); ++i) {
    const auto& f = faults[kKinds.size() - 1 - i];
    EXPECT_EQ(f["kind"], devices::to_string(kKinds[i])) << f;
    EXPECT_EQ(f["device"], "document_reader");
    EXPECT_EQ(f["transaction"], 1);
  }
  EXPECT_EQ(state["lanes"][0]["fault_count"], kKinds.size());
}

// The same fault kind on two devices, and twice on one: one series per device and kind, counted.
TEST(LaneDashboard, FaultsAreCountedPerDeviceAndKindAcrossTransactions) {
  web::MetricsRegistry metrics;
  LaneDashboard dashboard(metrics, "shenzhen-bay", false);
  const auto lane = dashboard.add_lane("1", gate::Channel::document);
  for (std::uint64_t t = 1; t <= 2; ++t) {
    gate::TransactionOutcome o;
    o.transaction = t;
    o.decision = gate::Decision::referred;
    o.device_faults = {{gate::Device::camera, FaultKind::timeout, "stalled: no frame for 5 s", 1s}};
    if (t == 2) o.device_faults.push_back({gate::Device::fingerprint_reader, FaultKind::timeout, "sim: timeout: scripted", 2s});
    dashboard.outcome(lane, o);
  }
  EXPECT_EQ(device_faults(metrics, "camera", "timeout"), 2);
  EXPECT_EQ(device_faults(metrics, "fingerprint_reader", "timeout"), 1);
  EXPECT_EQ(device_faults(metrics, "camera", "disconnected"), 0);
}

double series_value(web::MetricsRegistry& metrics, const std::string& name, const web::Labels& labels) {
  return metrics.counter(name, "", labels).value();
}

gate::FrameView green_frame() {
  gate::FrameView view;
  view.frame = cv::Mat(480, 640, CV_8UC3, cv::Scalar(30, 200, 10));
  view.faces.push_back({{600, 100, 700, 200}, 1.0, {}});  // runs off the frame's right edge
  view.quality = biometrics::FaceQuality{100, 40, 90, 120, 25, false, {"yaw 25 deg", "too small"}};
  view.distance = 0.5;
  view.liveness = biometrics::LivenessMeasurements{4, 0.8125, std::nullopt, false, std::nullopt};
  return view;
}

// What the page draws of the latest frame, built from what frame() kept: the box clipped to the
// frame, the first quality reason, the score and the liveness line.
TEST(LaneDashboard, TheStateDescribesTheLatestFrame) {
  web::MetricsRegistry metrics;
  LaneDashboard dashboard(metrics, "shenzhen-bay", false);
  const auto lane = dashboard.add_lane("1", gate::Channel::document);
  EXPECT_TRUE(dashboard.state()["lanes"][0]["frame"].is_null()) << "no frame yet";
  dashboard.frame(lane, green_frame());
  const auto state = dashboard.state();
  const auto& frame = state["lanes"][0]["frame"];
  EXPECT_EQ(frame, nlohmann::json::parse(R"({"width": 640, "height": 480, "role": "traveller", "faces": [[600, 100, 639, 200]],
      "quality_ok": false, "quality_reason": "yaw 25 deg", "distance": 0.5, "liveness": "4 frames, passive 0.81"})"))
      << frame;
  EXPECT_FALSE(state["lanes"][0].contains("frame_url")) << "frames stay in the process without --http-frames";
  EXPECT_FALSE(dashboard.frame_jpeg(lane));
  EXPECT_EQ(series_value(metrics, "gatesim_frame_updates_total", {{"lane", "1"}}), 1);
}

// The analyser's landmarks go with their face boxes, in the faces' order (a tenth of a pixel);
// a face found without them (the boxes-only pass) has null.
TEST(LaneDashboard, TheStateCarriesEachFacesLandmarks) {
  web::MetricsRegistry metrics;
  LaneDashboard dashboard(metrics, "shenzhen-bay", false);
  const auto lane = dashboard.add_lane("1", gate::Channel::document);
  auto view = green_frame();
  view.faces.push_back({{100, 120, 220, 260}, 1.0, {{{130.04, 170}, {150, 170.26}, {200, 171}, {180, 170}, {165, 225.56}}}});
  dashboard.frame(lane, view);
  const auto frame = dashboard.state()["lanes"][0]["frame"];
  EXPECT_EQ(frame["faces"], nlohmann::json::parse("[[600, 100, 639, 200], [100, 120, 220, 260]]")) << frame;
  EXPECT_EQ(frame["landmarks"], nlohmann::json::parse("[null, [[130, 170], [150, 170.3], [200, 171], [180, 170], [165, 225.6]]]"))
      << frame;
  dashboard.frame(lane, green_frame());
  EXPECT_FALSE(dashboard.state()["lanes"][0]["frame"].contains("landmarks")) << "no face with landmarks, no list";
}

// --http-frames: frame() keeps a copy of the frame (the camera may reuse its buffer) and nothing
// is encoded until a client asks for the JPEG; then it is encoded once and served again from
// that one encoding.
TEST(LaneDashboard, WithFramesAFrameIsEncodedOnlyWhenAskedForAndOnce) {
  web::MetricsRegistry metrics;
  LaneDashboard dashboard(metrics, "shenzhen-bay", true);
  const auto lane = dashboard.add_lane("1", gate::Channel::document);
  EXPECT_FALSE(dashboard.frame_jpeg(lane)) << "no frame yet";
  auto view = green_frame();
  for (int i = 0; i < 30; ++i) dashboard.frame(lane, view);
  view.frame.setTo(cv::Scalar(0, 0, 0));  // the camera's next image in the same buffer
  const web::Labels lane_label{{"lane", "1"}};
  EXPECT_EQ(series_value(metrics, "gatesim_frame_jpegs_encoded_total", lane_label), 0) << "nobody asked for a frame";
  const auto state = dashboard.state();
  EXPECT_EQ(state["lanes"][0]["frame_url"], "/frame/1.jpg") << state;
  EXPECT_EQ(state["lanes"][0]["frame_number"], 1) << "30 frames at once: one kept (at most two a second)";

  const auto jpeg = dashboard.frame_jpeg(lane);
  ASSERT_TRUE(jpeg);
  const std::vector<unsigned char> bytes(jpeg->begin(), jpeg->end());
  const cv::Mat decoded = cv::imdecode(bytes, cv::IMREAD_COLOR);
  ASSERT_EQ(decoded.size(), cv::Size(640, 480));
  const cv::Scalar mean = cv::mean(decoded);
  EXPECT_NEAR(mean[1], 200, 3) << "the frame as it was given, not the buffer's later content";
  EXPECT_NEAR(mean[2], 10, 3);
  EXPECT_EQ(series_value(metrics, "gatesim_frame_jpegs_encoded_total", lane_label), 1);
  EXPECT_EQ(dashboard.frame_jpeg(lane), jpeg);
  EXPECT_EQ(series_value(metrics, "gatesim_frame_jpegs_encoded_total", lane_label), 1) << "served again, not re-encoded";
}

// --http-frames: the summary in the state is the kept picture's, not a later frame's, so the page
// draws each picture at its own size with its own boxes (a later frame of another size and other
// faces, within the half second, is counted but not shown).
TEST(LaneDashboard, WithFramesTheStatesSummaryIsTheKeptPictures) {
  web::MetricsRegistry metrics;
  LaneDashboard dashboard(metrics, "shenzhen-bay", true);
  const auto lane = dashboard.add_lane("1", gate::Channel::document);
  dashboard.frame(lane, green_frame());
  gate::FrameView later;
  later.frame = cv::Mat(300, 200, CV_8UC3, cv::Scalar(0, 0, 0));
  later.faces.push_back({{10, 10, 50, 50}, 1.0, {}});
  dashboard.frame(lane, later);
  const auto state = dashboard.state();
  const auto& frame = state["lanes"][0]["frame"];
  EXPECT_EQ(state["lanes"][0]["frame_number"], 1) << state;
  EXPECT_EQ(frame["width"], 640) << frame;
  EXPECT_EQ(frame["height"], 480) << frame;
  EXPECT_EQ(frame["faces"], nlohmann::json::parse("[[600, 100, 639, 200]]")) << frame;
  const auto jpeg = dashboard.frame_jpeg(lane);
  ASSERT_TRUE(jpeg);
  const cv::Mat decoded = cv::imdecode(std::vector<unsigned char>(jpeg->begin(), jpeg->end()), cv::IMREAD_COLOR);
  EXPECT_EQ(decoded.cols, frame["width"].get<int>());
  EXPECT_EQ(decoded.rows, frame["height"].get<int>());
  EXPECT_EQ(series_value(metrics, "gatesim_frame_updates_total", {{"lane", "1"}}), 2) << "both frames counted";
}

// The lane's series are found once and counted on every transaction: decisions, reasons, the
// transaction's and each step's durations.
TEST(LaneDashboard, TransactionsAreCountedByDecisionReasonAndStep) {
  web::MetricsRegistry metrics;
  LaneDashboard dashboard(metrics, "shenzhen-bay", false);
  const auto lane = dashboard.add_lane("1", gate::Channel::document);
  for (std::uint64_t t = 1; t <= 3; ++t) {
    gate::TransactionOutcome o;
    o.transaction = t;
    o.started_at = 1s;
    o.decided_at = 3s;
    o.decision = t == 2 ? gate::Decision::referred : gate::Decision::cleared;
    if (t == 2) o.reasons = {{gate::ReasonCode::face_no_match, "distance 0.7"}, gate::Reason::policy("M3.age", "under 18")};
    const gate::StepTiming document{gate::Step::read_document, gate::Role::traveller, 1s},
        face{gate::Step::face, gate::Role::traveller, 500ms}, guardian_face{gate::Step::face, gate::Role::guardian, 2s};
    o.timings = t == 3 ? std::vector{document, face, guardian_face} : std::vector{document, face};
    dashboard.outcome(lane, o);
  }
  const auto decisions = [&](const char* decision) {
    return series_value(metrics, "gatesim_transactions_total", {{"lane", "1"}, {"channel", "document"}, {"decision", decision}});
  };
  EXPECT_EQ(decisions("cleared"), 2);
  EXPECT_EQ(decisions("referred"), 1);
  EXPECT_EQ(series_value(metrics, "gatesim_referrals_total", {{"lane", "1"}, {"reason", "M3.age"}}), 1);
  const auto state = dashboard.state();
  const auto& steps = state["lanes"][0]["steps"];
  ASSERT_EQ(steps.size(), 3u) << state;
  EXPECT_EQ(steps[0]["step"], "read_document");
  EXPECT_EQ(steps[0]["count"], 3);
  EXPECT_DOUBLE_EQ(steps[1]["sum_s"].get<double>(), 1.5);
  EXPECT_EQ(steps[2]["step"], "guardian.face");
  EXPECT_EQ(steps[2]["count"], 1);
  const auto text = metrics.text();
  EXPECT_NE(text.find("gatesim_transaction_duration_seconds_count{lane=\"1\"} 3"), std::string::npos) << text;
}

}  // namespace
}  // namespace gatesim::app
