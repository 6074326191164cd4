#pragma once
// A bench's certificates for mutual TLS (`gatesim pki init DIR`, and the tests' certificates):
// a CA, server certificates (for `gatesim device-server`, naming the addresses clients dial)
// and client certificates (one per lane, its common name the lane's name), made with
// OpenSSL's API. Keys are ECDSA P-256, drawn from OpenSSL's random generator (a key is a
// secret: no seed fixes it); certificates are signed with SHA-256.
//
// Thread safety: free functions; the files they write are theirs alone while they run.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace gatesim::devices {

// A certificate and its private key, as PEM text.
struct Credential {
  std::string certificate_pem;
  std::string key_pem;
};

enum class CertificateUse { ca, server, client };

struct CertificateRequest {
  std::string common_name;
  CertificateUse use = CertificateUse::client;
  std::vector<std::string> addresses;      // server: IP addresses and host names clients dial
  std::chrono::seconds not_before{-3600};  // from now (an hour back: clocks of a bench differ)
  std::chrono::seconds not_after{std::chrono::hours(24 * 825)};  // from now; negative: expired
};

// ensures: a self-signed CA certificate (use ca) and its key.
Credential make_ca(const CertificateRequest& request);
// requires: `ca` came from make_ca; request.use is server or client.
// ensures: a certificate for `request` signed by `ca`: extended key usage serverAuth or
//          clientAuth only, so one side's certificate does not serve the other.
// throws models::InputError for an address that is neither an IP address nor a host name.
Credential issue_certificate(const Credential& ca, const CertificateRequest& request);

// ensures: the certificate and key written as PEM files, the key readable by its owner only.
// throws models::InputError naming the file when it cannot be written.
void write_credential(const Credential& credential, const std::filesystem::path& certificate,
                      const std::filesystem::path& key);

// What `gatesim pki init` writes into `dir`: ca.pem and ca.key (keep ca.key off the benches),
// server.pem/server.key naming `server_addresses`, and <client>.pem/<client>.key for each
// client (the lane names a server may let verify fingerprints, --fingerprint-client).
// ensures: the files listed, in `dir` (created); returns their paths.
// throws models::InputError when a file exists already (nothing is overwritten) or cannot be written.
std::vector<std::filesystem::path> pki_init(const std::filesystem::path& dir,
                                            const std::vector<std::string>& server_addresses,
                                            const std::vector<std::string>& clients);

}  // namespace gatesim::devices
