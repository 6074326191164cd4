// gatesim pki init DIR: a bench's CA, the device server's certificate and the lanes' client
// certificates for mutual TLS (devices/pki.hpp).
#include <iostream>

#include "apps/gatesim/command.hpp"
#include "devices/pki.hpp"

namespace gatesim::app {

void add_pki_command(CLI::App& root, CommandContext& context) {
  auto* pki = root.add_subcommand("pki", command_description("pki"));
  pki->require_subcommand(1);
  struct Args {
    std::string dir;
    std::vector<std::string> hosts{"127.0.0.1", "::1", "localhost"};
    std::vector<std::string> clients{"lane-1"};
  };
  auto args = std::make_shared<Args>();
  auto* init = pki->add_subcommand("init", "Make a CA, a device-server certificate and client (lane) certificates in DIR");
  init->add_option("dir", args->dir, "Folder to write (created; existing files are never overwritten)")->required();
  init->add_option("--host", args->hosts,
                   "An address the device server is dialled at (IP or name; repeat; default 127.0.0.1, ::1, localhost)");
  init->add_option("--client", args->clients, "A lane's client certificate name (repeat; default lane-1)");
  init->callback([args, &context] {
    const auto written = devices::pki_init(args->dir, args->hosts, args->clients);
    for (const auto& file : written) std::cout << file.string() << '\n';
    const std::filesystem::path d(args->dir);
    // HOST:PORT as --listen and tls:// take it: an IPv6 address in brackets.
    const std::string& host = args->hosts.front();
    const std::string at = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":7401";
    std::cout << "# keep ca.key off the benches. Serve and connect with:\n"
              << "#   gatesim device-server --tls-ca " << (d / "ca.pem").string() << " --tls-cert "
              << (d / "server.pem").string() << " --tls-key " << (d / "server.key").string() << " --listen "
              << at << " ...\n"
              << "#   --camera 'tls://" << at << "#ca=" << (d / "ca.pem").string()
              << ",cert=" << (d / (args->clients.front() + ".pem")).string()
              << ",key=" << (d / (args->clients.front() + ".key")).string() << "'\n";
    context.exit_status = kSuccess;
  });
}

}  // namespace gatesim::app
