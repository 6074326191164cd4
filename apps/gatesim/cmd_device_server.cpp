// gatesim device-server: serves this host's devices (a camera, a fingerprint reader, a document
// reader, an exit sensor) to gates on other hosts (tcp:// or tls:// devices) until SIGINT or SIGTERM.
#include <condition_variable>
#include <csignal>
#include <iostream>
#include <optional>
#include <thread>

#include "apps/gatesim/command.hpp"
#include "apps/gatesim/dashboard_server.hpp"
#include "apps/gatesim/device_server_dashboard.hpp"
#include "devices/device_server.hpp"
#include "devices/tls.hpp"
#include "models/input_error.hpp"

namespace gatesim::app {

void add_device_server_command(CLI::App& root, CommandContext& context) {
  struct Args {
    std::string camera, fingerprint, documents, passage, listen = "127.0.0.1:7401";
    std::string tls_ca, tls_cert, tls_key;
    std::vector<std::string> fingerprint_clients;
    bool insecure = false, json = false;
    std::size_t max_sessions = devices::ServerLimits{}.max_sessions;
    double idle_timeout = in_seconds(devices::ServerLimits{}.idle_timeout);
    double read_timeout = in_seconds(devices::ServerLimits{}.read_timeout);
    double write_timeout = in_seconds(devices::ServerLimits{}.write_timeout);
    HttpOptions http;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("device-server", command_description("device-server"));
  cmd->add_option("--camera", args->camera, "Camera URI to serve: usb:N, v4l2:/dev/videoN, file:, dir:, replay:, ...");
  cmd->add_option("--fingerprint", args->fingerprint, "Fingerprint reader URI to serve: libfprint:, libfprint:DRIVER, sim:...");
  cmd->add_option("--documents", args->documents, "Document reader URI to serve: chips:FILE, chip-dir:FOLDER");
  cmd->add_option("--passage", args->passage, "Exit sensor URI to serve: sim:PEOPLE@MS,...");
  cmd->add_option("--listen", args->listen, "Address and port to listen on (port 0: any free port)");
  cmd->add_option("--tls-ca", args->tls_ca, "Mutual TLS: the CA (PEM) clients' certificates must be signed by");
  cmd->add_option("--tls-cert", args->tls_cert, "Mutual TLS: this server's certificate (PEM, gatesim pki init)");
  cmd->add_option("--tls-key", args->tls_key, "Mutual TLS: this server's private key (PEM)");
  cmd->add_option("--fingerprint-client", args->fingerprint_clients,
                  "Over TLS: a client certificate name (lane) that may verify fingerprints; repeat for more");
  cmd->add_flag("--insecure", args->insecure, "Serve plain TCP on an address other than loopback (anyone may connect)");
  cmd->add_option("--max-sessions", args->max_sessions, "Sessions open at once (beyond: the longest idle is closed)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--idle-timeout", args->idle_timeout, "Seconds a session may wait between requests")
      ->check(CLI::Range(0.001, 86400.0));
  cmd->add_option("--read-timeout", args->read_timeout, "Seconds for a TLS handshake and for a request's body")
      ->check(CLI::Range(0.001, 3600.0));
  cmd->add_option("--write-timeout", args->write_timeout, "Seconds a client may take to read an answer (then closed)")
      ->check(CLI::Range(0.001, 3600.0));
  cmd->add_flag("--json", args->json, "Print the listening address as JSON");
  args->http.add_to(*cmd);
  cmd->callback([args, &context] {
    if (args->camera.empty() && args->fingerprint.empty() && args->documents.empty() && args->passage.empty())
      throw models::InputError("device-server: expected at least one of --camera, --fingerprint, --documents, --passage");
    const auto endpoint = devices::parse_endpoint(args->listen, "--listen " + args->listen);
    if (args->http.enabled()) args->http.checked_address();  // a bad address fails before a device is opened
    const bool tls = !args->tls_ca.empty() || !args->tls_cert.empty() || !args->tls_key.empty();
    if (!tls && !endpoint.address().is_loopback() && !args->insecure)
      throw models::InputError("device-server: --listen " + args->listen +
                               " is not loopback: give --tls-ca, --tls-cert and --tls-key (mutual TLS), or --insecure "
                               "to serve anyone who can connect");
    if (!tls && !args->fingerprint_clients.empty())
      throw models::InputError("device-server: --fingerprint-client names TLS client certificates: give --tls-ca, "
                               "--tls-cert and --tls-key");
    if (tls && !args->fingerprint.empty() && args->fingerprint_clients.empty())
      throw models::InputError("device-server: --fingerprint over TLS needs --fingerprint-client NAME, the client "
                               "certificate (lane) that may verify fingerprints here");
    devices::ServerOptions options;
    if (tls)
      options.tls = devices::make_tls_context({args->tls_ca, args->tls_cert, args->tls_key, "device-server", "--tls-ca ",
                                               "--tls-cert ", "--tls-key "},
                                              devices::TlsRole::server);
    options.fingerprint_clients = {args->fingerprint_clients.begin(), args->fingerprint_clients.end()};
    using std::chrono::milliseconds;
    options.limits = {args->max_sessions, from_seconds<milliseconds>(args->idle_timeout),
                      from_seconds<milliseconds>(args->read_timeout), from_seconds<milliseconds>(args->write_timeout)};
    // Block the stop signals before the server threads start, so only sigwait() sees them.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);
    devices::ServedDevices served;
    if (!args->camera.empty()) served.camera = devices::open_camera(args->camera);
    if (!args->fingerprint.empty()) served.fingerprint = devices::open_fingerprint_reader(args->fingerprint);
    if (!args->documents.empty()) served.documents = devices::open_document_reader(args->documents);
    if (!args->passage.empty()) served.passage = devices::open_passage_sensor(args->passage);
    devices::DeviceServer server(served, endpoint, options);
    const std::string scheme = tls ? "tls://" : "tcp://";
    const std::string address = (endpoint.address().is_v6() ? "[" + endpoint.address().to_string() + "]"
                                                             : endpoint.address().to_string()) +
                                ":" + std::to_string(server.port());
    nlohmann::json description = {{"listen", address}, {"uri", scheme + address}};
    if (served.camera) description["camera"] = args->camera;
    if (served.fingerprint) description["fingerprint"] = args->fingerprint;
    if (served.documents) description["documents"] = args->documents;
    if (served.passage) description["passage"] = args->passage;
    // --http: the dashboard watches the server's counters (read on demand, and once a second for
    // the page's WebSocket); it touches neither the devices nor the sessions.
    web::MetricsRegistry metrics;
    std::optional<DeviceServerDashboard> watcher;
    std::optional<DashboardServer> dashboard;
    std::jthread ticker;
    if (args->http.enabled()) {
      watcher.emplace(metrics, server, description);
      dashboard.emplace(args->http, "devices.html", metrics, [&watcher] { return watcher->state(); }, std::cerr,
                        std::function<void(web::HttpServer&)>{}, [&watcher] { watcher->refresh(); });
      description["http"] = dashboard->url();
      ticker = std::jthread([&dashboard](std::stop_token stopping) {
        std::mutex mutex;
        std::condition_variable_any wake;
        std::unique_lock lock(mutex);
        while (!stopping.stop_requested()) {
          wake.wait_for(lock, stopping, std::chrono::seconds(1), [] { return false; });  // a second, or the stop
          if (!stopping.stop_requested()) dashboard->changed();
        }
      });
    }
    if (args->json) {
      print_json(description);
      std::cout.flush();  // whoever started the server reads the address before it stops
    } else {
      std::cout << "gatesim device-server: serving";
      for (const auto* uri : {&args->camera, &args->fingerprint, &args->documents, &args->passage})
        if (!uri->empty()) std::cout << ' ' << *uri;
      std::cout << " on " << scheme << address << std::endl;
    }
    int signal = 0;
    sigwait(&stop, &signal);
    if (ticker.joinable()) {
      ticker.request_stop();
      ticker.join();
    }
    dashboard.reset();
    server.stop();
    if (!args->json) {
      const devices::SessionCounts c = server.counts();
      std::cout << "gatesim device-server: stopped after " << server.requests_served() << " requests; sessions "
                << c.accepted << " (refused " << c.refused << ", evicted idle " << c.evicted << ", idle "
                << c.idle_closed << ", read timeout " << c.read_timeouts << ", slow reader " << c.slow_readers
                << ", bad message " << c.bad_messages << ", TLS handshake failed " << c.handshakes_failed
                << "), fingerprint requests refused " << c.touches_refused << std::endl;
    }
    context.exit_status = kSuccess;
  });
}

}  // namespace gatesim::app
