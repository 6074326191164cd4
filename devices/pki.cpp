#include "devices/pki.hpp"

#include <fstream>
#include <memory>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>

#include "models/input_error.hpp"

namespace gatesim::devices {

namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Certificate = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

// OpenSSL failing to make a key or certificate is a broken installation, not bad input.
void check(bool ok, const char* what) {
  if (!ok) {
    ERR_clear_error();
    throw std::runtime_error(std::string("pki: OpenSSL failed to ") + what);
  }
}

std::string to_pem(const std::function<int(BIO*)>& write) {
  Bio bio(BIO_new(BIO_s_mem()));
  check(bio && write(bio.get()) == 1, "write PEM");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

Key key_from(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  check(key != nullptr, "read a key");
  return key;
}

Certificate certificate_from(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Certificate certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  check(certificate != nullptr, "read a certificate");
  return certificate;
}

void add_extension(X509* certificate, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  check(extension && X509_add_ext(certificate, extension, -1) == 1, "add an extension");
  X509_EXTENSION_free(extension);
}

// A certificate for `request` with a fresh key; signed by `issuer_key` (self-signed when
// `issuer` is null).
Credential make(const CertificateRequest& request, X509* issuer, EVP_PKEY* issuer_key) {
  Key key(EVP_EC_gen("P-256"));
  check(key != nullptr, "make a key");
  Certificate certificate(X509_new());
  check(certificate && X509_set_version(certificate.get(), 2) == 1, "make a certificate");
  unsigned char serial[16];
  check(RAND_bytes(serial, sizeof serial) == 1, "draw a serial number");
  serial[0] &= 0x7f;  // positive
  BIGNUM* number = BN_bin2bn(serial, sizeof serial, nullptr);
  check(number && BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate.get())), "set the serial number");
  BN_free(number);
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), static_cast<long>(request.not_before.count()));
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), static_cast<long>(request.not_after.count()));
  X509_NAME* name = X509_get_subject_name(certificate.get());
  check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("gatesim bench"),
                                   -1, -1, 0) == 1 &&
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(request.common_name.c_str()), -1, -1,
                                       0) == 1,
        "name the certificate");
  check(X509_set_issuer_name(certificate.get(), issuer ? X509_get_subject_name(issuer) : name) == 1, "set the issuer");
  check(X509_set_pubkey(certificate.get(), key.get()) == 1, "set the public key");
  X509* signer = issuer ? issuer : certificate.get();
  add_extension(certificate.get(), signer, NID_subject_key_identifier, "hash");
  add_extension(certificate.get(), signer, NID_authority_key_identifier, "keyid:always");
  if (request.use == CertificateUse::ca) {
    add_extension(certificate.get(), signer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    add_extension(certificate.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(certificate.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(certificate.get(), signer, NID_key_usage, "critical,digitalSignature");
    add_extension(certificate.get(), signer, NID_ext_key_usage,
                  request.use == CertificateUse::server ? "serverAuth" : "clientAuth");
    std::string names;
    for (const auto& address : request.addresses) {
      boost::system::error_code not_ip;
      boost::asio::ip::make_address(address, not_ip);
      const bool host = !address.empty() && address.find_first_not_of(
                                                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") ==
                                                std::string::npos;
      if (not_ip && !host)
        throw models::InputError("pki: '" + address + "': expected an IP address or a host name");
      // Appended piece by piece: g++ 12 -O3 gives a false -Wrestrict on "literal" + std::string.
      if (!names.empty()) names += ',';
      names += not_ip ? "DNS:" : "IP:";
      names += address;
    }
    if (!names.empty()) add_extension(certificate.get(), signer, NID_subject_alt_name, names);
  }
  check(X509_sign(certificate.get(), issuer_key ? issuer_key : key.get(), EVP_sha256()) > 0, "sign");
  return {to_pem([&](BIO* b) { return PEM_write_bio_X509(b, certificate.get()); }),
          to_pem([&](BIO* b) { return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr); })};
}

void write_file(const std::filesystem::path& path, const std::string& text, std::filesystem::perms perms) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!(out << text) || !out.flush()) throw models::InputError(path.string() + ": cannot be written");
  }
  std::error_code error;
  std::filesystem::permissions(path, perms, error);
  if (error) throw models::InputError(path.string() + ": cannot set its permissions (" + error.message() + ")");
}

}  // namespace

Credential make_ca(const CertificateRequest& request) {
  CertificateRequest ca = request;
  ca.use = CertificateUse::ca;
  return make(ca, nullptr, nullptr);
}

Credential issue_certificate(const Credential& ca, const CertificateRequest& request) {
  const Certificate issuer = certificate_from(ca.certificate_pem);
  const Key issuer_key = key_from(ca.key_pem);
  return make(request, issuer.get(), issuer_key.get());
}

void write_credential(const Credential& credential, const std::filesystem::path& certificate,
                      const std::filesystem::path& key) {
  using std::filesystem::perms;
  // The key is made unreadable to others before its secret goes in.
  write_file(key, "", perms::owner_read | perms::owner_write);
  write_file(key, credential.key_pem, perms::owner_read | perms::owner_write);
  write_file(certificate, credential.certificate_pem, perms::owner_read | perms::owner_write | perms::group_read |
                                                          perms::others_read);
}

std::vector<std::filesystem::path> pki_init(const std::filesystem::path& dir,
                                            const std::vector<std::string>& server_addresses,
                                            const std::vector<std::string>& clients) {
  std::vector<std::pair<std::string, CertificateRequest>> requests;
  requests.push_back({"server", {"gatesim device-server", CertificateUse::server, server_addresses}});
  for (const auto& client : clients) {
    if (client.empty() || client == "ca" || client == "server" ||
        client.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos)
      throw models::InputError("pki init: client '" + client +
                               "': expected a lane name of a-z, 0-9, '-' and '_' (not ca or server)");
    requests.push_back({client, {client, CertificateUse::client, {}}});
  }
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw models::InputError(dir.string() + ": cannot create the folder (" + error.message() + ")");
  std::vector<std::filesystem::path> written;
  for (const std::string& name : [&] {
         std::vector<std::string> names{"ca"};
         for (const auto& [n, r] : requests) names.push_back(n);
         return names;
       }())
    for (const char* extension : {".pem", ".key"})
      if (std::filesystem::exists(dir / (name + extension)))
        throw models::InputError((dir / (name + extension)).string() + ": exists already (pki init overwrites nothing)");
  const Credential ca = make_ca({"gatesim bench CA", CertificateUse::ca, {}, std::chrono::seconds(-3600),
                                 std::chrono::hours(24 * 3650)});
  write_credential(ca, dir / "ca.pem", dir / "ca.key");
  written.insert(written.end(), {dir / "ca.pem", dir / "ca.key"});
  for (const auto& [name, request] : requests) {
    write_credential(issue_certificate(ca, request), dir / (name + ".pem"), dir / (name + ".key"));
    written.insert(written.end(), {dir / (name + ".pem"), dir / (name + ".key")});
  }
  return written;
}

}  // namespace gatesim::devices
