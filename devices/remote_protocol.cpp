#include "devices/remote_protocol.hpp"

#include <algorithm>
#include <bit>
#include <optional>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>

#include "devices/fingerprint_reader.hpp"
#include "devices/remote_link.hpp"
#include "models/input_error.hpp"

namespace gatesim::devices {

namespace asio = boost::asio;
using asio::ip::tcp;

asio::ip::tcp::endpoint parse_endpoint(const std::string& text, const std::string& where) {
  auto bad = [&] { throw models::InputError(where + ": expected HOST:PORT such as 127.0.0.1:7401"); };
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) bad();
  std::string host = text.substr(0, colon);
  const std::string port = text.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535)
    bad();
  boost::system::error_code error;
  const auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, error);
  if (error) bad();
  return {address, static_cast<std::uint16_t>(std::stoul(port))};
}

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint64_t get_u64(const std::string& in, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[at + i]);
  return v;
}

std::string envelope(MessageType type, const std::string& payload) {
  const auto length = static_cast<std::uint32_t>(payload.size() + 1);
  std::string out;
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
  out.push_back(static_cast<char>(type));
  return out + payload;
}

std::uint32_t length_of(const std::array<unsigned char, 4>& header) {
  return (std::uint32_t{header[0]} << 24) | (std::uint32_t{header[1]} << 16) | (std::uint32_t{header[2]} << 8) |
         header[3];
}

std::string fault_message(FaultKind kind, const std::string& text) {
  return envelope(MessageType::fault, std::string(1, static_cast<char>(kind)) + text);
}

Answer decode_answer(const std::string& body) {
  if (body.empty()) throw models::InputError("an empty message");
  Answer answer{};
  answer.type = static_cast<MessageType>(static_cast<unsigned char>(body[0]));
  const std::string payload = body.substr(1);
  switch (answer.type) {
    case MessageType::frame:
      if (payload.size() < 17) throw models::InputError("a frame of " + std::to_string(payload.size()) + " bytes");
      answer.frame = {std::chrono::nanoseconds(static_cast<std::int64_t>(get_u64(payload, 0))), get_u64(payload, 8),
                      payload.substr(16)};
      return answer;
    case MessageType::touch: {
      if (payload.size() != 9)
        throw models::InputError("a touch answer of " + std::to_string(payload.size()) + " bytes, expected 9");
      const auto status = static_cast<unsigned char>(payload[0]);
      const double score = std::bit_cast<double>(get_u64(payload, 1));
      if (status > static_cast<unsigned char>(FingerprintStatus::poor_capture) || !(score >= 0 && score <= 1))
        throw models::InputError("a touch answer out of range (status " + std::to_string(status) + ", score " +
                                 std::to_string(score) + ")");
      answer.touch = {status, score};
      return answer;
    }
    case MessageType::document:
      answer.text = payload;
      return answer;
    case MessageType::no_document:
      if (!payload.empty()) throw models::InputError("a no_document answer with a payload");
      return answer;
    case MessageType::passage:
      if (payload.size() != 1 || static_cast<unsigned char>(payload[0]) > kMaxPassagePeople)
        throw models::InputError("a passage answer of " + std::to_string(payload.size()) + " bytes" +
                                 (payload.empty() ? "" : " counting " + std::to_string(static_cast<unsigned char>(payload[0]))) +
                                 ", expected one byte 0-" + std::to_string(kMaxPassagePeople));
      answer.people = static_cast<unsigned char>(payload[0]);
      return answer;
    case MessageType::fault:
      if (payload.empty() || static_cast<unsigned char>(payload[0]) > static_cast<unsigned char>(FaultKind::end_of_stream))
        throw models::InputError("a fault message without a fault kind");
      answer.fault_kind = static_cast<FaultKind>(payload[0]);
      answer.text = payload.substr(1);
      return answer;
    default:
      throw models::InputError("unexpected message type " + std::to_string(int(answer.type)));
  }
}

Request decode_request(const std::string& body) {
  if (body.empty() || body.size() > kMaxRequestBytes)
    throw models::InputError("a request of " + std::to_string(body.size()) + " bytes");
  Request request{static_cast<MessageType>(static_cast<unsigned char>(body[0])), {}};
  const std::string payload = body.substr(1);
  switch (request.type) {
    case MessageType::frame_request:
    case MessageType::document_request:
    case MessageType::passage_request:
      if (!payload.empty()) throw models::InputError("a request that takes no payload came with one");
      return request;
    case MessageType::touch_request:
      // A holder id goes into messages and file names of readers (libfprint's prints=DIR).
      if (payload.empty() || payload.size() > 256 || std::any_of(payload.begin(), payload.end(), [](char c) {
            return static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '/';
          }))
        throw models::InputError("a touch request's holder id: expected 1 to 256 characters, no control character or '/'");
      request.holder_id = payload;
      return request;
    default:
      throw models::InputError("unexpected request type " + std::to_string(int(request.type)));
  }
}

struct MessageClient::Impl {
  tcp::endpoint server;
  RemoteOptions options;
  asio::io_context io;
  std::unique_ptr<Link> link;

  Impl(tcp::endpoint s, RemoteOptions o) : server(s), options(std::move(o)) {}

  // Runs the started operation; on timeout closes the connection (cancelling it) and throws.
  void run(const std::string& name, const std::string& doing) {
    io.restart();
    io.run_for(options.timeout);
    if (!io.stopped()) {
      link->close();
      io.restart();
      io.run();
      throw DeviceFault(FaultKind::timeout, name, "no answer while " + doing);
    }
  }

