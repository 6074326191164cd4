// The dashboard's server over TLS on loopback with real sockets and real certificates (made by
// devices/pki.hpp, as `gatesim pki init` makes them; the context by devices/tls.hpp, as the
// device links' is): HTTPS and WSS on one port, verified against the CA; a plain-HTTP client
// told to use https:// while the server goes on serving; client certificates when a CA is given.
// g++ 12 -O3: false "potential null pointer dereference" inside Boost.Asio's inlined scheduler.
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/ssl/context.hpp>
#include <gtest/gtest.h>

#include "devices/pki.hpp"
#include "devices/tls.hpp"
#include "models/input_error.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/https_client.hpp"
#include "tests/support/scratch_folder.hpp"
#include "web/bind_address.hpp"
#include "web/http_server.hpp"
#include "web/metrics.hpp"

namespace {

using gatesim::testing::http_get;
using gatesim::testing::https_get;
using gatesim::testing::eventually;
using gatesim::testing::TlsClientFiles;
using gatesim::web::HttpResponse;
using gatesim::web::HttpServer;
using gatesim::web::HttpServerOptions;
namespace devices = gatesim::devices;
using namespace std::chrono_literals;

devices::CertificateRequest request(const std::string& name, devices::CertificateUse use, std::vector<std::string> addresses = {}) {
  devices::CertificateRequest r;
  r.common_name = name;
  r.use = use;
  r.addresses = std::move(addresses);
  return r;
}

class HttpsServer : public gatesim::testing::ScratchFolderTest {
 protected:
  void SetUp() override {
    ScratchFolderTest::SetUp();
    // A CA, the server's certificate for 127.0.0.1, a client's; and a second CA nobody uses.
    const auto ca = devices::make_ca(request("test CA", devices::CertificateUse::ca));
    devices::write_credential(ca, path("ca.pem"), path("ca.key"));
    devices::write_credential(devices::issue_certificate(ca, request("dashboard", devices::CertificateUse::server, {"127.0.0.1"})),
                              path("server.pem"), path("server.key"));
    devices::write_credential(devices::issue_certificate(ca, request("browser", devices::CertificateUse::client)), path("client.pem"),
                              path("client.key"));
    devices::write_credential(devices::make_ca(request("another CA", devices::CertificateUse::ca)), path("other-ca.pem"),
                              path("other-ca.key"));
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // A started server with /healthz, /metrics and /ws, over TLS with the server's certificate
  // (and, when `client_ca`, asking clients for a certificate that CA signed).
  std::unique_ptr<HttpServer> start(const std::string& token = "", const std::string& client_ca = "") {
    HttpServerOptions options;
    options.address = gatesim::web::parse_bind_address("127.0.0.1:0");
    options.token = token;
    options.metrics = &metrics_;
    devices::TlsFiles files{client_ca, path("server.pem"), path("server.key"), "test"};
    files.ca_optional = true;
    options.tls = devices::make_tls_context(files, devices::TlsRole::server);
    auto server = std::make_unique<HttpServer>(options);
    server->get("/healthz", [] { return HttpResponse{200, "text/plain", "ok\n"}; });
    server->get("/metrics", [this] { return HttpResponse{200, "text/plain", metrics_.text()}; });
    server->websocket("/ws", [] { return std::string("state over wss"); });
    server->start();
    return server;
  }
  TlsClientFiles trusting() const { return {path("ca.pem"), "", ""}; }

  gatesim::web::MetricsRegistry metrics_;
};

TEST_F(HttpsServer, ServesHttpsAndWssOnOnePortVerifiedAgainstTheCa) {
  const auto server = start();
  const auto health = https_get(server->port(), "/healthz", trusting());
  EXPECT_EQ(health.status, 200) << health.error;
  EXPECT_EQ(health.body, "ok\n");
  const auto metrics = https_get(server->port(), "/metrics", trusting());
  EXPECT_EQ(metrics.status, 200) << metrics.error;
  EXPECT_NE(metrics.body.find("gatesim_http_requests_total{code=\"2xx\"} 1"), std::string::npos) << metrics.body;
  EXPECT_EQ(https_get(server->port(), "/nowhere", trusting()).status, 404);
  EXPECT_EQ(gatesim::testing::wss_first_message(server->port(), "/ws", trusting()), "state over wss");
  EXPECT_EQ(server->stats().tls_refused, 0u);

  // A client that trusts another CA does not accept the server's certificate.
  const auto distrusting = https_get(server->port(), "/healthz", {path("other-ca.pem"), "", ""});
  EXPECT_EQ(distrusting.status, 0);
  EXPECT_NE(distrusting.error.find("certificate verify failed"), std::string::npos) << distrusting.error;
}

TEST_F(HttpsServer, APlainHttpClientIsToldToUseHttpsAndTheServerGoesOnServing) {
  const auto server = start();
  for (int i = 0; i < 3; ++i) {
    const auto plain = http_get(server->port(), "/healthz");
    EXPECT_EQ(plain.status, 400);
    EXPECT_EQ(plain.body, "this dashboard speaks HTTPS only: open it as https://\n");
    EXPECT_EQ(https_get(server->port(), "/healthz", trusting()).status, 200) << "after plain request " << i;
  }
  EXPECT_EQ(server->stats().tls_refused, 3u);
  // A TLS record holding a ClientHello's header and junk: the handshake fails, the server goes on.
  const auto junk = gatesim::testing::http_exchange(server->port(), std::string("\x16\x03\x01\x00\x28\x01\x00\x00\x24", 9) +
                                                                        std::string(36, 'j'));
  EXPECT_EQ(junk.status, 0);
  EXPECT_TRUE(eventually([&] { return server->stats().tls_refused == 4; })) << server->stats().tls_refused;
  EXPECT_EQ(https_get(server->port(), "/healthz", trusting()).status, 200);
  EXPECT_NE(metrics_.text().find("gatesim_http_tls_refused_total 4"), std::string::npos) << metrics_.text();
}

TEST_F(HttpsServer, TheTokenIsStillRequiredOverTls) {
  const std::string token = "0123456789abcdef-token";
  const auto server = start(token);
  EXPECT_EQ(https_get(server->port(), "/healthz", trusting()).status, 401);
  EXPECT_EQ(https_get(server->port(), "/healthz", trusting(), token).status, 200);
  EXPECT_EQ(https_get(server->port(), "/healthz?token=" + token, trusting()).status, 200);
}

TEST_F(HttpsServer, WithAClientCaOnlyClientsWithItsCertificateAreServed) {
  const auto server = start("", path("ca.pem"));
  const auto anonymous = https_get(server->port(), "/healthz", trusting());
  EXPECT_EQ(anonymous.status, 0) << "a client without a certificate was served";
  EXPECT_EQ(https_get(server->port(), "/healthz", {path("ca.pem"), path("client.pem"), path("client.key")}).status, 200);
  EXPECT_TRUE(eventually([&] { return server->stats().tls_refused == 1; })) << server->stats().tls_refused;
}

// The files are checked when the context is made: each fault names its flag and file.
TEST_F(HttpsServer, AMissingOrWrongFileIsNamed) {
  const auto make = [&](const std::string& cert, const std::string& key) {
    devices::TlsFiles files{"", cert, key, "dashboard", "--http-tls-ca ", "--http-tls-cert ", "--http-tls-key "};
    files.ca_optional = true;
    try {
      devices::make_tls_context(files, devices::TlsRole::server);
    } catch (const gatesim::models::InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(make(path("nope.pem"), path("server.key")), "dashboard: --http-tls-cert " + path("nope.pem") + ": no such file");
  EXPECT_EQ(make(path("server.pem"), ""), "dashboard: --http-tls-key FILE missing: TLS needs a certificate and a key");
  EXPECT_EQ(make(path("server.pem"), path("client.key")).rfind("dashboard: --http-tls-key " + path("client.key") +
                                                               ": not the private key of " + path("server.pem"), 0),
            0u);
  EXPECT_EQ(make(path("server.key"), path("server.key")).rfind("dashboard: --http-tls-cert " + path("server.key") +
                                                               ": not a PEM certificate", 0),
            0u);
  EXPECT_EQ(make(path("server.pem"), path("server.key")), "accepted");
}

}  // namespace
