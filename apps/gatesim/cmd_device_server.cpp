// gatesim device-server: serves this host's devices (a camera, a fingerprint reader, a document
// reader) to gates on other hosts (tcp://HOST:PORT devices) until SIGINT or SIGTERM.
#include <csignal>
#include <iostream>

#include "apps/gatesim/command.hpp"
#include "devices/device_server.hpp"
#include "models/input_error.hpp"

namespace gatesim::app {

void add_device_server_command(CLI::App& root, CommandContext& context) {
  struct Args {
    std::string camera, fingerprint, documents, listen = "127.0.0.1:7401";
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("device-server", "Serve this host's devices over TCP to gates on other hosts (until Ctrl-C)");
  cmd->add_option("--camera", args->camera, "Camera URI to serve: usb:N, v4l2:/dev/videoN, file:, dir:, replay:, ...");
  cmd->add_option("--fingerprint", args->fingerprint, "Fingerprint reader URI to serve: libfprint:, libfprint:DRIVER, sim:...");
  cmd->add_option("--documents", args->documents, "Document reader URI to serve: chips:FILE, chip-dir:FOLDER");
  cmd->add_option("--listen", args->listen, "Address and port to listen on (port 0: any free port)");
  cmd->add_flag("--json", args->json, "Print the listening address as JSON");
  cmd->callback([args, &context] {
    if (args->camera.empty() && args->fingerprint.empty() && args->documents.empty())
      throw models::InputError("device-server: expected at least one of --camera, --fingerprint, --documents");
    // Block the stop signals before the server thread starts, so only sigwait() sees them.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);
    const auto endpoint = devices::parse_endpoint(args->listen, "--listen " + args->listen);
    std::unique_ptr<devices::Camera> camera;
    std::unique_ptr<devices::FingerprintReader> fingerprint;
    std::unique_ptr<devices::DocumentReader> documents;
    if (!args->camera.empty()) camera = devices::open_camera(args->camera);
    if (!args->fingerprint.empty()) fingerprint = devices::open_fingerprint_reader(args->fingerprint);
    if (!args->documents.empty()) documents = devices::open_document_reader(args->documents);
    devices::DeviceServer server({camera.get(), fingerprint.get(), documents.get()}, endpoint);
    const std::string address = endpoint.address().to_string() + ":" + std::to_string(server.port());
    if (args->json) {
      nlohmann::json served = {{"listen", address}};
      if (camera) served["camera"] = args->camera;
      if (fingerprint) served["fingerprint"] = args->fingerprint;
      if (documents) served["documents"] = args->documents;
      print_json(served);
      std::cout.flush();  // whoever started the server reads the address before it stops
    } else {
      std::cout << "gatesim device-server: serving";
      for (const auto* uri : {&args->camera, &args->fingerprint, &args->documents})
        if (!uri->empty()) std::cout << ' ' << *uri;
      std::cout << " on tcp://" << address << std::endl;
    }
    int signal = 0;
    sigwait(&stop, &signal);
    server.stop();
    if (!args->json)
      std::cout << "gatesim device-server: stopped after " << server.requests_served() << " requests" << std::endl;
    context.exit_status = kSuccess;
  });
}

}  // namespace gatesim::app
