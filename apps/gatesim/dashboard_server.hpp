#pragma once
// The dashboard of `gatesim gate`, `gatesim simulate` and `gatesim device-server`: the --http
// options they share and the server they start (web/http_server.hpp) with the same endpoints —
//   /            the command's page (lanes.html, port.html or devices.html, embedded), and every embedded file
//   /api/state   the state as JSON           /ws        the same state pushed on each change
//   /metrics     Prometheus text format      /healthz   "ok"
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

  void add_to(CLI::App& command);
  // --http-control, for a command whose page has controls (simulate --realtime).
  void add_control_to(CLI::App& command);
  bool enabled() const { return !address.empty(); }
  // ensures: the parsed address, its exposure checked (web::check_exposure).
  // throws models::InputError for a bad address, or one beyond loopback without a good token.
  web::BindAddress checked_address() const;
};

class DashboardServer {
 public:
  // requires: options.enabled(). ensures: listening (on its own thread) and announced on `log`
  //           as one line "http: dashboard at http://HOST:PORT/ ...".
  // throws models::InputError when the address is bad or cannot be listened on.
  //           `before_metrics`, when given, is called (on the server's thread) before each
  //           /metrics answer: for figures read from elsewhere on demand.
  DashboardServer(const HttpOptions& options, std::string_view page, web::MetricsRegistry& metrics,
                  std::function<nlohmann::json()> state, std::ostream& log,
                  const std::function<void(web::HttpServer&)>& more_routes = {}, std::function<void()> before_metrics = {});
  // ensures: the dashboard's address, "http://HOST:PORT/".
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
