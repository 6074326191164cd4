// gatesim identify --db FILE PROBE: who in the enrolment database does the probe face look like?
#include <iomanip>
#include <iostream>

#include "apps/gatesim/face_command.hpp"
#include "biometrics/matcher.hpp"
#include "gate/enrolment_store.hpp"

namespace gatesim::app {

void add_identify_command(CLI::App& root, CommandContext& context) {
  struct Args {
    std::string db;
    std::string probe;
    std::size_t top = 5;
    double threshold = biometrics::kDlibDefaultThreshold;
    bool json = false;
    FaceOptions face;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("identify", command_description("identify"));
  cmd->add_option("--db", args->db, "Enrolment database (SQLite, from `gatesim enroll`)")->required();
  cmd->add_option("PROBE", args->probe, "Image with exactly one face")->required();
  cmd->add_option("--top", args->top, "Candidates to list")->check(CLI::Range(1, 1000));
  cmd->add_option("--threshold", args->threshold, "Distance below which a candidate is a match")
      ->check(CLI::Range(0.0, 2.0));
  cmd->add_flag("--json", args->json,
                "Print {\"probe\", \"threshold\", \"identified\", \"candidates\": [{\"id\", \"name\", \"distance\", \"match\"}]}");
  args->face.add_to(*cmd);
  cmd->callback([args, &context] {
    const gate::EnrolmentStore store(args->db, gate::EnrolmentStore::Open::existing_only);
    biometrics::FaceAnalyzer analyzer(args->face.model_store(), args->face.detector_options());
    const auto probe = describe_single_face(analyzer, args->probe);
    const auto gallery = store.load_gallery();
    // Every holder under the threshold at their exact distance: a listed "match" is the exact scan's.
    const auto candidates = gallery.search_exact(probe, args->top, args->threshold,
                                                 [&](const std::string& holder) { return store.templates(holder); });
    const bool identified = !candidates.empty() && candidates.front().distance < args->threshold;
    if (args->json) {
      auto list = nlohmann::json::array();
      for (const auto& c : candidates) {
        const auto holder = store.holder(c.holder_id);
        list.push_back({{"id", c.holder_id},
                        {"name", holder ? holder->name : ""},
                        {"distance", c.distance},
                        {"match", c.distance < args->threshold}});
      }
      print_json({{"probe", args->probe},
                  {"threshold", args->threshold},
                  {"identified", identified ? nlohmann::json(candidates.front().holder_id) : nlohmann::json(nullptr)},
                  {"candidates", list}});
    } else {
      std::cout << (identified ? "identified " + candidates.front().holder_id : std::string("no match")) << " (threshold "
                << std::fixed << std::setprecision(4) << args->threshold << ", " << gallery.size() << " templates)\n";
      for (std::size_t r = 0; r < candidates.size(); ++r) {
        const auto holder = store.holder(candidates[r].holder_id);
        std::cout << std::setw(3) << r + 1 << ". " << candidates[r].holder_id;
        if (holder && !holder->name.empty()) std::cout << " (" << holder->name << ")";
        std::cout << "  distance " << candidates[r].distance << (candidates[r].distance < args->threshold ? "  match" : "")
                  << '\n';
      }
    }
    context.exit_status = identified ? kSuccess : kNegative;
  });
}

}  // namespace gatesim::app
