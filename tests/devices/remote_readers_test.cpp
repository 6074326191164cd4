// Remote fingerprint and document readers and the remote exit sensor against a DeviceServer on
// 127.0.0.1, and against hand-written servers that misbehave.
// g++ 12 at -O3 reports false "potential null pointer dereference" inside Boost.Asio's scheduler.
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <bit>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "devices/device_server.hpp"
#include "devices/remote_passage_sensor.hpp"
#include "devices/remote_readers.hpp"
#include "models/input_error.hpp"
#include "tests/support/traveller_records.hpp"

namespace gatesim::devices {
namespace {

using gatesim::testing::hong_kong_resident_text;

namespace asio = boost::asio;
namespace fs = std::filesystem;
using asio::ip::tcp;
using namespace std::chrono_literals;

const tcp::endpoint kLoopback(asio::ip::make_address("127.0.0.1"), 0);

std::string at(const DeviceServer& server) { return "tcp://127.0.0.1:" + std::to_string(server.port()); }

std::string fault_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const DeviceFault& fault) {
    return fault.what();
  }
  return "no fault";
}

// A chips file the served reader reads, with the lines given.
class ChipsFile {
 public:
  explicit ChipsFile(const std::vector<std::string>& lines)
      : path_(fs::temp_directory_path() / ("gatesim-remote-chips-" + std::to_string(::getpid()) + ".jsonl")) {
    std::ofstream out(path_);
    for (const auto& line : lines) out << line << '\n';
  }
  ~ChipsFile() { fs::remove(path_); }
  std::string uri() const { return "chips:" + path_.string(); }

 private:
  fs::path path_;
};

TEST(RemoteFingerprintReader, GivesTheServedReadersReadingsAndFaults) {
  std::shared_ptr served = open_fingerprint_reader("sim:match:0.93,nomatch:0.125,poor,timeout");
  DeviceServer server(ServedDevices{nullptr, served, nullptr}, kLoopback);
  auto reader = open_fingerprint_reader(at(server));
  EXPECT_EQ(reader->name(), "--fingerprint " + at(server));
  FingerprintReading r = reader->verify("H1");
  EXPECT_EQ(r.status, FingerprintStatus::matched);
  EXPECT_DOUBLE_EQ(r.score, 0.93);
  r = reader->verify("H1");
  EXPECT_EQ(r.status, FingerprintStatus::not_matched);
  EXPECT_DOUBLE_EQ(r.score, 0.125);
  EXPECT_EQ(reader->verify("H1").status, FingerprintStatus::poor_capture);
  EXPECT_EQ(fault_of([&] { reader->verify("H1"); }),
            "--fingerprint " + at(server) + ": timeout: server: sim: timeout: scripted");
  // The device's own fault leaves the connection up: the next touch is answered.
  EXPECT_EQ(fault_of([&] { reader->verify("H1"); }),
            "--fingerprint " + at(server) + ": end of stream: server: sim: end of stream: no more scripted touches");
}

TEST(RemoteDocumentReader, ParsesTheServedRecordsWithTheChipsParser) {
  const ChipsFile chips({hong_kong_resident_text("H1"), "", hong_kong_resident_text("H2")});
  std::shared_ptr served = open_document_reader(chips.uri());
  DeviceServer server(ServedDevices{nullptr, nullptr, served}, kLoopback);
  auto reader = open_document_reader(at(server));
  auto first = reader->read();
  ASSERT_TRUE(first.has_value());
  // The same record as reading the file here gives.
  auto local = open_document_reader(chips.uri());
  auto expected = local->read();
  EXPECT_EQ(first->text, expected->text);
  EXPECT_EQ(first->holder.id, "H1");
  EXPECT_EQ(reader->read()->holder.id, "H2");
  EXPECT_FALSE(reader->read().has_value());
}

