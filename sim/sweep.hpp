#pragma once
// Sweeps: many replications of a scenario over a range of one setting, split into shards that
// separate processes (or a batch scheduler's array jobs) run, then merged into one table with
// 95% confidence intervals.
//
// A sweep is the list of jobs (value x replication) in a fixed order; shard k of n (1-based) runs
// jobs k-1, k-1+n, ... Each job's row is one JSON object (sweep_row), so shards' JSON Lines
// files concatenate and merge_rows() tabulates any mix of them. Replication r runs with seed
// scenario.seed + r, so a job gives the same row on any machine and in any shard.
//
// Thread safety: pure functions.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/port_model.hpp"
#include "sim/scenario.hpp"

namespace gatesim::sim {

struct SweepJob {
  std::string value;   // the setting's value, as given to --set
  int replication = 0;
};

// requires: vary is "key=A..B" (integers, step 1), "key=A..B:S" or "key=v1,v2,...";
//           replications "R" or "R0-R1"; shard "k/n" with 1 <= k <= n (empty: all).
// throws models::InputError naming the option otherwise.
struct SweepPlan {
  std::string key;
  std::vector<SweepJob> jobs;  // this shard's
};
SweepPlan plan_sweep(const std::string& vary, const std::string& replications, const std::string& shard);

// ensures: one row: the key, value, replication, seed and the summary's headline figures.
nlohmann::json sweep_row(const std::string& key, const SweepJob& job, std::uint64_t seed, const SimResult& result);

// requires: rows from sweep_row (any order, any shards). ensures: per value (sorted numerically
//           when numbers): replications, and mean with 95% CI half-width of each figure.
// throws models::InputError for a row that lacks the fields (naming its index).
nlohmann::json merge_rows(const std::vector<nlohmann::json>& rows);

// ensures: the merged table as aligned text.
std::string format_table(const nlohmann::json& table);

}  // namespace gatesim::sim
