// gatesim verify A B: are the faces in two images the same person?
#include <iomanip>
#include <iostream>

#include "apps/gatesim/face_command.hpp"
#include "biometrics/matcher.hpp"

namespace gatesim::app {

void add_verify_command(CLI::App& root, CommandContext& context) {
  struct Args {
    std::string a, b;
    double threshold = biometrics::kDlibDefaultThreshold;
    bool largest = false;
    bool json = false;
    FaceOptions face;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("verify", command_description("verify"));
  cmd->add_option("A", args->a, "First image (exactly one face)")->required();
  cmd->add_option("B", args->b, "Second image (exactly one face)")->required();
  cmd->add_option("--threshold", args->threshold, "Distance below which two faces are the same person")
      ->check(CLI::Range(0.0, 2.0));
  cmd->add_flag("--largest", args->largest, "In an image with several faces, use the largest");
  cmd->add_flag("--json", args->json, "Print {\"distance\", \"threshold\", \"same_person\"}");
  args->face.add_to(*cmd);
  cmd->callback([args, &context] {
    biometrics::FaceAnalyzer analyzer(args->face.model_store(), args->face.detector_options());
    const auto several = args->largest ? SeveralFaces::take_largest : SeveralFaces::refuse;
    const auto a = describe_single_face(analyzer, args->a, several);
    const auto b = describe_single_face(analyzer, args->b, several);
    const auto result = biometrics::Matcher(args->threshold).compare(a, b);
    if (args->json) {
      print_json({{"distance", result.distance}, {"threshold", result.threshold}, {"same_person", result.same_person}});
    } else {
      std::cout << std::fixed << std::setprecision(4) << (result.same_person ? "same person" : "different people")
                << ": distance " << result.distance << (result.same_person ? " < " : " >= ") << "threshold "
                << result.threshold << '\n';
    }
    context.exit_status = result.same_person ? kSuccess : kNegative;
  });
}

}  // namespace gatesim::app
