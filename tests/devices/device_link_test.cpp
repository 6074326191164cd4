// Device links under attack and abuse, on real sockets on 127.0.0.1 with real TLS: mutual
// TLS refusals (no certificate, another CA's, an expired one, an old protocol), the session
// limits (idle, slow reader, hundreds of idle connections), who may verify a fingerprint,
// and stop() with a device that never returns. Certificates are made at test time
// (devices/pki.hpp) in a scratch folder: no key is committed.
// g++ 12 at -O3 reports false "potential null pointer dereference" inside Boost.Asio's scheduler.
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/write.hpp>
#include <openssl/ssl.h>
#include <opencv2/core.hpp>

#include "devices/device_server.hpp"
#include "devices/passage_sensor.hpp"
#include "devices/pki.hpp"
#include "devices/remote_camera.hpp"
#include "devices/remote_readers.hpp"
#include "devices/replay_camera.hpp"
#include "devices/tls.hpp"
#include "models/input_error.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/scratch_folder.hpp"
#include "tests/support/traveller_records.hpp"

namespace gatesim::devices {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using asio::ip::tcp;
using namespace std::chrono_literals;
using gatesim::testing::eventually;

const tcp::endpoint kLoopback(asio::ip::make_address("127.0.0.1"), 0);

// A camera whose every frame is the same picture (noise: it does not compress, so a frame is
// large — what the slow-reader test needs).
class StillCamera final : public Camera {
 public:
  explicit StillCamera(cv::Mat image) : image_(std::move(image)) {}
  void open() override { open_ = true; }
  Frame read() override { return {image_, Duration(0), sequence_++}; }
  void close() override { open_ = false; }
  bool is_open() const override { return open_; }
  std::string name() const override { return "still"; }

 private:
  cv::Mat image_;
  std::uint64_t sequence_ = 0;
  bool open_ = true;
};

std::shared_ptr<Camera> still_camera(int width = 64, int height = 48) {
  cv::Mat noise(height, width, CV_8UC3);
  cv::RNG(7).fill(noise, cv::RNG::UNIFORM, 0, 256);
  return std::make_shared<StillCamera>(noise);
}

// A camera whose read() does not return until release() (a wedged driver).
class WedgedCamera final : public Camera {
 public:
  void open() override {}
  Frame read() override {
    std::unique_lock lock(mutex_);
    reading_ = true;
    changed_.notify_all();
    changed_.wait(lock, [&] { return released_; });
    reading_ = false;
    throw DeviceFault(FaultKind::timeout, "wedged", "released");
  }
  void close() override {}
  bool is_open() const override { return true; }
  std::string name() const override { return "wedged"; }
  bool reading() {
    std::lock_guard lock(mutex_);
    return reading_;
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool reading_ = false, released_ = false;
};

// A bench's certificates, made for this test: the CA, the server (for 127.0.0.1), lanes
// lane-1 and lane-2, an expired lane, and another CA with its own server and lane.
class DeviceLinkTest : public testing::ScratchFolderTest {
 protected:
  void SetUp() override {
    ScratchFolderTest::SetUp();
    const Credential ca = make_ca({"test CA", CertificateUse::ca, {}});
    write_credential(ca, dir_ / "ca.pem", dir_ / "ca.key");
    issue("server", ca, {"gatesim device-server", CertificateUse::server, {"127.0.0.1"}});
    issue("lane-1", ca, {"lane-1", CertificateUse::client, {}});
    issue("lane-2", ca, {"lane-2", CertificateUse::client, {}});
    issue("expired", ca, {"lane-1", CertificateUse::client, {}, -std::chrono::hours(48), -std::chrono::hours(24)});
    issue("server-elsewhere", ca, {"gatesim device-server", CertificateUse::server, {"10.9.8.7"}});
    const Credential other = make_ca({"another CA", CertificateUse::ca, {}});
    write_credential(other, dir_ / "other-ca.pem", dir_ / "other-ca.key");
    issue("other-server", other, {"gatesim device-server", CertificateUse::server, {"127.0.0.1"}});
    issue("other-lane", other, {"lane-1", CertificateUse::client, {}});
  }
  void issue(const std::string& name, const Credential& ca, const CertificateRequest& request) {
    write_credential(issue_certificate(ca, request), dir_ / (name + ".pem"), dir_ / (name + ".key"));
  }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }

