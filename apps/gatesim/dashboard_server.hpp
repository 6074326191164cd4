#pragma once
// The dashboard of `gatesim gate`, `gatesim simulate` and `gatesim device-server`: the --http
// options they share and the server they start (web/http_server.hpp) with the same endpoints —
//   /            the command's page (lanes.html, port.html or devices.html, embedded), and every embedded file
//   /api/state   the state as JSON           /ws        the same state pushed on each change
//   /metrics     Prometheus text format      /healthz   "ok"
// With --http-tls-cert/--http-tls-key the same, over HTTPS and WSS on the one port.
// Read-only: nothing served changes what the program decides (the one POST path, a real-time
// replay's pause/resume/speed with --http-control, moves only its pacing).
//
// Thread safety: DashboardServer's members may be called from any thread; `state` is called on
// the server's thread.

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "web/bind_address.hpp"
#include "web/http_server.hpp"
#include "web/metrics.hpp"

namespace gatesim::app {

struct HttpOptions {
  std::string address;  // empty: no dashboard
  std::string token;
  bool control = false;  // --http-control: the page may pause, resume and change a replay's speed
  // HTTPS and WSS (devices/tls.hpp, as the device links): this server's certificate and key, and
  // optionally a CA whose certificate every client (browser) must then present.
  std::string tls_cert, tls_key, tls_ca;
  bool insecure = false;  // --http-insecure: plain HTTP beyond loopback

  void add_to(CLI::App& command);
  // --http-control, for a command whose page has controls (simulate --realtime).
  void add_control_to(CLI::App& command);
  bool enabled() const { return !address.empty(); }
  bool tls() const { return !tls_cert.empty() || !tls_key.empty() || !tls_ca.empty(); }
  // ensures: the parsed address, its exposure checked (web::check_exposure), the TLS files read.
  // throws models::InputError for a bad address, one beyond loopback without a good token or
  //        without TLS (unless --http-insecure), or a TLS file missing or not what it should be.
  web::BindAddress checked_address() const;
  // ensures: the server's TLS context, null without TLS.
  // throws models::InputError "--http-tls-key FILE: <what is wrong>" (devices::make_tls_context).
  std::shared_ptr<boost::asio::ssl::context> tls_context() const;
};

class DashboardServer {
 public:
  // requires: options.enabled(). ensures: listening (on its own thread) and announced on `log`
  //           as one line "http: dashboard at http://HOST:PORT/ ..." (https:// with TLS).
  // throws models::InputError when the address is bad or cannot be listened on.
  //           `before_metrics`, when given, is called (on the server's thread) before each
  //           /metrics answer: for figures read from elsewhere on demand.
  DashboardServer(const HttpOptions& options, std::string_view page, web::MetricsRegistry& metrics,
                  std::function<nlohmann::json()> state, std::ostream& log,
                  const std::function<void(web::HttpServer&)>& more_routes = {}, std::function<void()> before_metrics = {});
  // ensures: the dashboard's address, "http://HOST:PORT/" ("https://" with TLS).
  const std::string& url() const { return url_; }
  // The state changed: WebSocket clients get it (rate-limited, web::HttpServer::notify).
  void changed() { server_.notify(); }
  // The run is over: says so on `log` and serves until SIGINT or SIGTERM.
  void serve_until_interrupted();

 private:
  web::BindAddress address_;  // parsed once, before server_ (which listens there)
  web::HttpServer server_;
  std::ostream& log_;
  std::string url_;
};

}  // namespace gatesim::app
