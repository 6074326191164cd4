// gatesim enroll --db FILE --id ID PHOTO...: add a permit holder's face templates.
#include <fstream>
#include <iostream>
#include <sstream>

#include "apps/gatesim/face_command.hpp"
#include "gate/enrolment_store.hpp"
#include "models/input_error.hpp"
#include "models/traveller_json.hpp"

namespace gatesim::app {

void add_enroll_command(CLI::App& root, CommandContext& context) {
  struct Args {
    std::string db;
    gate::PermitHolder holder;
    std::string record_file;
    std::vector<std::string> photos;
    bool json = false;
    FaceOptions face;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("enroll", command_description("enroll"));
  cmd->add_option("--db", args->db, "Enrolment database (SQLite; created when missing)")->required();
  cmd->add_option("--id", args->holder.id, "Permit holder id")->required();
  cmd->add_option("--name", args->holder.name, "Name");
  cmd->add_option("--document", args->holder.document_number, "Travel document number");
  cmd->add_option("--birth-date", args->holder.birth_date, "Date of birth, YYYY-MM-DD");
  cmd->add_option("--residence", args->holder.residence, "Residence status, e.g. 'HK permanent'");
  cmd->add_option("--record", args->record_file,
                  "The holder's traveller record (JSON, as `gatesim check`'s \"traveller\"; its id must be --id): "
                  "what the document-free channel's policy check reads");
  cmd->add_option("PHOTO", args->photos, "Photos of the holder, exactly one face each")->required();
  cmd->add_flag("--json", args->json, "Print {\"id\", \"templates_added\", \"templates\", \"db\"}");
  args->face.add_to(*cmd);
  cmd->callback([args, &context] {
    if (!args->record_file.empty()) {
      std::ifstream in(args->record_file);
      if (!in) throw models::InputError(args->record_file + ": cannot read the traveller record");
      std::stringstream text;
      text << in.rdbuf();
      const auto traveller = models::parse_traveller(text.str(), args->record_file);
      if (traveller.id != args->holder.id)
        throw models::InputError(args->record_file + ": id: expected \"" + args->holder.id + "\" (the --id), got \"" +
                                 traveller.id + "\"");
      args->holder.record = text.str();
    }
    biometrics::FaceAnalyzer analyzer(args->face.model_store(), args->face.detector_options());
    const std::string detector = args->face.detector + " upsample=" + std::to_string(args->face.upsample) +
                                 " max_detection_width=" + std::to_string(args->face.max_detection_width);
    // Every photo is checked before anything is written: an enrolment is all or nothing.
    std::vector<gate::NewTemplate> templates;
    for (const auto& photo : args->photos)
      templates.push_back({describe_single_face(analyzer, photo),
                           {std::filesystem::path(photo).filename().string(), detector, ""}});
    gate::EnrolmentStore store(args->db);
    store.enrol(args->holder, templates);
    const std::size_t holder_templates = store.template_count(args->holder.id);
    if (args->json) {
      print_json({{"id", args->holder.id},
                  {"templates_added", templates.size()},
                  {"templates", holder_templates},
                  {"db", args->db}});
    } else {
      std::cout << "enrolled " << args->holder.id << ": " << templates.size() << " template(s) added, "
                << holder_templates << " in total\n";
    }
    context.exit_status = kSuccess;
  });
}

}  // namespace gatesim::app
