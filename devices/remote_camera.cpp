#include "devices/remote_camera.hpp"

#include <array>
#include <atomic>
#include <cstring>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <opencv2/imgcodecs.hpp>

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

namespace {

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint64_t get_u64(const std::string& in, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[at + i]);
  return v;
}

// The wire form of one message: length, type, payload.
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

}  // namespace

// --- client ---

struct RemoteCamera::Impl {
  tcp::endpoint server;
  RemoteOptions options;
  Clock& clock;
  asio::io_context io;
  tcp::socket socket{io};

  Impl(tcp::endpoint s, RemoteOptions o, Clock& c) : server(s), options(o), clock(c) {}

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

  std::string receive(const std::string& name, MessageType& type) {
    std::array<unsigned char, 4> header{};
    boost::system::error_code error;
    asio::async_read(socket, asio::buffer(header), [&](auto e, std::size_t) { error = e; });
    run(name, "waiting for a frame");
    if (error) fail(FaultKind::disconnected, name, "connection lost (" + error.message() + ")");
    const std::uint32_t length = length_of(header);
    if (length == 0 || length > options.max_message_bytes)
      fail(FaultKind::corrupt, name,
           "message of " + std::to_string(length) + " bytes (limit " + std::to_string(options.max_message_bytes) + ")");
    std::string body(length, '\0');
    asio::async_read(socket, asio::buffer(body), [&](auto e, std::size_t) { error = e; });
    run(name, "receiving a frame");
    if (error) fail(FaultKind::disconnected, name, "connection lost (" + error.message() + ")");
    type = static_cast<MessageType>(static_cast<unsigned char>(body[0]));
    return body.substr(1);
  }
};

RemoteCamera::RemoteCamera(tcp::endpoint server, RemoteOptions options, Clock& clock, std::string name)
    : impl_(std::make_unique<Impl>(server, options, clock)), name_(std::move(name)) {}

RemoteCamera::~RemoteCamera() = default;

void RemoteCamera::open() {
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

Frame RemoteCamera::read() {
  if (!impl_->socket.is_open()) throw DeviceFault(FaultKind::disconnected, name_, "not connected");
  const std::string request = envelope(MessageType::frame_request, "");
  boost::system::error_code error;
  asio::async_write(impl_->socket, asio::buffer(request), [&](auto e, std::size_t) { error = e; });
  impl_->run(name_, "sending a request");
  if (error) impl_->fail(FaultKind::disconnected, name_, "connection lost (" + error.message() + ")");
  MessageType type{};
  const std::string payload = impl_->receive(name_, type);
  if (type == MessageType::fault && !payload.empty() &&
      static_cast<unsigned char>(payload[0]) <= static_cast<unsigned char>(FaultKind::end_of_stream))
    throw DeviceFault(static_cast<FaultKind>(payload[0]), name_, "server: " + payload.substr(1));
  if (type != MessageType::frame || payload.size() < 17)
    impl_->fail(FaultKind::corrupt, name_, "unexpected message type " + std::to_string(int(type)));
  const cv::Mat jpeg(1, static_cast<int>(payload.size() - 16), CV_8U, const_cast<char*>(payload.data() + 16));
  cv::Mat image = cv::imdecode(jpeg, cv::IMREAD_COLOR);
  if (image.empty()) throw DeviceFault(FaultKind::corrupt, name_, "the frame does not decode as JPEG");
  return {image, Duration(static_cast<std::int64_t>(get_u64(payload, 0))), get_u64(payload, 8)};
}

void RemoteCamera::close() {
  boost::system::error_code ignored;
  impl_->socket.close(ignored);
}

bool RemoteCamera::is_open() const { return impl_->socket.is_open(); }

// --- server ---

struct DeviceServer::Impl {
  Camera& camera;
  RemoteOptions options;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread thread;
  std::atomic<std::uint64_t> served{0}, dropped{0};
  bool reopen = false;
  std::uint16_t port = 0;

  Impl(Camera& c, RemoteOptions o) : camera(c), options(o) {}

  void accept() {
    acceptor.async_accept([this](boost::system::error_code error, tcp::socket socket) {
      if (error) return;  // stopped
      socket.set_option(tcp::no_delay(true));
      serve(std::make_shared<Session>(std::move(socket)));
      accept();
    });
  }

  struct Session {
    explicit Session(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    std::array<unsigned char, 4> header{};
    std::string body, reply;
  };

  void drop(const std::shared_ptr<Session>& session) {
    ++dropped;
    boost::system::error_code ignored;
    session->socket.close(ignored);
  }

  void serve(std::shared_ptr<Session> session) {
    asio::async_read(session->socket, asio::buffer(session->header), [this, session](auto error, std::size_t) {
      if (error) return;  // the client left
      const std::uint32_t length = length_of(session->header);
      if (length == 0 || length > 1024) return drop(session);  // requests are tiny
      session->body.assign(length, '\0');
      asio::async_read(session->socket, asio::buffer(session->body), [this, session](auto e, std::size_t) {
        if (e) return;
        if (session->body != std::string(1, static_cast<char>(MessageType::frame_request))) return drop(session);
        session->reply = answer();
        asio::async_write(session->socket, asio::buffer(session->reply), [this, session](auto we, std::size_t) {
          if (!we) serve(session);
        });
      });
    });
  }

  // The next frame as a message, or the camera's fault.
  std::string answer() {
    try {
      if (reopen) {
        camera.close();
        camera.open();
        reopen = false;
      }
      const Frame frame = camera.read();
      std::vector<unsigned char> jpeg;
      cv::imencode(".jpg", frame.image, jpeg, {cv::IMWRITE_JPEG_QUALITY, options.jpeg_quality});
      std::string payload;
      put_u64(payload, static_cast<std::uint64_t>(frame.timestamp.count()));
      put_u64(payload, frame.sequence);
      payload.append(jpeg.begin(), jpeg.end());
      if (payload.size() + 1 > options.max_message_bytes)
        return envelope(MessageType::fault, std::string(1, char(FaultKind::corrupt)) + "frame larger than the limit");
      ++served;
      return envelope(MessageType::frame, payload);
    } catch (const DeviceFault& fault) {
      reopen = fault.kind() == FaultKind::disconnected || fault.kind() == FaultKind::timeout;
      return envelope(MessageType::fault, std::string(1, static_cast<char>(fault.kind())) + fault.what());
    }
  }
};

DeviceServer::DeviceServer(Camera& camera, tcp::endpoint listen, RemoteOptions options)
    : impl_(std::make_shared<Impl>(camera, options)) {
  boost::system::error_code error;
  impl_->acceptor.open(listen.protocol(), error);
  if (!error) impl_->acceptor.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) impl_->acceptor.bind(listen, error);
  if (!error) impl_->acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error)
    throw DeviceFault(FaultKind::disconnected, "device-server",
                      "cannot listen on " + listen.address().to_string() + ":" + std::to_string(listen.port()) + " (" +
                          error.message() + ")");
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->accept();
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

DeviceServer::~DeviceServer() { stop(); }

std::uint16_t DeviceServer::port() const { return impl_->port; }

void DeviceServer::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->io.stop();
  impl_->thread.join();
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
}

std::uint64_t DeviceServer::frames_served() const { return impl_->served; }
std::uint64_t DeviceServer::clients_dropped() const { return impl_->dropped; }

}  // namespace gatesim::devices