  // Fails the connection: closes it and throws.
  [[noreturn]] void fail(FaultKind kind, const std::string& name, const std::string& why) {
    if (link) link->close();
    throw DeviceFault(kind, name, why);
  }

  // Sends `request` and receives the answer's body. When `may_resend` and the connection turns
  // out closed by the peer before any byte of an answer came (the write failed, or the read
  // ended at once), closes it and returns nothing: the server never read the request.
  std::optional<std::string> send_and_receive(const std::string& name, const std::string& request,
                                              const std::string& what, bool may_resend) {
    const auto peer_closed = [](const boost::system::error_code& e) {
      return e == asio::error::eof || e == asio::error::connection_reset || e == asio::error::broken_pipe ||
             e == asio::error::connection_aborted || e == asio::ssl::error::stream_truncated;
    };
    boost::system::error_code error;
    link->async_write(asio::buffer(request), [&](auto e, std::size_t) { error = e; });
    run(name, "sending a request");
    if (error && may_resend && peer_closed(error)) return close_for_resend();
    if (error) fail(FaultKind::disconnected, name, "connection lost (" + error.message() + ")");
    std::array<unsigned char, 4> header{};
    std::size_t got = 0;
    link->async_read(asio::buffer(header), [&](auto e, std::size_t n) { error = e, got = n; });
    run(name, "waiting for " + what);
    if (error && got == 0 && may_resend && peer_closed(error)) return close_for_resend();
    if (error) fail(FaultKind::disconnected, name, "connection lost (" + error.message() + ")");
    const std::uint32_t length = length_of(header);
    if (length == 0 || length > options.max_message_bytes)
      fail(FaultKind::corrupt, name,
           "message of " + std::to_string(length) + " bytes (limit " + std::to_string(options.max_message_bytes) + ")");
    std::string body(length, '\0');
    link->async_read(asio::buffer(body), [&](auto e, std::size_t) { error = e; });
    run(name, "receiving " + what);
    if (error) fail(FaultKind::disconnected, name, "connection lost (" + error.message() + ")");
    return body;
  }

  std::nullopt_t close_for_resend() {
    link->close();
    return std::nullopt;
  }
};

MessageClient::MessageClient(tcp::endpoint server, RemoteOptions options, std::string name)
    : impl_(std::make_unique<Impl>(server, std::move(options))), name_(std::move(name)) {}

MessageClient::~MessageClient() = default;

void MessageClient::connect() {
  close();
  impl_->link = std::make_unique<Link>(tcp::socket(impl_->io), impl_->options.tls.get());
  boost::system::error_code error;
  impl_->link->socket().async_connect(impl_->server, [&](auto e) { error = e; });
  try {
    impl_->run(name_, "connecting");
  } catch (const DeviceFault&) {
    throw DeviceFault(FaultKind::disconnected, name_, "cannot connect in time");
  }
  if (error) impl_->fail(FaultKind::disconnected, name_, "cannot connect (" + error.message() + ")");
  impl_->link->socket().set_option(tcp::no_delay(true));
  if (!impl_->link->is_tls()) return;
  // The server's certificate must name the address dialled (an IP entry), not only be the CA's.
  const std::string address = impl_->server.address().to_string();
  if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(impl_->link->ssl()), address.c_str()) != 1)
    impl_->fail(FaultKind::disconnected, name_, "cannot check the server's certificate against " + address);
  impl_->link->async_handshake(asio::ssl::stream_base::client, [&](auto e) { error = e; });
  try {
    impl_->run(name_, "the TLS handshake");
  } catch (const DeviceFault&) {
    throw DeviceFault(FaultKind::disconnected, name_, "no TLS handshake in time");
  }
  if (error) {
    const long verdict = SSL_get_verify_result(impl_->link->ssl());
    const std::string why = verdict != X509_V_OK ? X509_verify_cert_error_string(verdict) : error.message();
    impl_->fail(FaultKind::disconnected, name_, "TLS handshake failed (" + why + ")");
  }
}

void MessageClient::close() {
  if (impl_->link) impl_->link->close();
}

bool MessageClient::is_open() const { return impl_->link && impl_->link->is_open(); }

Answer MessageClient::exchange(MessageType request_type, const std::string& payload, const std::string& what,
                               std::initializer_list<MessageType> expected) {
  // A connection made for this request is not resent on: its failure is the server's. One the
  // server closed while it lay idle fails the write or the answer's first read with the peer's
  // close, and the request goes again on a new connection (send_and_receive).
  const bool fresh = !is_open();
  if (fresh) connect();
  const std::string request = envelope(request_type, payload);
  std::optional<std::string> body = impl_->send_and_receive(name_, request, what, !fresh);
  if (!body) {
    connect();
    body = impl_->send_and_receive(name_, request, what, false);
  }
  Answer answer;
  try {
    answer = decode_answer(*body);
  } catch (const models::InputError& e) {
    impl_->fail(FaultKind::corrupt, name_, e.what());
  }
  if (answer.type == MessageType::fault) throw DeviceFault(answer.fault_kind, name_, "server: " + answer.text);
  if (std::find(expected.begin(), expected.end(), answer.type) == expected.end())
    impl_->fail(FaultKind::corrupt, name_, "expected " + what + ", got message type " + std::to_string(int(answer.type)));
  return answer;
}

}  // namespace gatesim::devices