  // A context for `who` (server or a client), trusting `ca`.
  std::shared_ptr<asio::ssl::context> context(const std::string& who, TlsRole role, const std::string& ca = "ca") {
    return make_tls_context({file(ca + ".pem"), file(who + ".pem"), file(who + ".key"), "test"}, role);
  }
  ServerOptions tls_server(const std::string& who = "server", const std::string& ca = "ca") {
    ServerOptions options;
    options.tls = context(who, TlsRole::server, ca);
    return options;
  }
  RemoteOptions tls_client(const std::string& who, const std::string& ca = "ca") {
    RemoteOptions options;
    options.tls = context(who, TlsRole::client, ca);
    options.timeout = 10s;
    return options;
  }
  std::string tls_uri(const DeviceServer& server, const std::string& who) const {
    return "tls://127.0.0.1:" + std::to_string(server.port()) + "#ca=" + file("ca.pem") + ",cert=" + file(who + ".pem") +
           ",key=" + file(who + ".key");
  }
};

tcp::endpoint at(const DeviceServer& server) { return {kLoopback.address(), server.port()}; }

// The fault reading a frame gives (or "served" when a frame came).
std::string frame_fault(const DeviceServer& server, RemoteOptions options) {
  VirtualClock clock;
  RemoteCamera camera(at(server), std::move(options), clock, "remote");
  try {
    camera.open();
    camera.read();
  } catch (const DeviceFault& fault) {
    return fault.what();
  }
  return "served";
}

TEST_F(DeviceLinkTest, ServesAClientWithACertificateOfTheCa) {
  DeviceServer server(ServedDevices{still_camera()}, kLoopback, tls_server());
  auto camera = open_camera(tls_uri(server, "lane-1"));
  EXPECT_EQ(camera->read().sequence, 0u);
  EXPECT_EQ(camera->read().sequence, 1u);
  EXPECT_EQ(server.frames_served(), 2u);
  EXPECT_EQ(server.counts().handshakes_failed, 0u);
}

TEST_F(DeviceLinkTest, RefusesAClientWithoutACertificate) {
  DeviceServer server(ServedDevices{still_camera()}, kLoopback, tls_server());
  RemoteOptions anonymous;
  anonymous.tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  anonymous.tls->load_verify_file(file("ca.pem"));  // it trusts the server; the server does not trust it
  anonymous.tls->set_verify_mode(asio::ssl::verify_peer);
  EXPECT_NE(frame_fault(server, anonymous), "served");
  EXPECT_TRUE(eventually([&] { return server.counts().handshakes_failed == 1; }));
  EXPECT_EQ(server.frames_served(), 0u);
}

TEST_F(DeviceLinkTest, RefusesAClientCertificateOfAnotherCa) {
  DeviceServer server(ServedDevices{still_camera()}, kLoopback, tls_server());
  EXPECT_NE(frame_fault(server, tls_client("other-lane")), "served");  // trusts our CA, signed by another
  EXPECT_TRUE(eventually([&] { return server.counts().handshakes_failed == 1; }));
  EXPECT_EQ(server.frames_served(), 0u);
}

TEST_F(DeviceLinkTest, RefusesAnExpiredClientCertificate) {
  DeviceServer server(ServedDevices{still_camera()}, kLoopback, tls_server());
  EXPECT_NE(frame_fault(server, tls_client("expired")), "served");
  EXPECT_TRUE(eventually([&] { return server.counts().handshakes_failed == 1; }));
  EXPECT_EQ(server.frames_served(), 0u);
}

TEST_F(DeviceLinkTest, RefusesTheServersOwnCertificateOfferedByAClient) {
  // Signed by the right CA, but issued for serving, not for a lane: a copied server.pem is no pass.
  DeviceServer server(ServedDevices{still_camera()}, kLoopback, tls_server());
  EXPECT_NE(frame_fault(server, tls_client("server")), "served");
  EXPECT_TRUE(eventually([&] { return server.counts().handshakes_failed == 1; }));
  EXPECT_EQ(server.frames_served(), 0u);
}

TEST_F(DeviceLinkTest, RefusesAClientSpeakingOlderThanTls12) {
  // OpenSSL 3 refuses TLS 1.1 above security level 0 whatever the minimum version, so both ends
  // are lowered to 0: the TLS 1.2 minimum set by make_tls_context is then all that refuses it.
  ServerOptions options = tls_server();
  for (SSL_CTX* context : {options.tls->native_handle(), tls_client("lane-1").tls->native_handle()})
    EXPECT_EQ(SSL_CTX_get_min_proto_version(context), TLS1_2_VERSION);
  SSL_CTX_set_security_level(options.tls->native_handle(), 0);
  DeviceServer server(ServedDevices{still_camera()}, kLoopback, options);
  RemoteOptions old = tls_client("lane-1");
  SSL_CTX_set_security_level(old.tls->native_handle(), 0);
  SSL_CTX_set_min_proto_version(old.tls->native_handle(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(old.tls->native_handle(), TLS1_1_VERSION);
  EXPECT_NE(frame_fault(server, old), "served");
  EXPECT_TRUE(eventually([&] { return server.counts().handshakes_failed == 1; }));  // it reached the server
  EXPECT_EQ(server.frames_served(), 0u);
}

TEST_F(DeviceLinkTest, AClientRefusesAServerOfAnotherCaOrForAnotherAddress) {
  {
    DeviceServer server(ServedDevices{still_camera()}, kLoopback, tls_server("other-server", "other-ca"));
    const std::string fault = frame_fault(server, tls_client("lane-1"));
    // The server sends its chain up to its own CA (OpenSSL builds it from the trust store):
    // the client finds a CA it does not trust at the top.
    EXPECT_NE(fault.find("remote: disconnected: TLS handshake failed (self-signed certificate in certificate chain)"),
              std::string::npos)
        << fault;
  }
  DeviceServer server(ServedDevices{still_camera()}, kLoopback, tls_server("server-elsewhere"));
  const std::string fault = frame_fault(server, tls_client("lane-1"));
  EXPECT_NE(fault.find("TLS handshake failed (IP address mismatch)"), std::string::npos) << fault;
  // A lane's client certificate cannot pose as a server either (extended key usage).
  DeviceServer impostor(ServedDevices{still_camera()}, kLoopback, tls_server("lane-2"));
  EXPECT_NE(frame_fault(impostor, tls_client("lane-1")).find("TLS handshake failed"), std::string::npos);
}

TEST_F(DeviceLinkTest, AnIdleClientIsClosedAfterTheIdleTimeout) {
  ServerOptions options;
  options.limits.idle_timeout = 200ms;
  DeviceServer server(ServedDevices{still_camera()}, kLoopback, options);
  asio::io_context io;
  tcp::socket idle(io);
  idle.connect(at(server));
  std::array<char, 1> byte{};
  boost::system::error_code closed;
  asio::read(idle, asio::buffer(byte), closed);  // returns when the server hangs up
  EXPECT_EQ(closed, asio::error::eof) << closed.message();
  EXPECT_EQ(server.counts().idle_closed, 1u);
  EXPECT_EQ(server.sessions(), 0u);
}

// The server closes a lane's quiet connection after its idle_timeout (the lane cannot tell
// until it next sends): the lane's next touch, document and passage are served on a new
// connection, over TCP and TLS alike, not failed as a disconnect.
TEST_F(DeviceLinkTest, ALaneQuietLongerThanTheIdleTimeoutIsServedOnANewConnection) {
  for (const bool tls : {false, true}) {
    SCOPED_TRACE(tls ? "tls" : "tcp");
    ServerOptions options = tls ? tls_server() : ServerOptions{};
    options.limits.idle_timeout = 200ms;
    options.fingerprint_clients = {"lane-1"};
    const fs::path chips = dir_ / "chips.jsonl";
    std::ofstream(chips) << gatesim::testing::hong_kong_resident_text("H1") << '\n'
                         << gatesim::testing::hong_kong_resident_text("H2") << '\n';
    DeviceServer server(ServedDevices{nullptr, open_fingerprint_reader("sim:match:0.9,match:0.8"),
                                      open_document_reader("chips:" + chips.string()),
                                      open_passage_sensor("sim:1,2")},
                        kLoopback, options);
    const std::string uri =
        tls ? tls_uri(server, "lane-1") : "tcp://127.0.0.1:" + std::to_string(server.port());
    auto reader = open_fingerprint_reader(uri);
    auto documents = open_document_reader(uri);
    auto sensor = open_passage_sensor(uri);
    EXPECT_DOUBLE_EQ(reader->verify("H1").score, 0.9);
    EXPECT_EQ(sensor->await_clear(), 1);
    EXPECT_EQ(documents->read()->holder.id, "H1");
    ASSERT_TRUE(eventually([&] { return server.counts().idle_closed == 3; }));  // all three quiet too long
    EXPECT_DOUBLE_EQ(reader->verify("H1").score, 0.8);
    EXPECT_EQ(sensor->await_clear(), 2);
    EXPECT_EQ(documents->read()->holder.id, "H2");
    EXPECT_EQ(server.counts().accepted, 6u);
  }
}

TEST_F(DeviceLinkTest, AnIdleTlsClientThatNeverHandshakesIsClosedAfterTheReadTimeout) {
  ServerOptions options = tls_server();
  options.limits.read_timeout = 200ms;
  DeviceServer server(ServedDevices{still_camera()}, kLoopback, options);
  asio::io_context io;
  tcp::socket silent(io);
  silent.connect(at(server));
  std::array<char, 1> byte{};
  boost::system::error_code closed;
  asio::read(silent, asio::buffer(byte), closed);
  EXPECT_EQ(server.counts().read_timeouts, 1u);
}

TEST_F(DeviceLinkTest, HundredsOfIdleConnectionsDoNotLockARealClientOut) {
  ServerOptions options;
  options.limits.max_sessions = 8;
  DeviceServer server(ServedDevices{still_camera()}, kLoopback, options);
  asio::io_context io;
  std::vector<tcp::socket> idle;
  constexpr int kIdle = 300;
  for (int i = 0; i < kIdle; ++i) idle.emplace_back(io).connect(at(server));
  ASSERT_TRUE(eventually([&] { return server.counts().accepted == kIdle; }));
  EXPECT_LE(server.sessions(), 8u);  // memory held: at most max_sessions sessions, whatever connects
  auto camera = open_camera("tcp://127.0.0.1:" + std::to_string(server.port()));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(camera->read().sequence, std::uint64_t(i));
  const SessionCounts counts = server.counts();
  EXPECT_EQ(counts.evicted, kIdle + 1 - 8u);  // the oldest idle made room, each time
  EXPECT_EQ(counts.refused, 0u);
  EXPECT_LE(server.sessions(), 8u);
}

// Connections that never finish their TLS handshake make room among themselves: the lane that
// authenticated keeps its session however long it has been idle.
TEST_F(DeviceLinkTest, AFloodOfHandshakesNeverEvictsAnAuthenticatedLane) {
  ServerOptions options = tls_server();
  options.limits.max_sessions = 2;
  DeviceServer server(ServedDevices{.passage = open_passage_sensor("sim:1,2")}, kLoopback, options);
  auto sensor = open_passage_sensor(tls_uri(server, "lane-1"));
  EXPECT_EQ(sensor->await_clear(), 1);  // the lane is known, and now idle
  asio::io_context io;
  std::vector<tcp::socket> flood;
  constexpr int kFlood = 50;
  for (int i = 0; i < kFlood; ++i) flood.emplace_back(io).connect(at(server));  // never handshake
  ASSERT_TRUE(eventually([&] { return server.counts().accepted == 1 + kFlood; }));
  EXPECT_EQ(server.counts().evicted, kFlood - 1u);  // each made room by closing an earlier one
  EXPECT_EQ(sensor->await_clear(), 2);
  EXPECT_EQ(server.counts().accepted, 1u + kFlood);  // on the lane's own session, not a new one
}

// The same on plain TCP (loopback): a lane is known once it has had an answer, and connections
// that never send a request make room among themselves however long the lane has been idle.
TEST_F(DeviceLinkTest, AFloodOfSilentPlainConnectionsNeverEvictsALaneThatWasAnswered) {
  ServerOptions options;
  options.limits.max_sessions = 2;
  DeviceServer server(ServedDevices{.passage = open_passage_sensor("sim:1,2")}, kLoopback, options);
  auto sensor = open_passage_sensor("tcp://127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(sensor->await_clear(), 1);  // the lane is known, and now idle
  asio::io_context io;
  std::vector<tcp::socket> flood;
  constexpr int kFlood = 50;
  for (int i = 0; i < kFlood; ++i) flood.emplace_back(io).connect(at(server));  // never send a request
  ASSERT_TRUE(eventually([&] { return server.counts().accepted == 1 + kFlood; }));
  EXPECT_EQ(server.counts().evicted, kFlood - 1u);  // each made room by closing an earlier one
  EXPECT_EQ(sensor->await_clear(), 2);
  EXPECT_EQ(server.counts().accepted, 1u + kFlood);  // on the lane's own session, not a new one
}

TEST_F(DeviceLinkTest, AConnectionBeyondTheLimitIsRefusedWhenEverySessionIsBusy) {
  auto wedged = std::make_shared<WedgedCamera>();
  ServerOptions options;
  options.limits.max_sessions = 1;
  {
    DeviceServer server(ServedDevices{wedged}, kLoopback, options);
    asio::io_context io;
    tcp::socket busy(io);
    busy.connect(at(server));
    asio::write(busy, asio::buffer(envelope(MessageType::frame_request, "")));
    ASSERT_TRUE(eventually([&] { return wedged->reading(); }));  // its session waits on the camera
    tcp::socket late(io);
    late.connect(at(server));
    std::array<char, 1> byte{};
    boost::system::error_code closed;
    asio::read(late, asio::buffer(byte), closed);
    EXPECT_EQ(server.counts().refused, 1u);
  }
  wedged->release();
}

TEST_F(DeviceLinkTest, ASlowReaderIsClosedAndNeverQueuedFor) {
  ServerOptions options;
  options.limits.write_timeout = 300ms;
  DeviceServer server(ServedDevices{still_camera(1280, 960)}, kLoopback, options);  // ~3 MB frames
  asio::io_context io;
  tcp::socket reader(io);
  reader.open(tcp::v4());
  reader.set_option(asio::socket_base::receive_buffer_size(4096));
  reader.connect(at(server));
  std::string requests;
  for (int i = 0; i < 64; ++i) requests += envelope(MessageType::frame_request, "");
  asio::write(reader, asio::buffer(requests));  // and never reads
  ASSERT_TRUE(eventually([&] { return server.counts().slow_readers == 1; }));
  // The server answered what the socket buffers took and then stopped: it read no request
  // while an answer was waiting, so it held one answer at most.
  EXPECT_LT(server.frames_served(), 64u);
  EXPECT_EQ(server.sessions(), 0u);
}

TEST_F(DeviceLinkTest, MessageSizesAreCappedBothWays) {
  ServerOptions options;
  options.remote.max_message_bytes = 1000;  // a 64x48 noise frame's JPEG is larger
  DeviceServer server(ServedDevices{still_camera()}, kLoopback, options);
  // An answer over the cap is the device's corrupt fault; the session goes on.
  EXPECT_EQ(frame_fault(server, {}), "remote: corrupt: server: device-server: corrupt: frame larger than the limit");
  EXPECT_EQ(server.counts().bad_messages, 0u);
  // A request announcing one byte more than the cap is a bad message: the client is closed
  // before the server reads (or allocates for) its body.
  asio::io_context io;
  tcp::socket rogue(io);
  rogue.connect(at(server));
  const auto length = static_cast<std::uint32_t>(kMaxRequestBytes + 1);
  std::array<unsigned char, 4> header{};
  for (int i = 0; i < 4; ++i) header[i] = static_cast<unsigned char>(length >> (24 - 8 * i));
  ASSERT_EQ(length_of(header), kMaxRequestBytes + 1);
  asio::write(rogue, asio::buffer(header));
  std::array<char, 1> byte{};
  boost::system::error_code closed;
  asio::read(rogue, asio::buffer(byte), closed);
  EXPECT_TRUE(closed == asio::error::eof || closed == asio::error::connection_reset) << closed.message();
  EXPECT_EQ(server.counts().bad_messages, 1u);
}

TEST_F(DeviceLinkTest, OnlyTheLanesNamedMayVerifyFingerprints) {
  auto reader = open_fingerprint_reader("sim:match:0.9,nomatch:0.2");
  ServerOptions options = tls_server();
  options.fingerprint_clients = {"lane-1"};
  DeviceServer server(ServedDevices{nullptr, std::move(reader)}, kLoopback, options);
  auto other = open_fingerprint_reader(tls_uri(server, "lane-2"));
  try {
    other->verify("H1");
    ADD_FAILURE() << "lane-2 verified a fingerprint";
  } catch (const DeviceFault& fault) {
    EXPECT_EQ(fault.kind(), FaultKind::disconnected);
    EXPECT_NE(std::string(fault.what()).find("client 'lane-2' may not verify fingerprints here (allowed: lane-1)"),
              std::string::npos)
        << fault.what();
  }
  EXPECT_EQ(server.counts().touches_refused, 1u);
  auto lane = open_fingerprint_reader(tls_uri(server, "lane-1"));
  // The refused request never reached the reader: lane-1 gets the first scripted touch.
  EXPECT_DOUBLE_EQ(lane->verify("H1").score, 0.9);
  EXPECT_DOUBLE_EQ(lane->verify("H1").score, 0.2);
  // Frames and documents are not a fingerprint: the rule is about touches only.
  EXPECT_EQ(server.counts().touches_refused, 1u);
}

TEST_F(DeviceLinkTest, StopDoesNotWaitForADeviceThatNeverReturns) {
  auto wedged = std::make_shared<WedgedCamera>();
  auto server = std::make_unique<DeviceServer>(ServedDevices{wedged}, kLoopback);
  asio::io_context io;
  tcp::socket client(io);
  client.connect(at(*server));
  asio::write(client, asio::buffer(envelope(MessageType::frame_request, "")));
  ASSERT_TRUE(eventually([&] { return wedged->reading(); }));
  // stop() on its own thread, so that a stop() that waits for the camera fails this test
  // (after a generous deadline) instead of hanging the suite; the camera is released only after.
  const auto began = std::chrono::steady_clock::now();
  auto stopped = std::async(std::launch::async, [&] { server->stop(); });
  const bool returned = stopped.wait_for(60s) == std::future_status::ready;
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
  RecordProperty("stop_ms", std::to_string(took.count()));
  if (!returned) {
    wedged->release();  // lets the stuck stop() end, so the test can report
    stopped.wait();
    FAIL() << "stop() waited for a camera whose read() never returns";
  }
  EXPECT_TRUE(wedged->reading());  // stop() returned while the camera's read() had not
  std::array<char, 1> byte{};
  boost::system::error_code closed;
  asio::read(client, asio::buffer(byte), closed);  // the session was closed
  EXPECT_TRUE(closed == asio::error::eof || closed == asio::error::connection_reset) << closed.message();
  server.reset();  // destroyed too while the device thread still waits in read()
  wedged->release();
  EXPECT_TRUE(eventually([&] { return wedged.use_count() == 1; }));  // the abandoned thread let go
}

TEST_F(DeviceLinkTest, ARemoteClientGivesUpOnAServerThatNeverAnswers) {
  auto wedged = std::make_shared<WedgedCamera>();
  DeviceServer server(ServedDevices{wedged}, kLoopback, tls_server());
  RemoteOptions impatient = tls_client("lane-1");
  impatient.timeout = 200ms;
  EXPECT_EQ(frame_fault(server, impatient), "remote: timeout: no answer while waiting for a frame");
  wedged->release();
}

TEST_F(DeviceLinkTest, BadTlsFilesInAUriAreInputErrorsNamingTheFile) {
  const std::string base = "tls://127.0.0.1:7401#ca=" + file("ca.pem");
  auto message = [](const std::string& uri) {
    try {
      open_camera(uri);
    } catch (const models::InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message(base + ",cert=" + file("none.pem") + ",key=" + file("lane-1.key")),
            "--camera " + base + ",cert=" + file("none.pem") + ",key=" + file("lane-1.key") + ": cert=" +
                file("none.pem") + ": no such file");
  const std::string wrong_key = base + ",cert=" + file("lane-1.pem") + ",key=" + file("lane-2.key");
  EXPECT_EQ(message(wrong_key).rfind("--camera " + wrong_key + ": key=" + file("lane-2.key") +
                                         ": not the private key of " + file("lane-1.pem"),
                                     0),
            0u)
      << message(wrong_key);
  const std::string not_pem = base + ",cert=" + file("ca.key") + ",key=" + file("lane-1.key");
  EXPECT_NE(message(not_pem).find(": cert=" + file("ca.key") + ": not a PEM certificate"), std::string::npos);
  EXPECT_NE(message(base + ",cert=" + file("lane-1.pem")).find(": key=FILE missing"), std::string::npos);
  EXPECT_NE(message("tcp://127.0.0.1:7401#ca=" + file("ca.pem")).find("ca= is for tls:// devices"), std::string::npos);
}

TEST(Pki, KeysAreTheOwnersAloneAndNothingIsOverwritten) {
  const fs::path dir = fs::temp_directory_path() / ("gatesim-pki-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const auto written = pki_init(dir, {"127.0.0.1"}, {"lane-1", "lane-2"});
  EXPECT_EQ(written.size(), 8u);
  EXPECT_EQ(fs::status(dir / "lane-2.key").permissions() & (fs::perms::group_all | fs::perms::others_all),
            fs::perms::none);
  EXPECT_THROW(pki_init(dir, {"127.0.0.1"}, {"lane-3"}), models::InputError);  // ca.pem exists
  EXPECT_FALSE(fs::exists(dir / "lane-3.pem"));
  EXPECT_THROW(pki_init(dir / "x", {"127.0.0.1"}, {"../lane"}), models::InputError);
  EXPECT_THROW(pki_init(dir / "y", {"not an address"}, {"lane-1"}), models::InputError);
  // What it made works: a server and a lane of this bench talk.
  DeviceServer server(ServedDevices{still_camera()}, kLoopback,
                      ServerOptions{{}, make_tls_context({(dir / "ca.pem").string(), (dir / "server.pem").string(),
                                                          (dir / "server.key").string(), "t"},
                                                         TlsRole::server)});
  auto camera = open_camera("tls://127.0.0.1:" + std::to_string(server.port()) + "#ca=" + (dir / "ca.pem").string() +
                            ",cert=" + (dir / "lane-2.pem").string() + ",key=" + (dir / "lane-2.key").string());
  EXPECT_EQ(camera->read().sequence, 0u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace gatesim::devices
