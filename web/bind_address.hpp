#pragma once
// BindAddress: where the dashboard's HTTP server listens, parsed from `--http HOST:PORT`, and
// the one rule for exposing it: loopback needs nothing, any other address needs a token and TLS
// (or the operator's word that plain HTTP will do).
//
// Thread safety: plain values and pure functions.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gatesim::web {

struct BindAddress {
  std::string host;        // an IPv4 or IPv6 literal ("127.0.0.1", "::1"); "localhost" becomes 127.0.0.1
  std::uint16_t port = 0;  // 0: the system chooses (tests)
  bool loopback = true;    // the address is 127.0.0.0/8 or ::1
};

// ensures: the address of "HOST:PORT", "[V6]:PORT" or ":PORT" (127.0.0.1).
// throws models::InputError "<flag> <text>: expected HOST:PORT ..." for anything else.
BindAddress parse_bind_address(const std::string& text, const std::string& flag = "--http");

// The token rule: 16 characters or more (to resist guessing), each an unreserved URL character
// (A-Z a-z 0-9 - . _ ~), so that `?token=TOKEN` means the same to the page (which reads it from
// its own address and passes it on, encodeURIComponent) and to the server (which compares bytes).
inline constexpr std::size_t kMinTokenLength = 16;
// ensures: true when `token` follows the token rule.
bool valid_token(std::string_view token);

// How a server is protected: its token (empty: none), whether it speaks TLS, and whether its
// operator accepts plain HTTP beyond loopback (--http-insecure).
struct Protection {
  std::string token;
  bool tls = false;
  bool insecure = false;
};

// The exposure rule (the device links' too, docs/device-links.md): a server bound beyond loopback
// serves only requests that carry the token, and only over TLS unless its operator says insecure.
// throws models::InputError, one line naming `flag` (or --http-token) and why, when `address`
//        is not loopback and has no token, or no TLS and not insecure; or when a token is given
//        that breaks the token rule.
void check_exposure(const BindAddress& address, const Protection& protection, const std::string& flag = "--http");

}  // namespace gatesim::web
