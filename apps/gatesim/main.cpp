// gatesim: the one command-line program. Each subcommand is in cmd_<name>.cpp.
#include <iostream>

#include <algorithm>

#include "apps/gatesim/command.hpp"
#include "apps/gatesim/line_sink.hpp"
#include "biometrics/image_io.hpp"
#include "models/input_error.hpp"

namespace gatesim::app {

void FaceOptions::add_to(CLI::App& command) {
  command.add_option("--models", models_dir, "Folder with dlib's model files (default: $GATESIM_MODELS or ~/.cache/gatesim/models)");
  command.add_option("--detector", detector, "Face detector: hog or mmod (dlib's CNN, slower)")
      ->check(CLI::IsMember({"hog", "mmod"}));
  command.add_option("--upsample", upsample, "Times the image is doubled before detection (dlib's Python default is 1)")
      ->check(CLI::Range(0, 3));
  command.add_option("--max-detection-width", max_detection_width,
                     "Detect on a copy scaled down to this width (0: full size); for large faces in camera frames")
      ->check(CLI::Range(0, 100000));
}

biometrics::ModelStore FaceOptions::model_store() const {
  return models_dir.empty() ? biometrics::ModelStore::from_environment() : biometrics::ModelStore(models_dir);
}

biometrics::DetectorOptions FaceOptions::detector_options() const {
  biometrics::DetectorOptions options;
  options.kind = detector == "mmod" ? biometrics::DetectorKind::mmod : biometrics::DetectorKind::hog;
  options.upsample = upsample;
  options.max_detection_width = max_detection_width;
  return options;
}

biometrics::FaceDescriptor describe_single_face(biometrics::FaceAnalyzer& analyzer, const std::string& path,
                                                SeveralFaces several) {
  const cv::Mat image = biometrics::load_image(path);
  auto faces = analyzer.detect(image);
  if (faces.empty()) throw models::InputError(path + ": no face found, expected exactly one");
  if (faces.size() > 1) {
    if (several == SeveralFaces::refuse)
      throw models::InputError(path + ": " + std::to_string(faces.size()) + " faces found, expected exactly one");
    std::sort(faces.begin(), faces.end(),
              [](const auto& a, const auto& b) { return a.box.width() * a.box.height() > b.box.width() * b.box.height(); });
  }
  return analyzer.describe(image, faces.front());
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

// Errors are one line on stderr: library messages (dlib's, OpenCV's) may span several.
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

int main(int argc, char** argv) {
  using namespace gatesim;
  app::install_line_sinks();
  CLI::App root{"gatesim: border-gate smart-channel clearance simulator"};
  root.require_subcommand(1);
  app::CommandContext context;
  app::add_faces_command(root, context);
  app::add_verify_command(root, context);
  app::add_simulate_command(root, context);
  app::add_gate_command(root, context);
  app::add_soak_command(root, context);
  app::add_sweep_command(root, context);
  app::add_merge_command(root, context);
  app::add_bench_command(root, context);
  app::add_check_command(root, context);
  app::add_ports_command(root, context);
  app::add_device_server_command(root, context);
  app::add_pki_command(root, context);
  app::add_fingerprint_synth_command(root, context);
  app::add_enroll_command(root, context);
  app::add_identify_command(root, context);
  app::add_gallery_command(root, context);
  app::add_eval_faces_command(root, context);
  app::add_eval_pad_command(root, context);
  try {
    root.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = root.exit(e);
    return code == 0 ? 0 : app::kBadInput;
  } catch (const models::InputError& e) {
    std::cerr << "gatesim: " << app::one_line(e.what()) << '\n';
    return app::kBadInput;
  } catch (const std::exception& e) {
    std::cerr << "gatesim: error: " << app::one_line(e.what()) << '\n';
    return app::kBadInput;
  }
  return context.exit_status;
}
