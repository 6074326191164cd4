#pragma once
// Remote cameras over TCP (Boost.Asio): a DeviceServer on the camera host serves one Camera;
// a RemoteCamera on the gate host is a Camera that asks it for frames.
//
// Protocol: every message is a 4-byte big-endian length, then that many bytes: a 1-byte type
// and its payload. The client sends frame_request (no payload); the server answers frame
// (8-byte timestamp in ns, 8-byte sequence, then the JPEG) or fault (1-byte FaultKind, then
// text). A length above the receiver's limit, an unknown type or a short payload is a
// protocol error: the receiver drops the connection (the client reports corrupt).
//
// Thread safety: a RemoteCamera is used by one thread at a time. A DeviceServer runs its own
// thread; its public functions may be called from any one thread.

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/ip/tcp.hpp>

#include "devices/camera.hpp"

namespace gatesim::devices {

enum class MessageType : std::uint8_t { frame_request = 1, frame = 2, fault = 3 };

struct RemoteOptions {
  std::size_t max_message_bytes = 16u << 20;                // larger messages are rejected
  std::chrono::milliseconds timeout{5000};                  // per connect and per frame
  int jpeg_quality = 90;                                    // the server's encoding
};

// "HOST:PORT" with a numeric IPv4/IPv6 address (brackets for IPv6) and a port 0-65535.
// throws models::InputError "<where>: expected HOST:PORT such as 127.0.0.1:7401".
boost::asio::ip::tcp::endpoint parse_endpoint(const std::string& text, const std::string& where);

class RemoteCamera final : public Camera {
 public:
  RemoteCamera(boost::asio::ip::tcp::endpoint server, RemoteOptions options, Clock& clock, std::string name);
  ~RemoteCamera() override;
  // throws DeviceFault disconnected when the server cannot be reached in time.
  void open() override;
  // ensures: the server camera's frame, decoded; the timestamp is the server's.
  // throws DeviceFault: the server's fault as sent; timeout when no answer comes in time;
  //        disconnected when the connection drops; corrupt for a protocol error or a JPEG
  //        that does not decode. After any but the server's own fault, the connection is
  //        closed (reopen to continue).
  Frame read() override;
  void close() override;
  bool is_open() const override;
  std::string name() const override { return name_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string name_;
};

// Serves `camera` on `listen` (port 0: any free port, see port()) to any number of clients,
// one request at a time on the server's thread. Each frame_request is answered with the next
// frame or the camera's fault; a camera that reported disconnected or timeout is reopened at
// the next request. A client that sends a bad message is dropped; the others go on.
class DeviceServer {
 public:
  // requires: `camera` is open and outlives the server.
  // throws DeviceFault (disconnected) when the address cannot be bound.
  DeviceServer(Camera& camera, boost::asio::ip::tcp::endpoint listen, RemoteOptions options = {});
  ~DeviceServer();  // stops
  std::uint16_t port() const;
  // ensures: the server no longer listens or serves; idempotent.
  void stop();
  std::uint64_t frames_served() const;
  std::uint64_t clients_dropped() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace gatesim::devices
