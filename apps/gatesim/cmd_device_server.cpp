// gatesim device-server: serves a camera to gates on other hosts (tcp://HOST:PORT cameras)
// until SIGINT or SIGTERM.
#include <csignal>
#include <iostream>

#include "apps/gatesim/command.hpp"
#include "devices/remote_camera.hpp"

namespace gatesim::app {

void add_device_server_command(CLI::App& root, CommandContext& context) {
  struct Args {
    std::string camera, listen = "127.0.0.1:7401";
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("device-server", "Serve a camera over TCP to gates on other hosts (until Ctrl-C)");
  cmd->add_option("--camera", args->camera, "Camera URI to serve: usb:N, v4l2:/dev/videoN, file:, dir:, replay:, ...")
      ->required();
  cmd->add_option("--listen", args->listen, "Address and port to listen on (port 0: any free port)");
  cmd->add_flag("--json", args->json, "Print the listening address as JSON");
  cmd->callback([args, &context] {
    // Block the stop signals before the server thread starts, so only sigwait() sees them.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);
    const auto endpoint = devices::parse_endpoint(args->listen, "--listen " + args->listen);
    auto camera = devices::open_camera(args->camera);
    devices::DeviceServer server(*camera, endpoint);
    const std::string address = endpoint.address().to_string() + ":" + std::to_string(server.port());
    if (args->json) print_json({{"listen", address}, {"camera", args->camera}});
    else std::cout << "gatesim device-server: serving " << args->camera << " on tcp://" << address << std::endl;
    int signal = 0;
    sigwait(&stop, &signal);
    server.stop();
    if (!args->json)
      std::cout << "gatesim device-server: stopped after " << server.frames_served() << " frames" << std::endl;
    context.exit_status = kSuccess;
  });
}

}  // namespace gatesim::app
