#pragma once
// The messages remote devices exchange over TCP or TLS (Boost.Asio), and the client end of a
// connection: every message is a 4-byte big-endian length, then that many bytes: a 1-byte
// MessageType and its payload. A client sends a request and waits for one answer; the server
// (DeviceServer, remote_camera.hpp) answers each request in turn.
//
//   frame_request     (none)           -> frame: 8-byte timestamp ns, 8-byte sequence, JPEG
//   touch_request     holder id        -> touch: 1-byte FingerprintStatus, 8-byte score (IEEE double)
//   document_request  (none)           -> document: the record's text (parse_chip_record reads it)
//                                         | no_document (the reader has nothing more)
//   passage_request   (none)           -> passage: 1-byte count of the people who went through
//                                         the passage once it is clear (0..kMaxPassagePeople)
//   any request                        -> fault: 1-byte FaultKind, then text (the device's fault)
//
// A length above the receiver's limit, an unknown type or a short payload is a protocol error:
// the receiver drops the connection (a client reports corrupt). decode_answer() and
// decode_request() are each side's whole reading of a message body, so the fuzz targets
// (tests/fuzz/wire_*_fuzz.cpp) exercise exactly what a peer's bytes reach.
//
// Over TLS (RemoteOptions::tls, tls://HOST:PORT URIs; devices/tls.hpp) the same messages go
// through an SSL stream after a mutually verified handshake; every step of a client — connect,
// handshake, send, receive — fails with a timeout fault after RemoteOptions::timeout, so a
// server that stops answering never holds the caller longer than that.
//
// Thread safety: a MessageClient is used by one thread at a time; the free functions are pure.

#include <array>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>

#include <boost/asio/ip/tcp.hpp>

#include "devices/device_fault.hpp"

namespace boost::asio::ssl {
class context;
}

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
  passage_request = 9,
  passage = 10,
};

// More people than this in one passage is no sensor's count: a passage answer above it is refused.
inline constexpr int kMaxPassagePeople = 99;

struct RemoteOptions {
  std::size_t max_message_bytes = 16u << 20;  // larger messages are rejected
  std::chrono::milliseconds timeout{5000};    // per connect and per answer
  int jpeg_quality = 90;                      // the server's frame encoding
  // Client: TLS context (make_tls_context, client role); null for plain TCP.
  std::shared_ptr<boost::asio::ssl::context> tls;
};

// The frame in a frame message's payload: 8-byte timestamp (ns), 8-byte sequence, then JPEG.
struct FramePayload {
  std::chrono::nanoseconds timestamp;
  std::uint64_t sequence;
  std::string jpeg;
};
// A touch answer's payload: a FingerprintStatus byte and the score.
struct TouchPayload {
  std::uint8_t status;
  double score;
};

// Client side: the meaning of one answer body (type byte and payload) as received.
// ensures: a frame (payload of 17 bytes or more), a touch (status in range, score in [0, 1]),
//          a document's text, no_document, a passage (one byte, 0..kMaxPassagePeople), or a
//          fault's kind and text.
// throws models::InputError naming what is wrong (the client reports it as corrupt).
struct Answer {
  MessageType type;
  FramePayload frame;        // type frame
  TouchPayload touch;        // type touch
  int people = 0;            // type passage
  std::string text;          // document: the record; fault: the text
  FaultKind fault_kind{};    // type fault
};
Answer decode_answer(const std::string& body);

// Server side: one request body. ensures: frame_request, document_request and
// passage_request without a payload, touch_request with a holder id of 1 to 256 bytes, no control character or '/'.
// throws models::InputError naming what is wrong (the server drops the client).
struct Request {
  MessageType type;
  std::string holder_id;  // touch_request
};
Request decode_request(const std::string& body);
inline constexpr std::size_t kMaxRequestBytes = 1024;  // a request is a type and a holder id

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
  // ensures: connected, and over TLS handshaken with a server whose certificate the CA signed
  //          for the address dialled (a previous connection closed first).
  // throws DeviceFault disconnected when the server cannot be reached, or refuses or fails
  //        the handshake, in time.
  void connect();
  void close();
  bool is_open() const;
  // `answer` names what is awaited for messages ("a frame"); `expected` lists the answer types
  // the request may have (a fault is always possible).
  // ensures: the server's answer to `request`, decoded (decode_answer), of an expected type, never
  //          a fault. Connects first when not connected. A connection the server closed while it
  //          lay idle (its idle_timeout) — the write or the answer's first read ends with the
  //          peer's close before any byte of the answer — is reconnected once and the request
  //          resent: the server never saw it.
  // throws DeviceFault: the server's fault as sent (the connection stays open); timeout when
  //        no answer comes in time; disconnected when the server cannot be reached or the
  //        connection drops; corrupt for a protocol error or an answer of another type. After
  //        any but the server's own fault, the connection is closed.
  Answer exchange(MessageType request, const std::string& payload, const std::string& answer,
                  std::initializer_list<MessageType> expected);
  const std::string& name() const { return name_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string name_;
};

}  // namespace gatesim::devices
