// g++ 12 at -O3 reports false "potential null pointer dereference" inside Boost.Asio's scheduler.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <functional>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <opencv2/imgcodecs.hpp>

#include "devices/device_server.hpp"
#include "devices/fault_injection.hpp"
#include "devices/remote_camera.hpp"
#include "devices/replay_camera.hpp"
#include "models/input_error.hpp"

namespace gatesim::devices {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using asio::ip::tcp;

const tcp::endpoint kLoopback(asio::ip::make_address("127.0.0.1"), 0);

std::vector<ScriptedFrame> faces(Clock&, int n) {
  const std::filesystem::path image = std::filesystem::path(GATESIM_TEST_DATA) / "faces/examples/obama-240p.jpg";
  std::vector<ScriptedFrame> script;
  for (int i = 0; i < n; ++i) script.push_back({i * 40ms, image});
  return script;
}

FaultKind fault_of(Camera& camera) {
  try {
    camera.read();
  } catch (const DeviceFault& fault) {
    return fault.kind();
  }
  ADD_FAILURE() << "read() did not fail";
  return FaultKind::corrupt;
}

TEST(RemoteCamera, ServesFramesOverLoopbackEndToEnd) {
  VirtualClock clock;
  auto source = std::make_shared<ReplayCamera>(faces(clock, 3), clock);
  source->open();
  DeviceServer server(ServedDevices{source}, kLoopback);
  ASSERT_NE(server.port(), 0);
  auto camera = open_camera("tcp://127.0.0.1:" + std::to_string(server.port()));
  // What the server sends is the JPEG of the source frame: the client decodes exactly that.
  const cv::Mat original =
      cv::imread(std::string(GATESIM_TEST_DATA) + "/faces/examples/obama-240p.jpg", cv::IMREAD_COLOR);
  std::vector<unsigned char> jpeg;
  cv::imencode(".jpg", original, jpeg, {cv::IMWRITE_JPEG_QUALITY, RemoteOptions{}.jpeg_quality});
  const cv::Mat expected = cv::imdecode(jpeg, cv::IMREAD_COLOR);
  for (int i = 0; i < 3; ++i) {
    const Frame frame = camera->read();
    EXPECT_EQ(frame.sequence, std::uint64_t(i));
    EXPECT_EQ(frame.timestamp, i * 40ms);  // the server camera's (virtual) time
    EXPECT_EQ(cv::norm(frame.image, expected, cv::NORM_INF), 0);
  }
  EXPECT_EQ(fault_of(*camera), FaultKind::end_of_stream);  // the server's fault, passed on
  EXPECT_EQ(server.frames_served(), 3u);
}

// Reads one frame from a camera server, takes the server down (the read fails: disconnected),
// brings it back on the same port, then hands the camera to `after` for its next read.
void restart_server_under(const std::string& settings, const std::function<void(Camera&)>& after) {
  VirtualClock clock;
  auto source = std::make_shared<ReplayCamera>(faces(clock, 10), clock);
  source->open();
  auto server = std::make_unique<DeviceServer>(ServedDevices{source}, kLoopback);
  const std::uint16_t port = server->port();
  auto camera = open_camera("tcp://127.0.0.1:" + std::to_string(port) + settings);
  EXPECT_EQ(camera->read().sequence, 0u);
  server.reset();  // the camera host goes down
  EXPECT_EQ(fault_of(*camera), FaultKind::disconnected);
  server = std::make_unique<DeviceServer>(ServedDevices{source}, tcp::endpoint(kLoopback.address(), port));
  after(*camera);
}

TEST(RemoteCamera, ReconnectsAfterTheServerGoesAwayAndComesBack) {
  // A live source reconnects without being asked to (#reconnect=5 by default).
  restart_server_under("", [](Camera& camera) { EXPECT_EQ(camera.read().sequence, 1u); });
}

TEST(RemoteCamera, ReconnectZeroLeavesTheCameraClosedAfterADisconnect) {
  restart_server_under("#reconnect=0", [](Camera& camera) { EXPECT_FALSE(camera.is_open()); });
}

TEST(RemoteCamera, AnUnreachableServerIsADisconnectedFault) {
  // Bind a port, then free it: nothing listens there.
  asio::io_context io;
  tcp::acceptor probe(io, kLoopback);
  const auto port = probe.local_endpoint().port();
  probe.close();
  try {
    open_camera("tcp://127.0.0.1:" + std::to_string(port));
    FAIL();
  } catch (const DeviceFault& fault) {
    EXPECT_EQ(fault.kind(), FaultKind::disconnected);
  }
}

// A fake server that answers the first request with `reply` bytes.
class RawServer {
 public:
  explicit RawServer(std::string reply) : acceptor_(io_, kLoopback), reply_(std::move(reply)) {
    thread_ = std::thread([this] {
      tcp::socket socket(io_);
      acceptor_.accept(socket);
      std::array<char, 5> request{};
      asio::read(socket, asio::buffer(request));
      asio::write(socket, asio::buffer(reply_));
      boost::system::error_code ignored;
      asio::read(socket, asio::buffer(request), ignored);  // until the client hangs up
    });
  }
  ~RawServer() { thread_.join(); }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::string reply_;
  std::thread thread_;
};

std::string error_from(const std::string& reply, RemoteOptions options = {}) {
  RawServer server(reply);
  VirtualClock clock;
  RemoteCamera camera(tcp::endpoint(kLoopback.address(), server.port()), options, clock, "remote");
  camera.open();
  try {
    camera.read();
  } catch (const DeviceFault& fault) {
    EXPECT_FALSE(camera.is_open());
    camera.close();
    return fault.what();
  }
  camera.close();
  return "no fault";
}

TEST(RemoteCamera, RejectsOversizeAndGarbageMessages) {
  EXPECT_EQ(error_from(std::string("\x7f\xff\xff\xff\x02", 5)),
            "remote: corrupt: message of 2147483647 bytes (limit 16777216)");
  RemoteOptions small;
  small.max_message_bytes = 100;
  EXPECT_EQ(error_from(std::string("\x00\x00\x01\x00\x02", 5) + std::string(255, 'x'), small),
            "remote: corrupt: message of 256 bytes (limit 100)");
  EXPECT_EQ(error_from(std::string("\x00\x00\x00\x03\x09zz", 7)), "remote: corrupt: unexpected message type 9");
  RemoteOptions impatient;
  impatient.timeout = 100ms;
  EXPECT_EQ(error_from(std::string("\x00\x00\x00\x09\x02", 5), impatient),  // 8 bytes promised, none sent
            "remote: timeout: no answer while receiving a frame");
}

TEST(RemoteCamera, AFrameThatIsNotJpegIsCorrupt) {
  std::string payload(16, '\0');
  payload += "definitely not a jpeg";
  std::string reply = {0, 0, 0, static_cast<char>(payload.size() + 1), 2};
  RawServer server(reply + payload);
  VirtualClock clock;
  RemoteCamera camera(tcp::endpoint(kLoopback.address(), server.port()), {}, clock, "remote");
  camera.open();
  EXPECT_EQ(fault_of(camera), FaultKind::corrupt);
  camera.close();
}

TEST(DeviceServer, DropsAClientThatSendsGarbageAndServesTheOthers) {
  VirtualClock clock;
  auto source = std::make_shared<ReplayCamera>(faces(clock, 5), clock);
  source->open();
  DeviceServer server(ServedDevices{source}, kLoopback);
  asio::io_context io;
  tcp::socket rogue(io);
  rogue.connect(tcp::endpoint(kLoopback.address(), server.port()));
  asio::write(rogue, asio::buffer(std::string("\xff\xff\xff\xff garbage", 12)));
  std::array<char, 1> byte{};
  boost::system::error_code closed;
  asio::read(rogue, asio::buffer(byte), closed);  // the server hangs up on it
  EXPECT_TRUE(closed == asio::error::eof || closed == asio::error::connection_reset) << closed.message();
  EXPECT_EQ(server.counts().bad_messages, 1u);
  auto camera = open_camera("tcp://127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(camera->read().sequence, 0u);
}

TEST(DeviceServer, PassesAnUnplugOnAndReopensTheCamera) {
  VirtualClock clock;
  auto source = std::make_shared<FaultyCamera>(std::make_unique<ReplayCamera>(faces(clock, 5), clock),
                                               parse_fault_plan("disconnect@1", 0, "t"), clock);
  source->open();
  DeviceServer server(ServedDevices{source}, kLoopback);
  auto camera = open_camera("tcp://127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(camera->read().sequence, 0u);
  EXPECT_EQ(fault_of(*camera), FaultKind::disconnected);
  EXPECT_EQ(camera->read().sequence, 0u);  // the server reopened its camera: the replay restarts
}

TEST(ParseEndpoint, AcceptsAddressesAndRejectsTheRest) {
  EXPECT_EQ(parse_endpoint("127.0.0.1:7401", "x").port(), 7401);
  EXPECT_TRUE(parse_endpoint("[::1]:80", "x").address().is_v6());
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:99999", "host:80", ":80"})
    EXPECT_THROW(parse_endpoint(bad, "--listen"), models::InputError) << bad;
}

}  // namespace
}  // namespace gatesim::devices
