#pragma once
// DeviceServer: serves the devices plugged into this host (a camera, a fingerprint reader, a
// document reader) over TCP to gates on other hosts, which use them through tcp://HOST:PORT
// (RemoteCamera, RemoteFingerprintReader, RemoteDocumentReader; messages as in
// remote_protocol.hpp).
//
// Any number of clients; requests are answered one at a time on the server's own thread, so a
// fingerprint touch that takes seconds holds the others up (a bench has one lane per server).
// Each request gets the device's answer or its fault; a camera that reported disconnected or
// timeout is reopened at the next frame request. A request for a device not served is answered
// with a disconnected fault. A client that sends a bad message is dropped; the others go on.
//
// Thread safety: the server runs its own thread; its public functions may be called from any
// one thread. The served devices are used only by the server's thread while it runs.

#include <cstdint>
#include <memory>

#include <boost/asio/ip/tcp.hpp>

#include "devices/camera.hpp"
#include "devices/document_reader.hpp"
#include "devices/fingerprint_reader.hpp"
#include "devices/remote_protocol.hpp"

namespace gatesim::devices {

// What a server serves; null: not served. A camera must be open.
struct ServedDevices {
  Camera* camera = nullptr;
  FingerprintReader* fingerprint = nullptr;
  DocumentReader* documents = nullptr;
};

class DeviceServer {
 public:
  // Serves `devices` on `listen` (port 0: any free port, see port()).
  // requires: the devices outlive the server.
  // throws DeviceFault (disconnected) when the address cannot be bound.
  DeviceServer(ServedDevices devices, boost::asio::ip::tcp::endpoint listen, RemoteOptions options = {});
  // Serves one camera.
  DeviceServer(Camera& camera, boost::asio::ip::tcp::endpoint listen, RemoteOptions options = {})
      : DeviceServer(ServedDevices{&camera, nullptr, nullptr}, listen, options) {}
  ~DeviceServer();  // stops
  std::uint16_t port() const;
  // ensures: the server no longer listens or serves; idempotent.
  void stop();
  std::uint64_t frames_served() const;
  std::uint64_t requests_served() const;  // of every kind, faults included
  std::uint64_t clients_dropped() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace gatesim::devices