TEST(RemoteDocumentReader, ABadRecordIsCorruptAndTheNextOneIsRead) {
  const fs::path dir = fs::temp_directory_path() / ("gatesim-remote-chipdir-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "a.json") << R"({"id": "H1", "birth_date": "1990-05-06"})";
  std::ofstream(dir / "b.json") << hong_kong_resident_text("H2");
  std::shared_ptr served = open_document_reader("chip-dir:" + dir.string());
  DeviceServer server(ServedDevices{nullptr, nullptr, served}, kLoopback);
  auto reader = open_document_reader(at(server));
  const std::string fault = fault_of([&] { reader->read(); });
  EXPECT_NE(fault.find(": corrupt: server: "), std::string::npos) << fault;
  EXPECT_NE(fault.find("a.json: residence: missing"), std::string::npos) << fault;
  EXPECT_EQ(reader->read()->holder.id, "H2");
  fs::remove_all(dir);
}

TEST(DeviceServer, ARequestForADeviceNotServedIsADisconnectFault) {
  std::shared_ptr served = open_fingerprint_reader("sim:match:0.9");
  DeviceServer server(ServedDevices{nullptr, served, nullptr}, kLoopback);
  auto documents = open_document_reader(at(server));
  EXPECT_EQ(fault_of([&] { documents->read(); }), "--documents " + at(server) +
                                                      ": disconnected: server: device-server: disconnected: no "
                                                      "document reader is served here");
}

TEST(RemoteReaders, ReconnectAfterTheServerCameBack) {
  std::shared_ptr served = open_fingerprint_reader("sim:match:0.9,match:0.8");
  auto server = std::make_unique<DeviceServer>(ServedDevices{nullptr, served, nullptr}, kLoopback);
  const auto port = server->port();
  auto reader = open_fingerprint_reader(at(*server));
  EXPECT_DOUBLE_EQ(reader->verify("H1").score, 0.9);
  server.reset();  // the server host goes away
  EXPECT_NE(fault_of([&] { reader->verify("H1"); }).find(": disconnected: "), std::string::npos);
  server = std::make_unique<DeviceServer>(ServedDevices{nullptr, served, nullptr},
                                          tcp::endpoint(kLoopback.address(), port));
  EXPECT_DOUBLE_EQ(reader->verify("H1").score, 0.8);
}

TEST(RemotePassageSensor, GivesTheServedSensorsCountsAndFaults) {
  std::shared_ptr served = open_passage_sensor("sim:1@20,2,0,timeout");
  DeviceServer server(ServedDevices{.passage = served}, kLoopback);
  auto sensor = open_passage_sensor(at(server));
  EXPECT_EQ(sensor->name(), "--passage " + at(server));
  EXPECT_EQ(sensor->await_clear(), 1);
  EXPECT_EQ(sensor->await_clear(), 2);  // tailgating: the lane's to judge
  EXPECT_EQ(sensor->await_clear(), 0);
  EXPECT_EQ(fault_of([&] { sensor->await_clear(); }),
            "--passage " + at(server) + ": timeout: server: sim: timeout: scripted");
  // The sensor's own fault leaves the connection up: the next passage is asked on it.
  EXPECT_EQ(fault_of([&] { sensor->await_clear(); }),
            "--passage " + at(server) + ": end of stream: server: sim: end of stream: no more scripted passages");
  EXPECT_EQ(server.counts().accepted, 1u);
}

TEST(RemotePassageSensor, ADroppedLinkIsADisconnectNamingTheSensorAndTheNextCallReconnects) {
  std::shared_ptr served = open_passage_sensor("sim:1,2");
  auto server = std::make_unique<DeviceServer>(ServedDevices{.passage = served}, kLoopback);
  const auto port = server->port();
  const std::string uri = at(*server);
  auto sensor = open_passage_sensor(uri);
  EXPECT_EQ(sensor->await_clear(), 1);
  server.reset();  // the sensor's host goes away
  const std::string fault = fault_of([&] { sensor->await_clear(); });
  EXPECT_EQ(fault.rfind("--passage " + uri + ": disconnected: ", 0), 0u) << fault;
  server = std::make_unique<DeviceServer>(ServedDevices{.passage = served}, tcp::endpoint(kLoopback.address(), port));
  EXPECT_EQ(sensor->await_clear(), 2);
}

TEST(RemotePassageSensor, StopDoesNotWaitForAPassageAndTheWaitingLaneGetsADisconnect) {
  // The served passage takes 10 minutes, far longer than the waits below: a stop() that waited
  // for it would fail them. stop() must end the lane's wait without waiting for the passage.
  std::shared_ptr served = open_passage_sensor("sim:1@600000");
  DeviceServer server(ServedDevices{.passage = served}, kLoopback);
  auto sensor = open_passage_sensor(at(server));
  auto waiting = std::async(std::launch::async, [&] { return fault_of([&] { sensor->await_clear(); }); });
  // Once the session is open the request soon reaches the device thread (if stop() came first,
  // the lane's fault is the same disconnect).
  for (int i = 0; i < 6000 && server.sessions() == 0; ++i) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(100ms);
  auto stopping = std::async(std::launch::async, [&] { server.stop(); });
  ASSERT_EQ(stopping.wait_for(60s), std::future_status::ready) << "stop() waited for the passage";
  ASSERT_EQ(waiting.wait_for(60s), std::future_status::ready) << "the lane still waits after stop()";
  const std::string fault = waiting.get();
  EXPECT_NE(fault.find(": disconnected: connection lost"), std::string::npos) << fault;
}

TEST(RemotePassageSensor, WaitsNoLongerThanItsTimeout) {
  std::shared_ptr served = open_passage_sensor("sim:1@30000");
  DeviceServer server(ServedDevices{.passage = served}, kLoopback);
  auto sensor = open_passage_sensor(at(server) + "#timeout_ms=200");
  EXPECT_EQ(fault_of([&] { sensor->await_clear(); }),
            "--passage " + at(server) + "#timeout_ms=200: timeout: no answer while waiting for a passage");
}

TEST(DeviceServer, APassageRequestWithoutAnExitSensorIsADisconnectFault) {
  std::shared_ptr served = open_fingerprint_reader("sim:match:0.9");
  DeviceServer server(ServedDevices{nullptr, served, nullptr}, kLoopback);
  EXPECT_EQ(fault_of([&] { open_passage_sensor(at(server))->await_clear(); }),
            "--passage " + at(server) + ": disconnected: server: device-server: disconnected: no exit sensor is served here");
}

// A server that answers the first request with `reply` (raw bytes), then keeps the connection.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::string reply) : acceptor_(io_, kLoopback) {
    thread_ = std::thread([this, reply = std::move(reply)] {
      tcp::socket socket = acceptor_.accept();
      std::array<char, 5> header{};
      asio::read(socket, asio::buffer(header));
      std::string rest(static_cast<std::size_t>(header[3]) - 1, '\0');
      asio::read(socket, asio::buffer(rest));
      asio::write(socket, asio::buffer(reply));
      boost::system::error_code ignored;
      asio::read(socket, asio::buffer(header), ignored);  // until the client closes
    });
  }
  ~ScriptedServer() { thread_.join(); }
  tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

