#pragma once
// The messages remote devices exchange over TCP (Boost.Asio), and the client end of a
// connection: every message is a 4-byte big-endian length, then that many bytes: a 1-byte
// MessageType and its payload. A client sends a request and waits for one answer; the server
// (DeviceServer, remote_camera.hpp) answers each request in turn.
//
//   frame_request     (none)           -> frame: 8-byte timestamp ns, 8-byte sequence, JPEG
//   touch_request     holder id        -> touch: 1-byte FingerprintStatus, 8-byte score (IEEE double)
//   document_request  (none)           -> document: the record's text (parse_chip_record reads it)
//                                         | no_document (the reader has nothing more)
//   any request                        -> fault: 1-byte FaultKind, then text (the device's fault)
//
// A length above the receiver's limit, an unknown type or a short payload is a protocol error:
// the receiver drops the connection (a client reports corrupt).
//
// Thread safety: a MessageClient is used by one thread at a time; the free functions are pure.

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include <boost/asio/ip/tcp.hpp>

#include "devices/device_fault.hpp"

namespace gatesim::devices {

enum class MessageType : std::uint8_t {
  frame_request = 1,
  frame = 2,
  fault = 3,
  touch_request = 4,
  touch = 5,
  document_request = 6,
  document = 7,
  no_document = 8,
};

struct RemoteOptions {
  std::size_t max_message_bytes = 16u << 20;  // larger messages are rejected
  std::chrono::milliseconds timeout{5000};    // per connect and per answer
  int jpeg_quality = 90;                      // the server's frame encoding
};

// "HOST:PORT" with a numeric IPv4/IPv6 address (brackets for IPv6) and a port 0-65535.
// throws models::InputError "<where>: expected HOST:PORT such as 127.0.0.1:7401".
boost::asio::ip::tcp::endpoint parse_endpoint(const std::string& text, const std::string& where);

// ensures: the wire form of one message (length, type, payload).
std::string envelope(MessageType type, const std::string& payload);
// ensures: the length a message header announces.
std::uint32_t length_of(const std::array<unsigned char, 4>& header);
// ensures: the fault message that reports `kind` and `text` to a client.
std::string fault_message(FaultKind kind, const std::string& text);

// 8-byte big-endian integers inside payloads.
void put_u64(std::string& out, std::uint64_t value);
// requires: at + 8 <= in.size().
std::uint64_t get_u64(const std::string& in, std::size_t at);

// One connection to a device server, for one device's requests.
class MessageClient {
 public:
  // `name` is the device's name in faults (the URI it was opened from).
  MessageClient(boost::asio::ip::tcp::endpoint server, RemoteOptions options, std::string name);
  ~MessageClient();
  // ensures: connected (a previous connection closed first).
  // throws DeviceFault disconnected when the server cannot be reached in time.
  void connect();
  void close();
  bool is_open() const;
  // requires: is_open(); `answer` names what is awaited for messages ("a frame").
  // ensures: the server's answer to `request` (type and payload), never a fault message.
  // throws DeviceFault: the server's fault as sent (the connection stays open); timeout when
  //        no answer comes in time; disconnected when the connection drops; corrupt for a
  //        protocol error. After any but the server's own fault, the connection is closed.
  std::pair<MessageType, std::string> exchange(MessageType request, const std::string& payload,
                                               const std::string& answer);
  // Fails the exchange after a bad answer: closes the connection and throws DeviceFault(corrupt).
  [[noreturn]] void protocol_error(const std::string& why);
  const std::string& name() const { return name_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string name_;
};

}  // namespace gatesim::devices
