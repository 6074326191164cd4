#pragma once
// Remote readers over TCP or mutual TLS: a fingerprint reader and a document reader served by
// `gatesim device-server` (DeviceServer) on the host the device is plugged into, used by a gate
// on another host through tcp://HOST:PORT or tls://HOST:PORT. Messages as in remote_protocol.hpp.
//
// Reconnect: a reader connects at its first call; after a timeout or a lost connection the
// fault is reported to the caller (the lane refers that traveller), and the next call connects
// again. A fault of the device itself (sent by the server) leaves the connection open.
//
// Thread safety: one thread at a time, like every reader.

#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "devices/document_reader.hpp"
#include "devices/fingerprint_reader.hpp"
#include "devices/remote_protocol.hpp"

namespace gatesim::devices {

class RemoteFingerprintReader final : public FingerprintReader {
 public:
  RemoteFingerprintReader(boost::asio::ip::tcp::endpoint server, RemoteOptions options, std::string name);
  // ensures: the served reader's reading for `holder_id`.
  // throws DeviceFault: the served reader's fault as sent; disconnected, timeout or corrupt
  //        for the connection (see MessageClient::exchange).
  FingerprintReading verify(const std::string& holder_id) override;
  std::string name() const override { return client_.name(); }

 private:
  MessageClient client_;
};

class RemoteDocumentReader final : public DocumentReader {
 public:
  RemoteDocumentReader(boost::asio::ip::tcp::endpoint server, RemoteOptions options, std::string name);
  // ensures: the served reader's next record, parsed here by parse_chip_record (as chips:
  //          lines are); std::nullopt when the served reader has no more.
  // throws DeviceFault: as RemoteFingerprintReader; corrupt for a record that does not parse
  //        (the connection stays open: the next traveller's record can be good).
  std::optional<ChipRecord> read() override;
  std::string name() const override { return client_.name(); }

 private:
  MessageClient client_;
  std::uint64_t records_ = 0;  // received, for messages ("record 3")
};

}  // namespace gatesim::devices
