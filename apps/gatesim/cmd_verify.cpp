// gatesim verify A B: are the faces in two images the same person?
#include <iomanip>
#include <iostream>

#include "apps/gatesim/command.hpp"
#include "biometrics/image_io.hpp"
#include "biometrics/matcher.hpp"
#include "models/input_error.hpp"

namespace gatesim::app {
namespace {

// The one face of an image: verification compares people, so an image with no face or with
// several is refused unless --largest says which to take.
biometrics::FaceDescriptor single_face_descriptor(biometrics::FaceAnalyzer& analyzer, const std::string& path,
                                                  bool take_largest) {
  const cv::Mat image = biometrics::load_image(path);
  auto faces = analyzer.detect(image);
  if (faces.empty()) throw models::InputError(path + ": no face found");
  if (faces.size() > 1) {
    if (!take_largest)
      throw models::InputError(path + ": " + std::to_string(faces.size()) +
                               " faces found, expected exactly one (--largest takes the biggest)");
    std::sort(faces.begin(), faces.end(),
              [](const auto& a, const auto& b) { return a.box.width() * a.box.height() > b.box.width() * b.box.height(); });
  }
  return analyzer.describe(image, faces.front());
}

}  // namespace

void add_verify_command(CLI::App& root, CommandContext& context) {
  struct Args {
    std::string a, b;
    double threshold = biometrics::kDlibDefaultThreshold;
    bool largest = false;
    bool json = false;
    FaceOptions face;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("verify", "Same person or not: descriptor distance against a threshold (exit 1: not the same)");
  cmd->add_option("A", args->a, "First image (exactly one face)")->required();
  cmd->add_option("B", args->b, "Second image (exactly one face)")->required();
  cmd->add_option("--threshold", args->threshold, "Distance below which two faces are the same person")
      ->check(CLI::Range(0.0, 2.0));
  cmd->add_flag("--largest", args->largest, "In an image with several faces, use the largest");
  cmd->add_flag("--json", args->json, "Print {\"distance\", \"threshold\", \"same_person\"}");
  args->face.add_to(*cmd);
  cmd->callback([args, &context] {
    biometrics::FaceAnalyzer analyzer(args->face.model_store(), args->face.detector_options());
    const auto a = single_face_descriptor(analyzer, args->a, args->largest);
    const auto b = single_face_descriptor(analyzer, args->b, args->largest);
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