std::string fingerprint_fault(const std::string& reply, RemoteOptions options = {}) {
  ScriptedServer server(reply);
  RemoteFingerprintReader reader(server.endpoint(), options, "remote");
  return fault_of([&] { reader.verify("H1"); });
}

TEST(RemoteFingerprintReader, RefusesBadAnswersAndWaitsNoLongerThanItsTimeout) {
  EXPECT_EQ(fingerprint_fault(std::string("\x7f\xff\xff\xff\x05", 5)),
            "remote: corrupt: message of 2147483647 bytes (limit 16777216)");
  EXPECT_EQ(fingerprint_fault(std::string("\x00\x00\x00\x03\x05\x00\x00", 7)),
            "remote: corrupt: a touch answer of 2 bytes, expected 9");
  EXPECT_EQ(fingerprint_fault(std::string("\x00\x00\x00\x0a\x05\x09", 6) + std::string(8, '\0')),
            "remote: corrupt: a touch answer out of range (status 9, score 0.000000)");
  RemoteOptions impatient;
  impatient.timeout = 200ms;  // the reader's own limit: the scripted server never answers in full
  EXPECT_EQ(fingerprint_fault(std::string("\x00\x00\x00\x0a\x05", 5), impatient),
            "remote: timeout: no answer while receiving a touch");
}

std::string passage_fault(const std::string& reply) {
  ScriptedServer server(reply);
  RemotePassageSensor sensor(server.endpoint(), {}, "remote");
  return fault_of([&] { sensor.await_clear(); });
}

TEST(RemotePassageSensor, RefusesBadAnswers) {
  EXPECT_EQ(passage_fault(std::string("\x00\x00\x00\x02\x0a\x64", 6)),
            "remote: corrupt: a passage answer of 1 bytes counting 100, expected one byte 0-99");
  EXPECT_EQ(passage_fault(std::string("\x00\x00\x00\x01\x0a", 5)),
            "remote: corrupt: a passage answer of 0 bytes, expected one byte 0-99");
  EXPECT_EQ(passage_fault(std::string("\x00\x00\x00\x03\x0a\x01\x01", 7)),
            "remote: corrupt: a passage answer of 2 bytes counting 1, expected one byte 0-99");
  EXPECT_EQ(passage_fault(std::string("\x00\x00\x00\x01\x08", 5)),
            "remote: corrupt: expected a passage, got message type 8");
}

