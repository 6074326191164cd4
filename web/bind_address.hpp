#pragma once
// BindAddress: where the dashboard's HTTP server listens, parsed from `--http HOST:PORT`, and
// the one rule for exposing it: loopback needs nothing, any other address needs a token.
//
// Thread safety: plain values and pure functions.

#include <cstdint>
#include <string>

namespace gatesim::web {

struct BindAddress {
  std::string host;        // an IPv4 or IPv6 literal ("127.0.0.1", "::1"); "localhost" becomes 127.0.0.1
  std::uint16_t port = 0;  // 0: the system chooses (tests)
  bool loopback = true;    // the address is 127.0.0.0/8 or ::1
};

// ensures: the address of "HOST:PORT", "[V6]:PORT" or ":PORT" (127.0.0.1).
// throws models::InputError "<flag> <text>: expected HOST:PORT ..." for anything else.
BindAddress parse_bind_address(const std::string& text, const std::string& flag = "--http");

// The exposure rule: a server bound beyond loopback serves only requests that carry the token.
// throws models::InputError, one line naming `flag` and why, when `address` is not loopback and
//        `token` is empty (or too short to resist guessing: fewer than 16 characters).
void check_exposure(const BindAddress& address, const std::string& token, const std::string& flag = "--http");

}  // namespace gatesim::web
