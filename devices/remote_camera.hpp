#pragma once
// RemoteCamera: a Camera on another host, served by `gatesim device-server` (DeviceServer,
// device_server.hpp), over TCP or mutual TLS: each read() sends a frame_request and decodes the
// JPEG frame it gets back (messages as in remote_protocol.hpp), waiting no longer than
// RemoteOptions::timeout for any step.
//
// Thread safety: a RemoteCamera is used by one thread at a time.

#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "devices/camera.hpp"
#include "devices/remote_protocol.hpp"

namespace gatesim::devices {

class RemoteCamera final : public Camera {
 public:
  RemoteCamera(boost::asio::ip::tcp::endpoint server, RemoteOptions options, Clock& clock, std::string name);
  // throws DeviceFault disconnected when the server cannot be reached in time.
  void open() override;
  // ensures: the server camera's frame, decoded; the timestamp is the server's.
  // throws DeviceFault: the server's fault as sent; timeout when no answer comes in time;
  //        disconnected when the connection drops; corrupt for a protocol error or a JPEG
  //        that does not decode. After any but the server's own fault, the connection is
  //        closed (reopen to continue).
  Frame read() override;
  void close() override { client_.close(); }
  bool is_open() const override { return client_.is_open(); }
  std::string name() const override { return client_.name(); }

 private:
  MessageClient client_;
};

}  // namespace gatesim::devices