// A touch answer with `score`, as a server sends it.
std::string touch_answer(double score) {
  std::string payload(1, static_cast<char>(FingerprintStatus::matched));
  put_u64(payload, std::bit_cast<std::uint64_t>(score));
  return envelope(MessageType::touch, payload);
}

// Reads one request (a touch) from `socket`.
void read_request(tcp::socket& socket) {
  std::array<unsigned char, 4> header{};
  asio::read(socket, asio::buffer(header));
  std::string body(length_of(header), '\0');
  asio::read(socket, asio::buffer(body));
}

// The server's idle close can cross the lane's next request: the request reaches a connection
// the server has just closed, without reading it, and no byte of an answer ever comes. The lane
// resends it once on a new connection.
TEST(RemoteFingerprintReader, ARequestThatCrossedTheServersCloseIsResentOnANewConnection) {
  asio::io_context io;
  tcp::acceptor acceptor(io, kLoopback);
  std::thread server([&] {
    try {
      tcp::socket first = acceptor.accept();
      read_request(first);
      asio::write(first, asio::buffer(touch_answer(0.9)));
      first.wait(tcp::socket::wait_read);  // the next request has come: closed unread
      first.close();
      tcp::socket second = acceptor.accept();
      read_request(second);
      asio::write(second, asio::buffer(touch_answer(0.8)));
      boost::system::error_code ignored;
      std::array<char, 1> byte{};
      asio::read(second, asio::buffer(byte), ignored);  // until the client closes
    } catch (const boost::system::system_error&) {
      // the lane never came back (the test has failed): the test's own connection ended the wait
    }
  });
  {
    RemoteFingerprintReader reader(acceptor.local_endpoint(), {}, "remote");
    EXPECT_DOUBLE_EQ(reader.verify("H1").score, 0.9);
    double second = -1;
    EXPECT_NO_THROW(second = reader.verify("H1").score);
    EXPECT_DOUBLE_EQ(second, 0.8);
    if (second != 0.8) tcp::socket(io).connect(acceptor.local_endpoint());  // ends the server's wait
  }
  server.join();
}

// A connection made for the request is not tried twice: its loss is the server's.
TEST(RemoteFingerprintReader, ANewConnectionClosedBeforeAnAnswerIsADisconnect) {
  asio::io_context io;
  tcp::acceptor acceptor(io, kLoopback);
  std::thread server([&] {
    tcp::socket first = acceptor.accept();
    first.wait(tcp::socket::wait_read);
    first.close();
  });
  RemoteFingerprintReader reader(acceptor.local_endpoint(), {}, "remote");
  const std::string fault = fault_of([&] { reader.verify("H1"); });
  EXPECT_EQ(fault.rfind("remote: disconnected: connection lost", 0), 0u) << fault;
  server.join();
}

TEST(RemoteReaders, BadUrisAreInputErrors) {
  EXPECT_THROW(open_fingerprint_reader("tcp://nowhere"), models::InputError);
  EXPECT_THROW(open_document_reader("tcp://127.0.0.1:99999"), models::InputError);
  EXPECT_THROW(open_fingerprint_reader("tcp://127.0.0.1:7401#timeout_ms=0"), models::InputError);
  EXPECT_THROW(open_document_reader("tcp://127.0.0.1:7401#colour=red"), models::InputError);
  EXPECT_THROW(open_passage_sensor("tcp://nowhere"), models::InputError);
  EXPECT_THROW(open_passage_sensor("tls://127.0.0.1:99999"), models::InputError);
  EXPECT_THROW(open_passage_sensor("tcp://127.0.0.1:7401#timeout_ms=0"), models::InputError);
  EXPECT_THROW(open_passage_sensor("tcp://127.0.0.1:7401#faults=stall"), models::InputError);
  EXPECT_THROW(open_passage_sensor("tcp://127.0.0.1:7401#ca=ca.pem"), models::InputError);
  EXPECT_THROW(open_passage_sensor("tls://127.0.0.1:7401#ca=/no/ca.pem,cert=/no/c.pem,key=/no/k.key"),
               models::InputError);
}

}  // namespace
}  // namespace gatesim::devices
