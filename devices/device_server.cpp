#include "devices/device_server.hpp"

#include <array>
#include <atomic>
#include <bit>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <opencv2/imgcodecs.hpp>

namespace gatesim::devices {

namespace asio = boost::asio;
using asio::ip::tcp;

struct DeviceServer::Impl {
  ServedDevices devices;
  RemoteOptions options;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread thread;
  std::atomic<std::uint64_t> frames{0}, requests{0}, dropped{0};
  bool reopen = false;
  std::uint16_t port = 0;

  Impl(ServedDevices d, RemoteOptions o) : devices(d), options(o) {}

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
      if (length == 0 || length > 1024) return drop(session);  // requests are small
      session->body.assign(length, '\0');
      asio::async_read(session->socket, asio::buffer(session->body), [this, session](auto e, std::size_t) {
        if (e) return;
        session->reply = answer(static_cast<MessageType>(session->body[0]), session->body.substr(1));
        if (session->reply.empty()) return drop(session);
        ++requests;
        asio::async_write(session->socket, asio::buffer(session->reply), [this, session](auto we, std::size_t) {
          if (!we) serve(session);
        });
      });
    });
  }

  // The answer to one request as a message; empty for a request that is not one.
  std::string answer(MessageType type, const std::string& payload) {
    const bool bare = payload.empty();
    try {
      if (type == MessageType::frame_request && bare) return frame();
      if (type == MessageType::touch_request && !bare) return touch(payload);
      if (type == MessageType::document_request && bare) return document();
      return {};
    } catch (const DeviceFault& fault) {
      if (type == MessageType::frame_request)
        reopen = fault.kind() == FaultKind::disconnected || fault.kind() == FaultKind::timeout;
      return fault_message(fault.kind(), fault.what());
    }
  }

  [[noreturn]] static void not_served(const std::string& what) {
    throw DeviceFault(FaultKind::disconnected, "device-server", "no " + what + " is served here");
  }

  // An answer larger than the client accepts is the device's fault, not the connection's.
  void check_size(const std::string& payload, const std::string& what) const {
    if (payload.size() + 1 > options.max_message_bytes)
      throw DeviceFault(FaultKind::corrupt, "device-server", what + " larger than the limit");
  }

  std::string frame() {
    if (!devices.camera) not_served("camera");
    if (reopen) {
      devices.camera->close();
      devices.camera->open();
      reopen = false;
    }
    const Frame frame = devices.camera->read();
    std::vector<unsigned char> jpeg;
    cv::imencode(".jpg", frame.image, jpeg, {cv::IMWRITE_JPEG_QUALITY, options.jpeg_quality});
    std::string payload;
    put_u64(payload, static_cast<std::uint64_t>(frame.timestamp.count()));
    put_u64(payload, frame.sequence);
    payload.append(jpeg.begin(), jpeg.end());
    check_size(payload, "frame");
    ++frames;
    return envelope(MessageType::frame, payload);
  }

  std::string touch(const std::string& holder_id) {
    if (!devices.fingerprint) not_served("fingerprint reader");
    const FingerprintReading reading = devices.fingerprint->verify(holder_id);
    std::string payload(1, static_cast<char>(reading.status));
    put_u64(payload, std::bit_cast<std::uint64_t>(reading.score));
    return envelope(MessageType::touch, payload);
  }

  std::string document() {
    if (!devices.documents) not_served("document reader");
    const std::optional<ChipRecord> record = devices.documents->read();
    if (!record) return envelope(MessageType::no_document, "");
    check_size(record->text, "document");
    return envelope(MessageType::document, record->text);
  }
};

DeviceServer::DeviceServer(ServedDevices devices, tcp::endpoint listen, RemoteOptions options)
    : impl_(std::make_shared<Impl>(devices, options)) {
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

std::uint64_t DeviceServer::frames_served() const { return impl_->frames; }
std::uint64_t DeviceServer::requests_served() const { return impl_->requests; }
std::uint64_t DeviceServer::clients_dropped() const { return impl_->dropped; }

}  // namespace gatesim::devices
