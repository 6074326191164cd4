// gatesim fingerprint-synth: synthetic fingerprint impressions of nobody (SFinGe-style), for
// test readers such as libfprint's virtual_image device.
#include <filesystem>
#include <iostream>

#include <opencv2/imgcodecs.hpp>

#include "apps/gatesim/command.hpp"
#include "devices/synthetic_fingerprint.hpp"
#include "models/input_error.hpp"

namespace gatesim::app {

void add_fingerprint_synth_command(CLI::App& root, CommandContext& context) {
  struct Args {
    std::uint64_t seed = 0;
    int impressions = 1, width = 300, height = 400;
    std::string out;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("fingerprint-synth", command_description("fingerprint-synth"));
  cmd->add_option("--seed", args->seed, "The finger: each seed is a different synthetic finger")->required();
  cmd->add_option("--impressions", args->impressions, "How many touches of that finger to write (1-1000)")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--out", args->out, "Folder to write finger-<seed>-<n>.png into (created if missing)")->required();
  cmd->add_option("--width", args->width, "Image width in pixels (128-2000)")->check(CLI::Range(128, 2000));
  cmd->add_option("--height", args->height, "Image height in pixels (128-2000)")->check(CLI::Range(128, 2000));
  cmd->add_flag("--json", args->json, "Print the finger and the files as JSON");
  cmd->callback([args, &context] {
    namespace fs = std::filesystem;
    std::error_code error;
    fs::create_directories(args->out, error);
    if (error || !fs::is_directory(args->out))
      throw models::InputError("--out " + args->out + ": cannot create the folder");
    const devices::SyntheticFinger finger(args->seed, {args->width, args->height});
    nlohmann::json files = nlohmann::json::array();
    for (int n = 0; n < args->impressions; ++n) {
      const fs::path file =
          fs::path(args->out) / ("finger-" + std::to_string(args->seed) + "-" + std::to_string(n) + ".png");
      if (!cv::imwrite(file.string(), finger.impression(static_cast<std::uint64_t>(n))))
        throw models::InputError("--out " + args->out + ": cannot write " + file.string());
      files.push_back(file.string());
    }
    if (args->json)
      print_json({{"seed", args->seed}, {"pattern", to_string(finger.pattern())}, {"files", files}});
    else
      std::cout << "finger " << args->seed << " (" << to_string(finger.pattern()) << "): " << args->impressions
                << " impression(s) in " << args->out << '\n';
    context.exit_status = kSuccess;
  });
}

}  // namespace gatesim::app
