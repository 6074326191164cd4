#pragma once
// RemotePassageSensor: an exit sensor served by `gatesim device-server --passage URI`
// (DeviceServer) on the host it is wired to, used by a gate on another host through
// tcp://HOST:PORT or tls://HOST:PORT. Each await_clear() sends a passage_request and waits for
// the served sensor's count (messages as in remote_protocol.hpp) no longer than
// RemoteOptions::timeout: a passage takes the traveller's time, so the lane's default is long
// (see open_passage_sensor).
//
// Reconnect: as the remote readers (remote_readers.hpp): connects at its first call; after a
// timeout or a lost connection the fault goes to the caller (the lane raises an exit sensor
// fault) and the next call connects again; a fault of the served sensor leaves it open.
//
// Thread safety: one thread at a time, like every passage sensor.

#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "devices/passage_sensor.hpp"
#include "devices/remote_protocol.hpp"

namespace gatesim::devices {

class RemotePassageSensor final : public PassageSensor {
 public:
  // `name` is the device's name in faults (the URI it was opened from).
  RemotePassageSensor(boost::asio::ip::tcp::endpoint server, RemoteOptions options, std::string name);
  // ensures: the served sensor's count of the people who went through (0..kMaxPassagePeople).
  // throws DeviceFault: the served sensor's fault as sent; disconnected, timeout or corrupt for
  //        the connection (see MessageClient::exchange), corrupt for an answer of another type.
  int await_clear() override;
  std::string name() const override { return client_.name(); }

 private:
  MessageClient client_;
};

}  // namespace gatesim::devices
