#pragma once
// Mutual TLS for device links (tls://HOST:PORT devices and `gatesim device-server --tls-*`):
// OpenSSL contexts through Boost.Asio's SSL streams. Both ends present a certificate and verify
// the other's against the bench's CA (`gatesim pki init`); TLS 1.2 is the oldest version
// either end speaks. A client also checks that the server's certificate names the address it
// connected to (an IP address entry), so a lane's client certificate cannot pose as a server.
//
// Thread safety: a context is built once and then only read (OpenSSL contexts may be shared
// by the connections of any thread); the free functions are pure.

#include <memory>
#include <optional>
#include <string>

namespace boost::asio::ssl {
class context;
}
using SSL = struct ssl_st;  // OpenSSL's connection type (ssl_st), without its headers

namespace gatesim::devices {

// Where a context's files are, and how messages name them.
struct TlsFiles {
  std::string ca, cert, key;  // PEM files: the CA that signed the peers, this end's certificate and key
  std::string where;          // names the source in messages ("device-server", "--camera tls://...")
  std::string ca_label = "ca=", cert_label = "cert=", key_label = "key=";  // how each file is named
  // false (device links): mutual TLS, `ca` required. true (the dashboard's HTTPS, whose browsers
  // carry no certificate): `ca` may be empty, and then the server asks its clients for none.
  bool ca_optional = false;
};

enum class TlsRole { server, client };

// requires: a server role when files.ca_optional and files.ca is empty.
// ensures: a context that presents `files.cert` with `files.key`, verifies the peer against
//          `files.ca` (a peer without a certificate is refused; with no CA, under
//          files.ca_optional, peers are not asked for one), and speaks TLS 1.2 or later.
// throws models::InputError "<where>: <label><file>: <what is wrong>" for a missing or
//        unreadable file, a file that is not PEM of the right kind, or a key that does not
//        belong to the certificate.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const TlsFiles& files, TlsRole role);

// The common name (CN) of the peer's verified certificate; nullopt when there is none.
// requires: `ssl` is a connection whose handshake succeeded.
std::optional<std::string> peer_common_name(SSL* ssl);

}  // namespace gatesim::devices
