// gatesim sweep SCENARIO --vary KEY=A..B: replications over a range of one setting, with 95%
// confidence intervals; shards for batch schedulers. gatesim merge FILE...: shards' rows to one table.
#include <fstream>
#include <iostream>

#include "apps/gatesim/command.hpp"
#include "models/input_error.hpp"
#include "sim/sweep.hpp"

namespace gatesim::app {

void add_sweep_command(CLI::App& root, CommandContext& context) {
  struct Args {
    std::string scenario, vary, replications = "5", shard, rows_out;
    std::vector<std::string> sets;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("sweep", command_description("sweep"));
  cmd->add_option("SCENARIO", args->scenario, "Scenario YAML file")->required();
  cmd->add_option("--vary", args->vary, "Setting and values: channels.counters=4..12, key=A..B:STEP or key=a,b,c")->required();
  cmd->add_option("--replications", args->replications, "Count (5) or index range R0-R1 (seed = scenario seed + index)")
      ->capture_default_str();
  cmd->add_option("--shard", args->shard, "Run only shard k of n (1-based, k/n): jobs k-1, k-1+n, ...");
  cmd->add_option("--set", args->sets, "Override another scenario key (repeatable)");
  cmd->add_option("--rows", args->rows_out, "Also write one JSON line per replication here (for gatesim merge)");
  cmd->add_flag("--json", args->json, "Print the table as JSON");
  cmd->callback([args, &context] {
    const sim::SweepPlan plan = sim::plan_sweep(args->vary, args->replications, args->shard);
    std::ofstream rows_file;
    if (!args->rows_out.empty()) {
      const auto sweep = sim::describe_sweep(sim::load_scenario(args->scenario, args->sets), args->sets, args->vary,
                                             args->replications);
      rows_file.open(args->rows_out);
      if (!rows_file) throw models::InputError(args->rows_out + ": cannot write here (--rows)");
      rows_file << sim::shard_header(sweep, plan).dump() << '\n';
    }
    std::vector<nlohmann::json> rows;
    for (const auto& job : plan.jobs) {
      auto sets = args->sets;
      sets.push_back(plan.key + "=" + job.value);
      const sim::Scenario scenario = sim::load_scenario(args->scenario, sets);
      sim::RunOptions options;
      options.seed = scenario.seed + static_cast<std::uint64_t>(job.replication);
      rows.push_back(sim::sweep_row(plan.key, job, options.seed, sim::run_simulation(scenario, options)));
      if (rows_file) rows_file << rows.back().dump() << '\n';
    }
    // More shards than jobs (a Slurm array larger than the sweep): this shard's share is nothing,
    // which is no error; its rows file (a header announcing 0 rows) completes the set for merge.
    if (rows.empty())
      std::cerr << "gatesim sweep: shard " << args->shard << " has no jobs (more shards than jobs)\n";
    const auto table = rows.empty() ? nlohmann::json{{"key", plan.key}, {"rows", nlohmann::json::array()}} : sim::merge_rows(rows);
    if (args->json) print_json(table);
    else std::cout << sim::format_table(table);
    context.exit_status = kSuccess;
  });
}

void add_merge_command(CLI::App& root, CommandContext& context) {
  struct Args {
    std::vector<std::string> files;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("merge", command_description("merge"));
  cmd->add_option("FILES", args->files, "JSON Lines files written by gatesim sweep --rows")->required();
  cmd->add_flag("--json", args->json, "Print the table as JSON");
  cmd->callback([args, &context] {
    std::vector<sim::ShardFile> files;
    for (const auto& file : args->files) {
      std::ifstream in(file);
      if (!in) throw models::InputError(file + ": cannot open");
      files.push_back({file, {}});
      std::string line;
      for (std::size_t number = 1; std::getline(in, line); ++number) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        try {
          files.back().lines.push_back(nlohmann::json::parse(line));
        } catch (const nlohmann::json::parse_error&) {
          throw models::InputError(file + ":" + std::to_string(number) + ": not a JSON object");
        }
      }
    }
    const auto table = sim::merge_rows(sim::shard_rows(files));
    if (args->json) print_json(table);
    else std::cout << sim::format_table(table);
    context.exit_status = kSuccess;
  });
}

}  // namespace gatesim::app
