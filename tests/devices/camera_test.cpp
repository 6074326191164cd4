#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "devices/camera_backends.hpp"
#include "devices/replay_camera.hpp"
#include "models/input_error.hpp"

namespace gatesim::devices {
namespace {

using namespace std::chrono_literals;
const std::filesystem::path kExamples = std::filesystem::path(GATESIM_TEST_DATA) / "faces/examples";

FaultKind fault_of(Camera& camera) {
  try {
    camera.read();
  } catch (const DeviceFault& fault) {
    return fault.kind();
  }
  ADD_FAILURE() << "read() did not fail";
  return FaultKind::corrupt;
}

TEST(FileCamera, DecodesEveryFrameOfTheClipThenEndOfStream) {
  VirtualClock clock;
  auto camera = open_camera("file:" + (kExamples / "short_hamilton_clip.mp4").string(), clock);
  cv::VideoCapture reference((kExamples / "short_hamilton_clip.mp4").string(), cv::CAP_FFMPEG);
  const auto expected = static_cast<std::uint64_t>(reference.get(cv::CAP_PROP_FRAME_COUNT));
  ASSERT_GT(expected, 0u);
  std::uint64_t frames = 0;
  for (;; ++frames) {
    Frame frame;
    try {
      frame = camera->read();
    } catch (const DeviceFault& fault) {
      EXPECT_EQ(fault.kind(), FaultKind::end_of_stream);
      break;
    }
    ASSERT_EQ(frame.image.type(), CV_8UC3);
    ASSERT_EQ(frame.sequence, frames);
    cv::Mat direct;
    ASSERT_TRUE(reference.read(direct));
    ASSERT_EQ(cv::norm(frame.image, direct, cv::NORM_INF), 0) << "frame " << frames;
  }
  EXPECT_EQ(frames, expected);
  camera->open();  // reopening a file starts it again
  EXPECT_EQ(camera->read().sequence, 0u);
}

TEST(FileCamera, ResizesToTheRequestedResolution) {
  auto camera = open_camera("file:" + (kExamples / "short_hamilton_clip.mp4").string() + "#width=320,height=180");
  const Frame frame = camera->read();
  EXPECT_EQ(frame.image.cols, 320);
  EXPECT_EQ(frame.image.rows, 180);
}

TEST(FolderCamera, ReadsImagesInNameOrderAndReportsUndecodableFiles) {
  const auto folder = std::filesystem::temp_directory_path() / ("gatesim-dir-camera-" + std::to_string(::getpid()));
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
  std::filesystem::copy_file(kExamples / "obama-240p.jpg", folder / "b.jpg");
  std::filesystem::copy_file(kExamples / "alex-lacamoire.png", folder / "a.png");
  std::ofstream(folder / "c.jpg") << "not an image";
  auto camera = open_camera("dir:" + folder.string());
  const cv::Mat a = cv::imread((kExamples / "alex-lacamoire.png").string(), cv::IMREAD_COLOR);
  const cv::Mat b = cv::imread((kExamples / "obama-240p.jpg").string(), cv::IMREAD_COLOR);
  EXPECT_EQ(cv::norm(camera->read().image, a, cv::NORM_INF), 0);
  EXPECT_EQ(cv::norm(camera->read().image, b, cv::NORM_INF), 0);
  EXPECT_EQ(fault_of(*camera), FaultKind::corrupt);
  EXPECT_EQ(fault_of(*camera), FaultKind::end_of_stream);
  std::filesystem::remove_all(folder);
}

TEST(OpenCamera, RejectsBadUrisWithAClearMessage) {
  auto message = [](const std::string& uri) -> std::string {
    try {
      open_camera(uri);
    } catch (const models::InputError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(message("clip.mp4"), "--camera clip.mp4: expected SCHEME:LOCATION such as usb:0 or file:clip.mp4");
  EXPECT_EQ(message("usb:zero"), "--camera usb:zero: expected a camera index such as usb:0");
  EXPECT_EQ(message("file:/no/such.mp4"), "--camera file:/no/such.mp4: no such file");
  EXPECT_EQ(message("dir:/no/such"), "--camera dir:/no/such: no such folder");
  EXPECT_NE(message("ftp:x").find("unknown kind 'ftp'"), std::string::npos);
  EXPECT_NE(message("usb:0#width=abc").find("option width=abc: expected a number"), std::string::npos);
  EXPECT_NE(message("usb:0#width=640").find("give both width and height"), std::string::npos);
  EXPECT_NE(message("usb:0#colour=1").find("unknown option 'colour'"), std::string::npos);
  EXPECT_NE(message("usb:0#faults=melt:0.1").find("fault 'melt:0.1'"), std::string::npos);
}

TEST(OpenCamera, AbsentUsbCameraIsADisconnectedFault) {
  try {
    open_camera("v4l2:/dev/gatesim-no-such-video");
    FAIL() << "opened a camera that does not exist";
  } catch (const DeviceFault& fault) {
    EXPECT_EQ(fault.kind(), FaultKind::disconnected);
  }
}

cv::Mat solid(int value) { return cv::Mat(4, 4, CV_8UC3, cv::Scalar::all(value)); }

TEST(ReplayCamera, DeliversFramesAtTheirScriptedTimesInVirtualTime) {
  VirtualClock clock;
  clock.sleep_until(1s);
  ReplayCamera camera({{0ms, solid(1)}, {40ms, solid(2)}, {100ms, solid(3)}}, clock);
  camera.open();
  const Frame first = camera.read();
  EXPECT_EQ(first.timestamp, 1s);
  EXPECT_EQ(first.image.at<cv::Vec3b>(0, 0)[0], 1);
  const Frame second = camera.read();  // waits (virtually) until it is due
  EXPECT_EQ(second.timestamp, 1040ms);
  EXPECT_EQ(clock.now(), 1040ms);
  EXPECT_EQ(second.sequence, 1u);
  EXPECT_EQ(camera.read().timestamp, 1100ms);
  EXPECT_EQ(fault_of(camera), FaultKind::end_of_stream);
  EXPECT_EQ(camera.dropped(), 0u);
}

TEST(ReplayCamera, ALateReaderGetsTheLatestDueFrame) {
  VirtualClock clock;
  ReplayCamera camera({{0ms, solid(1)}, {40ms, solid(2)}, {80ms, solid(3)}, {120ms, solid(4)}}, clock);
  camera.open();
  clock.sleep_until(90ms);  // the lane was busy analysing
  const Frame frame = camera.read();
  EXPECT_EQ(frame.image.at<cv::Vec3b>(0, 0)[0], 3);
  EXPECT_EQ(frame.timestamp, 80ms);
  EXPECT_EQ(clock.now(), 90ms);
  EXPECT_EQ(camera.dropped(), 2u);
  EXPECT_EQ(camera.read().timestamp, 120ms);
}

TEST(ReplayCamera, LoadsAScriptFileAndRejectsBadOnes) {
  const auto folder = std::filesystem::temp_directory_path() / ("gatesim-replay-" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  std::filesystem::copy_file(kExamples / "obama-240p.jpg", folder / "face.jpg",
                             std::filesystem::copy_options::overwrite_existing);
  std::ofstream(folder / "good.json") << R"({"frames": [{"at_ms": 0, "image": "face.jpg"}, {"at_ms": 66.5, "image": "face.jpg"}]})";
  std::ofstream(folder / "bad.json") << R"({"frames": [{"at_ms": 10, "image": "face.jpg"}, {"at_ms": 5, "image": "face.jpg"}]})";
  VirtualClock clock;
  auto camera = open_camera("replay:" + (folder / "good.json").string(), clock);
  EXPECT_EQ(camera->read().image.cols, 427);
  EXPECT_EQ(camera->read().timestamp, std::chrono::microseconds(66500));
  try {
    open_camera("replay:" + (folder / "bad.json").string());
    FAIL();
  } catch (const models::InputError& e) {
    EXPECT_EQ(std::string(e.what()), (folder / "bad.json").string() +
                                         ": frames[1].at_ms: expected a number of milliseconds, not before the "
                                         "previous frame's");
  }
  std::filesystem::remove_all(folder);
}

}  // namespace
}  // namespace gatesim::devices
