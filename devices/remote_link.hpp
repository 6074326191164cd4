#pragma once
// Link: one connection of the remote-device protocol, plain TCP or TLS over TCP, for the client
// (MessageClient) and the server (DeviceServer) alike, so neither spells out both cases.
// Over TLS, reads and writes go through Boost.Asio's SSL stream after the handshake; plain,
// straight to the socket (its handshake completes at once).
//
// Thread safety: one Link is used by one thread at a time (its io_context's).

#include <memory>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

namespace gatesim::devices {

class Link {
 public:
  using Socket = boost::asio::ip::tcp::socket;
  using TlsStream = boost::asio::ssl::stream<Socket>;

  // `tls` null: plain TCP. requires: `tls` outlives the Link.
  Link(Socket socket, boost::asio::ssl::context* tls) {
    if (tls) tls_ = std::make_unique<TlsStream>(std::move(socket), *tls);
    else plain_ = std::make_unique<Socket>(std::move(socket));
  }

  Socket& socket() { return tls_ ? tls_->next_layer() : *plain_; }
  // The TLS connection (OpenSSL's SSL*), null when plain.
  SSL* ssl() { return tls_ ? tls_->native_handle() : nullptr; }
  bool is_tls() const { return tls_ != nullptr; }

  // Handler: void(boost::system::error_code).
  template <class Handler>
  void async_handshake(boost::asio::ssl::stream_base::handshake_type type, Handler&& handler) {
    if (tls_) tls_->async_handshake(type, std::forward<Handler>(handler));
    else boost::asio::post(plain_->get_executor(), [h = std::forward<Handler>(handler)]() mutable {
      h(boost::system::error_code{});
    });
  }
  // Handler: void(boost::system::error_code, std::size_t).
  template <class Buffers, class Handler>
  void async_read(const Buffers& buffers, Handler&& handler) {
    if (tls_) boost::asio::async_read(*tls_, buffers, std::forward<Handler>(handler));
    else boost::asio::async_read(*plain_, buffers, std::forward<Handler>(handler));
  }
  template <class Buffers, class Handler>
  void async_write(const Buffers& buffers, Handler&& handler) {
    if (tls_) boost::asio::async_write(*tls_, buffers, std::forward<Handler>(handler));
    else boost::asio::async_write(*plain_, buffers, std::forward<Handler>(handler));
  }
  // ensures: the socket closed: pending operations end with operation_aborted. No TLS
  // close_notify is sent: a peer that stopped reading would otherwise hold the close up.
  void close() {
    boost::system::error_code ignored;
    socket().shutdown(Socket::shutdown_both, ignored);
    socket().close(ignored);
  }
  bool is_open() { return socket().is_open(); }

 private:
  std::unique_ptr<TlsStream> tls_;
  std::unique_ptr<Socket> plain_;
};

}  // namespace gatesim::devices
