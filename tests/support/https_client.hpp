#pragma once
// HTTPS and WSS clients over a real loopback socket for the dashboard's TLS tests. They verify
// the server's certificate as a browser given the CA would: signed by the CA file and naming the
// address dialled (an IP address entry); optionally they present a client certificate.

#include <cstdint>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "tests/support/http_client.hpp"

namespace gatesim::testing {

// PEM files: the CA the server's certificate must be signed by; a client certificate and key
// (both empty: none presented).
struct TlsClientFiles {
  std::string ca, cert, key;
};

struct HttpsAnswer : HttpAnswer {
  std::string error;  // the connection, handshake or verification failure (status 0); empty when answered
};

namespace detail {

inline boost::asio::ssl::context tls_client_context(const TlsClientFiles& files) {
  namespace ssl = boost::asio::ssl;
  ssl::context context(ssl::context::tls_client);
  context.load_verify_file(files.ca);
  if (!files.cert.empty()) {
    context.use_certificate_chain_file(files.cert);
    context.use_private_key_file(files.key, ssl::context::pem);
  }
  context.set_verify_mode(ssl::verify_peer);
  return context;
}

// requires: `stream` not connected. ensures: connected to 127.0.0.1:`port` and the TLS
// handshake done, the server verified. throws boost::system::system_error when not.
inline void tls_connect(boost::beast::ssl_stream<boost::beast::tcp_stream>& stream, std::uint16_t port) {
  namespace asio = boost::asio;
  boost::beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
  boost::beast::get_lowest_layer(stream).connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  stream.set_verify_callback(asio::ssl::host_name_verification("127.0.0.1"));
  stream.handshake(asio::ssl::stream_base::client);
}

}  // namespace detail

// GET `target` over HTTPS (with an Authorization header when `token` is given).
inline HttpsAnswer https_get(std::uint16_t port, const std::string& target, const TlsClientFiles& files,
                             const std::string& token = "") {
  namespace beast = boost::beast;
  namespace http = beast::http;
  HttpsAnswer answer;
  try {
    boost::asio::io_context io;
    auto context = detail::tls_client_context(files);
    beast::ssl_stream<beast::tcp_stream> stream(io, context);
    detail::tls_connect(stream, port);
    http::request<http::empty_body> request(http::verb::get, target, 11);
    request.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    request.keep_alive(false);
    if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
    http::write(stream, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    answer.status = static_cast<int>(response.result_int());
    for (const auto& field : response.base()) answer.head += std::string(field.name_string()) + ": " + std::string(field.value()) + "\r\n";
    answer.body = response.body();
    beast::error_code ignored;
    stream.shutdown(ignored);  // the server's close_notify, or its end of the connection
  } catch (const std::exception& e) {
    answer.status = 0;
    answer.error = e.what();
  }
  return answer;
}

// Opens the WebSocket at `target` over WSS and returns the first message the server pushes;
// throws (boost::system::system_error) when the connection, handshake or upgrade fails.
inline std::string wss_first_message(std::uint16_t port, const std::string& target, const TlsClientFiles& files) {
  namespace beast = boost::beast;
  boost::asio::io_context io;
  auto context = detail::tls_client_context(files);
  beast::websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(io, context);
  detail::tls_connect(ws.next_layer(), port);
  beast::get_lowest_layer(ws).expires_never();
  beast::websocket::stream_base::timeout timeout{};
  timeout.handshake_timeout = std::chrono::seconds(30);
  timeout.idle_timeout = std::chrono::seconds(30);
  ws.set_option(timeout);
  ws.handshake("127.0.0.1:" + std::to_string(port), target);
  beast::flat_buffer buffer;
  ws.read(buffer);
  std::string message = beast::buffers_to_string(buffer.data());
  beast::error_code ignored;
  ws.close(beast::websocket::close_code::normal, ignored);
  return message;
}

}  // namespace gatesim::testing
