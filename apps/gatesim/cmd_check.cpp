// gatesim check FILE|-: the rule engine's decision for one crossing case or a JSON array of them.
#include <fstream>
#include <iostream>

#include "apps/gatesim/command.hpp"
#include "gate/policy_case.hpp"
#include "gate/policy_engine.hpp"
#include "models/input_error.hpp"

namespace gatesim::app {
namespace {

std::string slurp(std::istream& in) {
  std::string text;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) text.append(buffer, static_cast<std::size_t>(in.gcount()));
  return text;
}

std::string read_input(const std::string& path) {
  if (path == "-") return slurp(std::cin);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw models::InputError(path + ": cannot read the file");
  return slurp(in);
}

}  // namespace

void add_check_command(CLI::App& root, CommandContext& context) {
  struct Args {
    std::string input;
    PolicyOption policy;
    std::string holidays;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("check", command_description("check"));
  cmd->add_option("FILE", args->input, "A case or a JSON array of cases ('-': standard input); see README.md")->required();
  args->policy.add_to(*cmd);
  cmd->add_option("--holidays", args->holidays, "YAML file `holidays: [YYYY-MM-DD, ...]`: public holidays for M8's working days");
  cmd->add_flag("--json", args->json, "Print one {\"eligible\", \"channel\", \"reasons\"} line per case");
  cmd->callback([args, &context] {
    const auto policy = args->policy.load();
    const auto holidays = args->holidays.empty() ? std::set<models::CivilDate>{} : gate::load_holiday_calendar(args->holidays);
    const auto cases = gate::parse_cases(read_input(args->input), policy, args->input == "-" ? "stdin" : args->input);
    bool all_eligible = true;
    for (std::size_t i = 0; i < cases.size(); ++i) {
      auto decision = gate::evaluate(policy, cases[i].crossing);
      if (const auto& renewal = cases[i].renewal) {
        auto reasons = gate::check_renewal(policy, cases[i].crossing.traveller, renewal->apply_on, renewal->stay_until, holidays);
        decision.reasons.insert(decision.reasons.end(), reasons.begin(), reasons.end());
        decision.eligible = decision.reasons.empty();
      }
      all_eligible = all_eligible && decision.eligible;
      if (args->json) {
        print_json(gate::to_json(decision));
        continue;
      }
      const auto& c = cases[i].crossing;
      std::cout << (cases.size() > 1 ? "case " + std::to_string(i) + ": " : std::string()) << c.traveller.id << " at "
                << c.port->id << " on " << models::to_iso(c.date) << ", " << models::name(c.direction) << " by "
                << models::name(decision.channel) << ": " << (decision.eligible ? "eligible" : "not eligible") << '\n';
      if (decision.guardian_required && decision.guardian_id)
        std::cout << "  with legal guardian " << *decision.guardian_id << '\n';
      for (const auto& r : decision.reasons) std::cout << "  " << r.clause << ": " << r.message << '\n';
      if (const auto& card = decision.arrival_card)
        std::cout << "  arrival card (M10): "
                  << (card->required ? std::string("required")
                                     : "exempt (" + std::string(models::name(*card->exemption)) + ")")
                  << '\n';
    }
    context.exit_status = all_eligible ? kSuccess : kNegative;
  });
}

}  // namespace gatesim::app
