#pragma once
// DeviceServer: serves the devices plugged into this host (a camera, a fingerprint reader, a
// document reader, an exit sensor) to gates on other hosts, which use them through
// tcp://HOST:PORT or tls://HOST:PORT (RemoteCamera, RemoteFingerprintReader,
// RemoteDocumentReader, RemotePassageSensor; messages as in remote_protocol.hpp).
//
// Transport: plain TCP, or mutual TLS when ServerOptions::tls is set (make_tls_context, server
// role): a client without a certificate the CA signed, with an expired one, or speaking
// older than TLS 1.2 fails the handshake and is closed.
//
// Sessions and their limits (ServerLimits): a session waits for the TLS handshake and for the
// rest of a request at most read_timeout, for its next request at most idle_timeout, and for
// the client to take an answer at most write_timeout; past any of them it is closed. At most
// max_sessions are open: a connection beyond that makes room by closing the session idle the
// longest (waiting for a handshake or for its next request) among those not yet known — in
// their TLS handshake, or plain and not past a first request — and only when there is none
// among the known lanes; it is refused (closed at once) when every session is busy — so idle
// or unauthenticated connections never lock a working lane out.
// Slow readers: a session reads its next request only after its answer is written, so the
// server holds at most one answer per session (max_sessions answers of at most
// RemoteOptions::max_message_bytes in all); a client that does not take its answer within
// write_timeout is closed (never queued for). Requests are capped at kMaxRequestBytes,
// answers at max_message_bytes (a larger one is the device's corrupt fault).
//
// Who may verify a fingerprint: over TLS, only a client whose certificate's common name is in
// ServerOptions::fingerprint_clients (the lanes this reader belongs to; `pki init --client`
// names them) — any holder id it names, since the server cannot know who stands at the lane;
// any other client's touch request is answered with a disconnected fault naming the rule. Over
// plain TCP there is no client identity: any client may (the command allows plain TCP only on
// loopback, or with --insecure). Frames, documents and passages: any client the TLS handshake
// authenticated (a certificate the CA signed).
//
// Devices: every device call runs on the server's device thread, one at a time in request
// order (a fingerprint touch or a passage that takes seconds holds the other requests up, a
// served camera's frames too; a bench has one lane per server), never on the network thread:
// sessions time out, are accepted and are closed while a device is busy. Each request gets
// the device's answer or its fault; a camera that reported disconnected or timeout is reopened
// at the next frame request. A request for a device not served is answered with a
// disconnected fault. A client that sends a bad message is closed; the others go on.
//
// stop() never waits for a device: it closes the listener and every session, joins the
// network thread, and joins the device thread unless a device call is under way — then that
// thread is left to finish the call on its own (it shares ownership of the devices, which is
// why they are given as shared_ptr: nothing it touches can be freed under it) and ends after.
//
// Thread safety: the server runs its own threads; its public functions may be called from any
// one thread (counts() and sessions() from any). The devices are used only by the device thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "devices/camera.hpp"
#include "devices/device_fault.hpp"
#include "devices/document_reader.hpp"
#include "devices/fingerprint_reader.hpp"
#include "devices/passage_sensor.hpp"
#include "devices/remote_protocol.hpp"

namespace gatesim::devices {

// What a server serves; null: not served. A camera must be open.
struct ServedDevices {
  std::shared_ptr<Camera> camera = nullptr;
  std::shared_ptr<FingerprintReader> fingerprint = nullptr;
  std::shared_ptr<DocumentReader> documents = nullptr;
  std::shared_ptr<PassageSensor> passage = nullptr;
};

struct ServerLimits {
  std::size_t max_sessions = 16;
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(2)};  // between requests
  std::chrono::milliseconds read_timeout{std::chrono::seconds(5)};  // handshake; a request's body
  std::chrono::milliseconds write_timeout{std::chrono::seconds(5)}; // an answer taken by the client
};

struct ServerOptions {
  RemoteOptions remote = {};  // max_message_bytes caps answers; jpeg_quality; tls unused here
  std::shared_ptr<boost::asio::ssl::context> tls = nullptr;  // server role; null: plain TCP
  ServerLimits limits = {};
  std::set<std::string> fingerprint_clients = {};  // over TLS: certificate names that may verify
};

// Why sessions ended, and what was refused, since the server started.
struct SessionCounts {
  std::uint64_t accepted = 0;           // connections taken (sessions started)
  std::uint64_t refused = 0;            // at max_sessions with no idle session: closed at once
  std::uint64_t evicted = 0;            // idle sessions closed to make room for a new one
  std::uint64_t idle_closed = 0;        // no request within idle_timeout
  std::uint64_t read_timeouts = 0;      // handshake or request body not within read_timeout
  std::uint64_t slow_readers = 0;       // an answer not taken within write_timeout
  std::uint64_t bad_messages = 0;       // protocol errors
  std::uint64_t handshakes_failed = 0;  // TLS: no certificate, another CA's, expired, ...
  std::uint64_t touches_refused = 0;    // fingerprint requests of a client not allowed to
};

class DeviceServer {
 public:
  // Serves `devices` on `listen` (port 0: any free port, see port()).
  // throws DeviceFault (disconnected) when the address cannot be bound.
  DeviceServer(ServedDevices devices, boost::asio::ip::tcp::endpoint listen, ServerOptions options = {});
  ~DeviceServer();  // stops
  std::uint16_t port() const;
  // ensures: the server no longer listens or serves, without waiting for a device call under
  //          way (see above); idempotent.
  void stop();
  std::uint64_t frames_served() const;
  std::uint64_t requests_served() const;  // of every kind, faults included
  // ensures: the device faults answered (a device's failure sent to the client as a fault) of `kind`.
  std::uint64_t faults_served(FaultKind kind) const;
  SessionCounts counts() const;
  std::size_t sessions() const;  // open now

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace gatesim::devices
