#include "web/bind_address.hpp"

#include <algorithm>
#include <charconv>

#include <boost/asio/ip/address.hpp>

#include "models/input_error.hpp"

namespace gatesim::web {

BindAddress parse_bind_address(const std::string& text, const std::string& flag) {
  const auto bad = [&](const std::string& why) {
    return models::InputError(flag + " " + text + ": expected HOST:PORT (127.0.0.1:8080, [::1]:8080, :8080): " + why);
  };
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) throw bad("no port");
  std::string host = text.substr(0, colon);
  const std::string port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535)
    throw bad("the port is not a number from 0 to 65535");
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  boost::system::error_code parse_error;
  const auto address = boost::asio::ip::make_address(host, parse_error);
  if (parse_error) throw bad("'" + host + "' is not an IP address");
  return BindAddress{address.to_string(), static_cast<std::uint16_t>(port), address.is_loopback()};
}

bool valid_token(std::string_view token) {
  const auto unreserved = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
  };
  return token.size() >= kMinTokenLength && std::all_of(token.begin(), token.end(), unreserved);
}

void check_exposure(const BindAddress& address, const Protection& protection, const std::string& flag) {
  const std::string& token = protection.token;
  if (!token.empty() && !valid_token(token))
    throw models::InputError("--http-token: expected " + std::to_string(kMinTokenLength) +
                             " characters or more, each a letter, a digit or one of - . _ ~; got " + std::to_string(token.size()) +
                             " characters" + (token.size() >= kMinTokenLength ? ", not all of them those" : ""));
  if (address.loopback) return;
  if (token.empty())
    throw models::InputError(flag + " " + address.host + ": not a loopback address; the dashboard would be reachable from the " +
                             "network, so it needs --http-token TOKEN (" + std::to_string(kMinTokenLength) +
                             " characters or more), which every request must carry");
  if (!protection.tls && !protection.insecure)
    throw models::InputError(flag + " " + address.host + ": not a loopback address: give --http-tls-cert and --http-tls-key " +
                             "(HTTPS), or --http-insecure to send the token and the data over the network in clear text");
}

}  // namespace gatesim::web
