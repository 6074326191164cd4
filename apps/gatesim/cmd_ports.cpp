// gatesim ports: the ports in the policy data, their channels and from which day.
#include <iostream>

#include "apps/gatesim/command.hpp"
#include "gate/policy_data.hpp"
#include "models/input_error.hpp"

namespace gatesim::app {

void add_ports_command(CLI::App& root, CommandContext& context) {
  struct Args {
    PolicyOption policy;
    std::string channel;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("ports", command_description("ports"));
  args->policy.add_to(*cmd);
  cmd->add_option("--channel", args->channel,
                  "Only ports with this channel: smart, document-free, transit-240h, transit-24h, one-time-mtp");
  cmd->add_flag("--json", args->json, "Print {\"ports\": [...], \"lists\": {...}}");
  cmd->callback([args, &context] {
    const auto policy = args->policy.load();
    std::optional<models::Channel> only;
    if (!args->channel.empty()) {
      only = models::parse_channel(args->channel);
      if (!only || *only == models::Channel::manual)
        throw models::InputError("--channel: expected smart, document-free, transit-240h, transit-24h or one-time-mtp, got \"" +
                                 args->channel + "\"");
    }
    const auto& p = policy.parameters();
    nlohmann::json ports = nlohmann::json::array();
    for (const auto& port : policy.ports()) {
      if (only && !port.any_capability(*only)) continue;
      nlohmann::json channels = nlohmann::json::array();
      std::string line = port.id + " (" + port.name_en + ", " + port.name_zh + "; " + port.city + "; " +
                         std::string(models::name(port.kind)) + "):";
      for (const auto& c : port.capabilities) {
        const std::string from = c.from ? models::to_iso(*c.from) : std::string();
        channels.push_back({{"channel", std::string(models::name(c.channel))},
                            {"measure", c.measure},
                            {"from", c.from ? nlohmann::json(from) : nlohmann::json(nullptr)},
                            {"confirmed", c.confirmed},
                            {"source", c.source}});
        line += " " + std::string(models::name(c.channel)) + (c.from ? " from " + from : " (before the sources)") +
                (c.confirmed ? "" : " ⚠") + ",";
      }
      line.pop_back();
      if (args->json) {
        ports.push_back({{"id", port.id}, {"name_en", port.name_en}, {"name_zh", port.name_zh}, {"city", port.city},
                         {"province", port.province}, {"kind", std::string(models::name(port.kind))},
                         {"channels", std::move(channels)}});
      } else {
        std::cout << line << '\n';
      }
    }
    const nlohmann::json lists{
        {"transit-24h", {{"complete", p.transit_24h_list_complete}}},
        {"one-time-mtp", {{"complete", p.one_time_mtp_list_complete}, {"announced_ports", p.one_time_mtp_total_ports}}}};
    if (args->json) {
      print_json({{"ports", std::move(ports)}, {"lists", lists}});
    } else {
      if (!p.one_time_mtp_list_complete)
        std::cout << "note: one-time-mtp lists only the ports added on 2025-11-20; the announcement counts "
                  << p.one_time_mtp_total_ports << " in all\n";
      if (!p.transit_24h_list_complete)
        std::cout << "note: transit-24h lists only the 10 airports added on 2025-11-05\n";
    }
    context.exit_status = kSuccess;
  });
}

}  // namespace gatesim::app
