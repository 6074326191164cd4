#include "devices/tls.hpp"

#include <cassert>
#include <filesystem>
#include <fstream>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>

#include "models/input_error.hpp"

namespace gatesim::devices {

namespace ssl = boost::asio::ssl;

namespace {

// OpenSSL's last error as text ("no start line", "key values mismatch"), cleared.
std::string openssl_error() {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return "not understood";
  const char* reason = ERR_reason_error_string(code);
  return reason ? reason : "error " + std::to_string(code);
}

}  // namespace

std::shared_ptr<ssl::context> make_tls_context(const TlsFiles& files, TlsRole role) {
  auto fail = [&](const std::string& label, const std::string& file, const std::string& what) {
    throw models::InputError(files.where + ": " + label + file + ": " + what);
  };
  const std::pair<const std::string*, const std::string*> named[] = {
      {&files.ca_label, &files.ca}, {&files.cert_label, &files.cert}, {&files.key_label, &files.key}};
  assert(!files.ca_optional || !files.ca.empty() || role == TlsRole::server);
  const bool verify_peers = !files.ca.empty() || !files.ca_optional;
  for (const auto& [label, file] : named) {
    if (file == &files.ca && !verify_peers) continue;
    if (file->empty())
      throw models::InputError(files.where + ": " + *label + "FILE missing: TLS needs " +
                               (files.ca_optional ? "a certificate and a key" : "a CA, a certificate and a key"));
    std::error_code ignored;
    if (!std::filesystem::is_regular_file(*file, ignored)) fail(*label, *file, "no such file");
    if (!std::ifstream(*file)) fail(*label, *file, "cannot be read");
  }
  auto context = std::make_shared<ssl::context>(role == TlsRole::server ? ssl::context::tls_server
                                                                        : ssl::context::tls_client);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  ERR_clear_error();
  if (verify_peers && SSL_CTX_load_verify_locations(native, files.ca.c_str(), nullptr) != 1)
    fail(files.ca_label, files.ca, "not a PEM CA certificate (" + openssl_error() + ")");
  if (SSL_CTX_use_certificate_chain_file(native, files.cert.c_str()) != 1)
    fail(files.cert_label, files.cert, "not a PEM certificate (" + openssl_error() + ")");
  // The key is read first so that a file that is no key and a key of another certificate
  // get different messages (OpenSSL refuses both in SSL_CTX_use_PrivateKey).
  EVP_PKEY* key = nullptr;
  if (BIO* in = BIO_new_file(files.key.c_str(), "r")) {
    key = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
    BIO_free(in);
  }
  if (!key) fail(files.key_label, files.key, "not a PEM private key (" + openssl_error() + ")");
  const bool matches = SSL_CTX_use_PrivateKey(native, key) == 1 && SSL_CTX_check_private_key(native) == 1;
  EVP_PKEY_free(key);
  if (!matches) fail(files.key_label, files.key, "not the private key of " + files.cert + " (" + openssl_error() + ")");
  // Both ends insist on the other's certificate: a server refuses a client without one.
  SSL_CTX_set_verify(native, verify_peers ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_NONE, nullptr);
  return context;
}

std::optional<std::string> peer_common_name(SSL* connection) {
  X509* peer = SSL_get0_peer_certificate(connection);
  if (!peer) return std::nullopt;
  char name[256] = {};
  const int length = X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, name, sizeof name);
  if (length < 0) return std::nullopt;
  return std::string(name, static_cast<std::size_t>(length));
}

}  // namespace gatesim::devices
