// gatesim eval-faces DIR...: how well the face pipeline separates the people in labelled folders.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>

#include "apps/gatesim/face_command.hpp"
#include "biometrics/evaluation.hpp"
#include "biometrics/image_io.hpp"
#include "models/input_error.hpp"

namespace gatesim::app {
namespace {

namespace fs = std::filesystem;

// Histogram layout the simulator's calibration reads (sim/biometric_model.hpp).
constexpr double kHistogramBin = 0.02, kHistogramUpper = 1.5;

struct Image {
  std::string identity;
  fs::path file;
};

// Identities are folder names: the same name under two DIRs (say train/ and test/) is one person.
std::vector<Image> collect_images(const std::vector<std::string>& dirs) {
  std::vector<Image> images;
  for (const auto& dir : dirs) {
    if (!fs::exists(dir)) throw models::InputError(dir + ": no such directory");
    if (!fs::is_directory(dir)) throw models::InputError(dir + ": not a directory (expected a folder of identity folders)");
    const auto identities = biometrics::list_identity_folders(dir);
    if (identities.empty())
      throw models::InputError(dir + ": no identity sub-folders (expected DIR/<person>/<image>...)");
    for (const auto& person : identities)
      for (const auto& file : person.images) images.push_back({person.name, file});
  }
  if (images.empty()) throw models::InputError(dirs.front() + ": no images in the identity folders (.jpg, .png, ...)");
  return images;
}

struct IdentityCount {
  std::size_t images = 0, acquired = 0;
};

nlohmann::json histogram_json(const biometrics::DistanceHistogram& h) {
  return {{"edges", h.edges}, {"counts", h.counts}, {"above", h.above}};
}

void print_text(const nlohmann::json& r, const std::map<std::string, IdentityCount>& identities,
                const std::vector<std::pair<std::string, std::string>>& failures) {
  std::cout << "identity                  images  acquired\n";
  for (const auto& [name, count] : identities)
    std::cout << std::left << std::setw(26) << name << std::right << std::setw(6) << count.images << std::setw(10)
              << count.acquired << '\n';
  std::cout << "\nimages " << r["images"] << ", failures to acquire " << r["fta"] << '\n';
  for (const auto& [file, reason] : failures) std::cout << "  FTA " << file << ": " << reason << '\n';
  std::cout << "genuine pairs " << r["genuine_pairs"] << ", impostor pairs " << r["impostor_pairs"] << "\n\n";
  std::cout << std::fixed << std::setprecision(4) << "threshold      FMR     FNMR\n";
  for (const auto& row : r["thresholds"])
    std::cout << std::setw(9) << row["threshold"].get<double>() << std::setw(9) << row["fmr"].get<double>()
              << std::setw(9) << row["fnmr"].get<double>() << '\n';
  std::cout << "\nEER " << r["eer"].get<double>() << " at threshold " << r["eer_threshold"].get<double>() << '\n';
  std::cout << "threshold for FMR <= " << r["target_fmr"].get<double>() << ": "
            << r["threshold_at_target_fmr"].get<double>() << " (FMR " << r["fmr_at_target"].get<double>()
            << ", FNMR " << r["fnmr_at_target"].get<double>() << ")\n";
  if (!r["det_curve"].is_null()) std::cout << "DET curve: " << r["det_curve"].get<std::string>() << '\n';
}

}  // namespace

void add_eval_faces_command(CLI::App& root, CommandContext& context) {
  struct Args {
    std::vector<std::string> dirs;
    std::string out;
    double target_fmr = 0.001;
    double step = 0.05;
    bool json = false;
    FaceOptions face;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("eval-faces", command_description("eval-faces"));
  cmd->add_option("DIR", args->dirs, "Folders whose sub-folders are identities")->required();
  cmd->add_option("--out", args->out, "Write the DET curve here (PNG)");
  cmd->add_option("--target-fmr", args->target_fmr, "False-match rate to find the threshold for")
      ->check(CLI::Range(0.0, 0.999999));
  cmd->add_option("--step", args->step, "Spacing of the threshold table, from 0 to 1.5")->check(CLI::Range(0.001, 1.5));
  cmd->add_flag("--json", args->json, "Print one JSON object (counts, rates, EER, histograms)");
  args->face.add_to(*cmd);
  cmd->callback([args, &context] {
    const auto images = collect_images(args->dirs);
    // Refused before the face analysis (seconds per image), not after it.
    if (const auto folder = fs::path(args->out).parent_path(); !args->out.empty() && !folder.empty() && !fs::is_directory(folder))
      throw models::InputError(args->out + ": cannot write the DET curve there (" + folder.string() + " is not a folder)");
    biometrics::FaceAnalyzer analyzer(args->face.model_store(), args->face.detector_options());
    std::vector<biometrics::LabelledDescriptor> samples;
    std::vector<std::pair<std::string, std::string>> failures;  // image, reason
    std::map<std::string, IdentityCount> identities;
    for (const auto& image : images) {
      auto& count = identities[image.identity];
      ++count.images;
      std::string reason;
      try {
        const cv::Mat bgr = biometrics::load_image(image.file);
        const auto faces = analyzer.detect(bgr);
        if (faces.size() == 1) {
          samples.push_back({image.identity, analyzer.describe(bgr, faces.front())});
          ++count.acquired;
          continue;
        }
        reason = faces.empty() ? "no face found" : std::to_string(faces.size()) + " faces found, expected one";
      } catch (const models::InputError& e) {
        reason = e.what();
      }
      failures.emplace_back(image.file.string(), reason);
    }
    const auto sets = biometrics::pair_distances(samples);
    if (sets.genuine.empty() || sets.impostor.empty())
      throw models::InputError(args->dirs.front() + ": " + std::to_string(sets.genuine.size()) + " genuine and " +
                               std::to_string(sets.impostor.size()) +
                               " impostor pairs; need two usable images of one person and two people");
    const auto eer = biometrics::equal_error_rate(sets);
    const auto at_target = biometrics::threshold_for_fmr(sets, args->target_fmr);

    nlohmann::json r;
    r["images"] = images.size();
    r["fta"] = failures.size();
    r["fta_rate"] = static_cast<double>(failures.size()) / static_cast<double>(images.size());
    r["failures"] = nlohmann::json::array();
    for (const auto& [file, reason] : failures) r["failures"].push_back({{"image", file}, {"reason", reason}});
    r["identities"] = nlohmann::json::array();
    for (const auto& [name, count] : identities)
      r["identities"].push_back({{"identity", name}, {"images", count.images}, {"acquired", count.acquired}});
    r["genuine_pairs"] = sets.genuine.size();
    r["impostor_pairs"] = sets.impostor.size();
    r["eer"] = eer.fmr;
    r["eer_threshold"] = eer.threshold;
    r["target_fmr"] = args->target_fmr;
    r["threshold_at_target_fmr"] = at_target.threshold;
    r["fmr_at_target"] = at_target.fmr;
    r["fnmr_at_target"] = at_target.fnmr;
    r["thresholds"] = nlohmann::json::array();
    for (double t : biometrics::threshold_grid(0, kHistogramUpper, args->step)) {
      const auto rates = biometrics::error_rates_at(sets, t);
      r["thresholds"].push_back({{"threshold", t}, {"fmr", rates.fmr}, {"fnmr", rates.fnmr}});
    }
    r["histograms"] = {
        {"genuine", histogram_json(biometrics::distance_histogram(sets.genuine, kHistogramBin, kHistogramUpper))},
        {"impostor", histogram_json(biometrics::distance_histogram(sets.impostor, kHistogramBin, kHistogramUpper))}};
    r["det_curve"] = nullptr;
    if (!args->out.empty()) {
      const std::string title = "DET: " + std::to_string(sets.genuine.size()) + " genuine, " +
                                std::to_string(sets.impostor.size()) + " impostor pairs";
      biometrics::write_det_curve(sets, title, args->out);
      r["det_curve"] = args->out;
    }
    if (args->json)
      print_json(r);
    else
      print_text(r, identities, failures);
    context.exit_status = kSuccess;
  });
}

}  // namespace gatesim::app
