#include "apps/gatesim/dashboard_server.hpp"

#include <csignal>
#include <cerrno>

#include <unistd.h>

#include "devices/tls.hpp"
#include "models/input_error.hpp"
#include "web/assets.hpp"

namespace gatesim::app {
namespace {

int interrupt_pipe[2] = {-1, -1};

void on_interrupt(int) {
  const char byte = 1;
  [[maybe_unused]] const auto written = ::write(interrupt_pipe[1], &byte, 1);
}

web::HttpServerOptions server_options(const web::BindAddress& address, const HttpOptions& options, web::MetricsRegistry& metrics) {
  web::HttpServerOptions o;
  o.address = address;
  o.token = options.token;
  o.metrics = &metrics;
  o.tls = options.tls_context();
  return o;
}

}  // namespace

void HttpOptions::add_to(CLI::App& command) {
  command.add_option("--http", address,
                     "Serve the live dashboard (page, /metrics, /api/state, /healthz) at HOST:PORT, e.g. 127.0.0.1:8080; "
                     "after the run it keeps serving until interrupted");
  command.add_option("--http-token", token,
                     "A secret (16+ characters: letters, digits, - . _ ~) every request for the dashboard's data must carry "
                     "(Authorization: Bearer TOKEN, or open the page as /?token=TOKEN); required when --http is not a "
                     "loopback address");
  command.add_option("--http-tls-cert", tls_cert,
                     "Serve the dashboard over HTTPS and WSS with this certificate (PEM, e.g. gatesim pki init's server.pem)");
  command.add_option("--http-tls-key", tls_key, "The private key (PEM) of --http-tls-cert");
  command.add_option("--http-tls-ca", tls_ca,
                     "With --http-tls-cert: every client (browser) must present a certificate this CA (PEM) signed");
  command.add_flag("--http-insecure", insecure,
                   "Serve plain HTTP on an address other than loopback (the token and the data cross the network in clear text)");
}

void HttpOptions::add_control_to(CLI::App& command) {
  command.add_flag("--http-control", control,
                   "Let the dashboard's page pause, resume and change the speed of the --realtime replay (POST /api/control, "
                   "with the token when there is one); the outputs stay the unpaced run's");
}

web::BindAddress HttpOptions::checked_address() const {
  const auto bound = web::parse_bind_address(address, "--http");
  web::check_exposure(bound, {token, tls(), insecure}, "--http");
  tls_context();  // a bad file fails here, before the command loads or opens anything
  return bound;
}

std::shared_ptr<boost::asio::ssl::context> HttpOptions::tls_context() const {
  if (!tls()) return nullptr;
  devices::TlsFiles files{tls_ca, tls_cert, tls_key, "dashboard", "--http-tls-ca ", "--http-tls-cert ", "--http-tls-key "};
  files.ca_optional = true;
  return devices::make_tls_context(files, devices::TlsRole::server);
}

DashboardServer::DashboardServer(const HttpOptions& options, std::string_view page, web::MetricsRegistry& metrics,
                                 std::function<nlohmann::json()> state, std::ostream& log,
                                 const std::function<void(web::HttpServer&)>& more_routes, std::function<void()> before_metrics)
    : address_(options.checked_address()), server_(server_options(address_, options, metrics)), log_(log) {
  web::serve_assets(server_, page);
  server_.get("/metrics", [&metrics, before_metrics] {
    if (before_metrics) before_metrics();
    return web::HttpResponse{200, web::kPrometheusContentType, metrics.text()};
  });
  server_.get("/healthz", [] { return web::HttpResponse{200, "text/plain; charset=utf-8", "ok\n"}; });
  // What the state holds is not always UTF-8 (a holder's id, a device's message): bad bytes
  // become U+FFFD rather than an exception.
  const auto text = [state] { return state().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); };
  server_.get("/api/state", [text] { return web::HttpResponse{200, "application/json", text() + "\n"}; });
  server_.websocket("/ws", text);
  if (more_routes) more_routes(server_);
  server_.start();
  const std::string host = address_.host.find(':') == std::string::npos ? address_.host : "[" + address_.host + "]";
  url_ = std::string(options.tls() ? "https://" : "http://") + host + ":" + std::to_string(server_.port()) + "/";
  log_ << "http: dashboard at " << url_ << " (metrics " << url_ << "metrics, state " << url_ << "api/state)"
       << (options.token.empty() ? "" : "; requests need the token") << std::endl;
}

void DashboardServer::serve_until_interrupted() {
  if (::pipe(interrupt_pipe) != 0) return;
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  log_ << "http: the run is over; still serving " << url_ << " until interrupted (Ctrl-C)" << std::endl;
  char byte = 0;
  while (::read(interrupt_pipe[0], &byte, 1) < 0 && errno == EINTR) {
  }
  server_.stop();
}

}  // namespace gatesim::app
