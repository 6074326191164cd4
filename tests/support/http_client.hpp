#pragma once
// A minimal HTTP/1.1 client over a real loopback socket for the dashboard's tests: sends bytes
// as given (so a test can send a malformed request) and reads the answer until the server
// closes the connection.

#include <cstdint>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

namespace gatesim::testing {

struct HttpAnswer {
  int status = 0;      // 0: no answer (connection refused or closed without one)
  std::string head;    // status line and headers
  std::string body;
};

// requires: `request` a whole request (or deliberately not one); the server closes after it
//           (send "Connection: close").
inline HttpAnswer http_exchange(std::uint16_t port, const std::string& request, const std::string& host = "127.0.0.1") {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({asio::ip::make_address(host), port}, ec);
  if (ec) return {};
  asio::write(socket, asio::buffer(request), ec);
  std::string raw;
  asio::read(socket, asio::dynamic_buffer(raw), ec);  // until EOF (or reset)
  HttpAnswer answer;
  const auto end_of_head = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || end_of_head == std::string::npos) return answer;
  answer.status = std::stoi(raw.substr(9, 3));
  answer.head = raw.substr(0, end_of_head);
  answer.body = raw.substr(end_of_head + 4);
  return answer;
}

// GET `target` with Connection: close (and an Authorization header when `token` is given).
inline HttpAnswer http_get(std::uint16_t port, const std::string& target, const std::string& token = "") {
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
  return http_exchange(port, request + "\r\n");
}

// POST `body` to `target` as `content_type`, with Connection: close (and the token, when given,
// and an Origin header, when given: what a browser's page sends).
inline HttpAnswer http_post(std::uint16_t port, const std::string& target, const std::string& body, const std::string& token = "",
                            const std::string& content_type = "application/json", const std::string& origin = "") {
  std::string request = "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                        "\r\nConnection: close\r\nContent-Type: " + content_type + "\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n";
  if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
  if (!origin.empty()) request += "Origin: " + origin + "\r\n";
  return http_exchange(port, request + "\r\n" + body);
}

}  // namespace gatesim::testing
