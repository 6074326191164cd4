// gatesim gallery --db FILE list|remove ID|export FILE: look after the enrolment database.
#include <fstream>
#include <iostream>
#include <map>

#include "apps/gatesim/command.hpp"
#include "gate/enrolment_store.hpp"
#include "models/input_error.hpp"

namespace gatesim::app {
namespace {

nlohmann::json holder_json(const gate::HolderSummary& summary) {
  const auto& h = summary.holder;
  nlohmann::json templates = nlohmann::json::array();
  for (const auto& t : summary.templates)
    templates.push_back({{"source_image", t.source_image}, {"detector", t.detector}, {"enrolled_at", t.enrolled_at}});
  return {{"id", h.id},
          {"name", h.name},
          {"document_number", h.document_number},
          {"birth_date", h.birth_date},
          {"residence", h.residence},
          {"enrolled_at", h.enrolled_at},
          {"templates", templates}};
}

}  // namespace

void add_gallery_command(CLI::App& root, CommandContext& context) {
  struct Args {
    std::string db;
    bool json = false;
    std::string remove_id;
    std::string export_file;
    bool with_templates = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("gallery", command_description("gallery"));
  cmd->require_subcommand(1);
  // --db and --json belong to `gallery`; fallthrough lets them follow the action as well.
  cmd->add_option("--db", args->db, "Enrolment database (SQLite, from `gatesim enroll`)")->required();
  cmd->add_flag("--json", args->json, "Print JSON");
  auto open = [args] { return std::make_unique<gate::EnrolmentStore>(args->db, gate::EnrolmentStore::Open::existing_only); };

  auto* list = cmd->add_subcommand("list", "Every permit holder with their templates' provenance");
  list->fallthrough();
  list->callback([args, open, &context] {
    const auto holders = open()->holders();
    if (args->json) {
      auto out = nlohmann::json::array();
      for (const auto& h : holders) out.push_back(holder_json(h));
      print_json({{"holders", out}});
    } else {
      for (const auto& s : holders) {
        std::cout << s.holder.id << '\t' << s.holder.name << '\t' << s.holder.document_number << '\t' << s.holder.birth_date
                  << '\t' << s.templates.size() << " template(s)\n";
      }
      std::cout << holders.size() << " permit holder(s)\n";
    }
    context.exit_status = kSuccess;
  });

  auto* remove = cmd->add_subcommand("remove", "Remove a permit holder and all their templates");
  remove->fallthrough();
  remove->add_option("ID", args->remove_id, "Permit holder id")->required();
  remove->callback([args, open, &context] {
    if (!open()->remove(args->remove_id))
      throw models::InputError(args->db + ": no permit holder with id '" + args->remove_id + "'");
    if (args->json)
      print_json({{"removed", args->remove_id}});
    else
      std::cout << "removed " << args->remove_id << '\n';
    context.exit_status = kSuccess;
  });

  auto* exp = cmd->add_subcommand("export", "Write the permit holders as JSON Lines, one holder a line (templates only if asked)");
  exp->fallthrough();
  exp->add_option("FILE", args->export_file, "Output file (JSON Lines)")->required();
  exp->add_flag("--with-templates", args->with_templates,
                "Include each template's 128 descriptor values (biometric data: handle accordingly)");
  exp->callback([args, open, &context] {
    const auto store = open();
    std::map<std::string, std::vector<biometrics::FaceDescriptor>> descriptors;
    if (args->with_templates)
      store->for_each_template([&](const std::string& id, const biometrics::FaceDescriptor& d) { descriptors[id].push_back(d); });
    std::ofstream out(args->export_file);
    if (!out) throw models::InputError(args->export_file + ": cannot write the export file");
    const auto holders = store->holders();
    for (const auto& s : holders) {
      auto line = holder_json(s);
      if (args->with_templates) {
        const auto& mine = descriptors[s.holder.id];  // same order as the provenance: by template id
        for (std::size_t t = 0; t < line["templates"].size() && t < mine.size(); ++t)
          line["templates"][t]["descriptor"] = mine[t];
      }
      out << line.dump() << '\n';
    }
    out.close();
    if (!out) throw models::InputError(args->export_file + ": write failed");
    if (args->json)
      print_json({{"exported", holders.size()}, {"file", args->export_file}, {"with_templates", args->with_templates}});
    else
      std::cout << "exported " << holders.size() << " permit holder(s) to " << args->export_file << '\n';
    context.exit_status = kSuccess;
  });
}

}  // namespace gatesim::app
