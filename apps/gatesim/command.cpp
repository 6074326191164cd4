// What every command shares (command.hpp): the list of commands, running one, --policy, JSON.
#include "apps/gatesim/command.hpp"

#include <cassert>
#include <iostream>

#include "models/input_error.hpp"
#include "models/plugin.hpp"

namespace gatesim::app {

const std::vector<CommandInfo>& commands() {
  using enum CommandHome;
  static const std::vector<CommandInfo> all = {
      {"faces", "Find faces: box (left, top, right, bottom), 5 landmarks, quality", faces_plugin},
      {"verify", "Same person or not: descriptor distance against a threshold (exit 1: not the same)", faces_plugin},
      {"simulate", "Simulate a port scenario: queues, waits, throughput, referrals", program},
      {"gate",
       "Run a smart-channel lane, or a bank of lanes, in real time: devices, policy, faces, audit log "
       "(exit 1: someone was referred)",
       faces_plugin},
      {"soak",
       "Run lanes for N transactions or T minutes with seeded faults in every device and the audit log; "
       "report what happened and whether anything was lost (exit 1: a transaction without its audit row)",
       faces_plugin},
      {"sweep", "Run replications over a range of one setting and tabulate with 95% CIs", program},
      {"merge", "Merge sweep shards' rows (gatesim sweep --rows) into one table", program},
      {"bench", "Throughput benchmarks on this machine (simulator, face pipeline; min/median/max)", faces_plugin},
      {"check", "Decide crossing cases with the ten measures' rules (exit 1: some case not eligible)", program},
      {"ports", "List the ports, their channels and effective dates (⚠: secondary sources only)", program},
      {"device-server", "Serve this host's devices over TCP or mutual TLS to gates on other hosts (until Ctrl-C)",
       faces_plugin},
      {"pki", "Certificates for mutual TLS between device servers and gates", program},
      {"fingerprint-synth", "Write synthetic fingerprint impressions (one synthetic finger per seed) as 500 dpi PNGs",
       faces_plugin},
      {"enroll", "Enrol a permit holder: one face template per photo into the enrolment database", faces_plugin},
      {"identify", "1:N search: the nearest enrolled permit holders to the face in PROBE (exit 1: none under the threshold)",
       faces_plugin},
      {"gallery", "Look after the enrolment database: list, remove or export permit holders", faces_plugin},
      {"eval-faces", "Verification accuracy on labelled folders (DIR/<person>/<images>): FMR, FNMR, EER, DET curve",
       faces_plugin},
      {"eval-pad",
       "Liveness (presentation-attack detection) on bona fide images and clips against generated attacks: "
       "APCER per attack type, BPCER, DET curve (ISO/IEC 30107-3)",
       faces_plugin},
  };
  return all;
}

const char* command_description(std::string_view name) {
  for (const auto& command : commands())
    if (name == command.name) return command.description;
  assert(!"command_description: not a command of commands()");
  return "";
}

int run_commands(CLI::App& root, CommandContext& context, int argc, char** argv) {
  try {
    root.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = root.exit(e);
    return code == 0 ? 0 : kBadInput;
  } catch (const models::InputError& e) {
    std::cerr << "gatesim: " << one_line(e.what()) << '\n';
    return kBadInput;
  } catch (const models::PluginMissing& e) {
    std::cerr << "gatesim: " << one_line(e.what()) << '\n';
    return kBadInput;
  } catch (const std::exception& e) {
    std::cerr << "gatesim: error: " << one_line(e.what()) << '\n';
    return kBadInput;
  }
  return context.exit_status;
}

void PolicyOption::add_to(CLI::App& command) {
  command.add_option("--policy", dir, "Folder with the policy data (default: the shipped models/data)");
}

gate::PolicyData PolicyOption::load() const {
  return gate::PolicyData::load(dir.empty() ? gate::PolicyData::default_dir() : std::filesystem::path(dir));
}

// A holder id that is not UTF-8 (enrolment refuses them; an older gallery may hold one) is
// printed with U+FFFD in its place rather than ending the command mid-run.
void print_json(const nlohmann::json& value) {
  std::cout << value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

std::string one_line(std::string message) {
  std::string out;
  for (char c : message) {
    if (c == '\n' || c == '\r') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace gatesim::app
