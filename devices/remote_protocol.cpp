#include "devices/remote_protocol.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

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

struct MessageClient::Impl {
  tcp::endpoint server;
  RemoteOptions options;
  asio::io_context io;
  tcp::socket socket{io};

  Impl(tcp::endpoint s, RemoteOptions o) : server(s), options(o) {}

  // Runs the started operation; on timeout closes the socket (cancelling it) and throws.
  void run(const std::string& name, const std::string& doing) {
    io.restart();
    io.run_for(options.timeout);
    if (!io.stopped()) {
      socket.close();
      io.restart();
      io.run();
      throw DeviceFault(FaultKind::timeout, name, "no answer while " + doing);
    }
  }

  // Fails the connection: closes it and throws.
  [[noreturn]] void fail(FaultKind kind, const std::string& name, const std::string& why) {
    boost::system::error_code ignored;
    socket.close(ignored);
    throw DeviceFault(kind, name, why);
  }

  std::string receive(const std::string& name, const std::string& what, MessageType& type) {
    std::array<unsigned char, 4> header{};
    boost::system::error_code error;
    asio::async_read(socket, asio::buffer(header), [&](auto e, std::size_t) { error = e; });
    run(name, "waiting for " + what);
    if (error) fail(FaultKind::disconnected, name, "connection lost (" + error.message() + ")");
    const std::uint32_t length = length_of(header);
    if (length == 0 || length > options.max_message_bytes)
      fail(FaultKind::corrupt, name,
           "message of " + std::to_string(length) + " bytes (limit " + std::to_string(options.max_message_bytes) + ")");
    std::string body(length, '\0');
    asio::async_read(socket, asio::buffer(body), [&](auto e, std::size_t) { error = e; });
    run(name, "receiving " + what);
    if (error) fail(FaultKind::disconnected, name, "connection lost (" + error.message() + ")");
    type = static_cast<MessageType>(static_cast<unsigned char>(body[0]));
    return body.substr(1);
  }
};

MessageClient::MessageClient(tcp::endpoint server, RemoteOptions options, std::string name)
    : impl_(std::make_unique<Impl>(server, options)), name_(std::move(name)) {}

MessageClient::~MessageClient() = default;

void MessageClient::connect() {
  close();
  boost::system::error_code error;
  impl_->socket.async_connect(impl_->server, [&](auto e) { error = e; });
  try {
    impl_->run(name_, "connecting");
  } catch (const DeviceFault&) {
    throw DeviceFault(FaultKind::disconnected, name_, "cannot connect in time");
  }
  if (error) impl_->fail(FaultKind::disconnected, name_, "cannot connect (" + error.message() + ")");
  impl_->socket.set_option(tcp::no_delay(true));
}

void MessageClient::close() {
  boost::system::error_code ignored;
  impl_->socket.close(ignored);
}

bool MessageClient::is_open() const { return impl_->socket.is_open(); }

std::pair<MessageType, std::string> MessageClient::exchange(MessageType request_type, const std::string& payload,
                                                            const std::string& what) {
  if (!impl_->socket.is_open()) throw DeviceFault(FaultKind::disconnected, name_, "not connected");
  const std::string request = envelope(request_type, payload);
  boost::system::error_code error;
  asio::async_write(impl_->socket, asio::buffer(request), [&](auto e, std::size_t) { error = e; });
  impl_->run(name_, "sending a request");
  if (error) impl_->fail(FaultKind::disconnected, name_, "connection lost (" + error.message() + ")");
  MessageType type{};
  std::string answer = impl_->receive(name_, what, type);
  if (type == MessageType::fault) {
    if (answer.empty() || static_cast<unsigned char>(answer[0]) > static_cast<unsigned char>(FaultKind::end_of_stream))
      protocol_error("a fault message without a fault kind");
    throw DeviceFault(static_cast<FaultKind>(answer[0]), name_, "server: " + answer.substr(1));
  }
  return {type, std::move(answer)};
}

void MessageClient::protocol_error(const std::string& why) { impl_->fail(FaultKind::corrupt, name_, why); }

}  // namespace gatesim::devices
