#pragma once
// Sweeps: many replications of a scenario over a range of one setting, split into shards that
// separate processes (or a batch scheduler's array jobs) run, then merged into one table with
// 95% confidence intervals.
//
// A sweep is the list of jobs (value x replication) in a fixed order; shard k of n (1-based) runs
// jobs k-1, k-1+n, ... (none when k exceeds the job count). Each job's row is one JSON object
// (sweep_row). A shard's rows file starts with a header line (shard_header): the sweep's
// fingerprint, k/n and the number of rows that follow; shards' files concatenate. Merging checks
// the headers (shard_rows): one sweep, every shard once and whole, so a missing, repeated, cut
// or foreign shard is an error instead of a table of the wrong replications. Replication r runs
// with seed scenario.seed + r, so a job gives the same row on any machine and in any shard.
//
// Thread safety: pure functions (describe_sweep reads the files it names).

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
  std::vector<SweepJob> jobs;  // this shard's (empty when k exceeds the sweep's job count)
  int shard = 1, shards = 1;   // k and n
};
SweepPlan plan_sweep(const std::string& vary, const std::string& replications, const std::string& shard);

// ensures: one row: the key, value, replication, seed and the summary's headline figures.
nlohmann::json sweep_row(const std::string& key, const SweepJob& job, std::uint64_t seed, const SimResult& result);

// What decides a sweep's rows besides the shard: `base` is the scenario as loaded with the --set
// overrides `sets` (its file's bytes, the seed, and the bytes of the trace and calibration files it
// names), the overrides, --vary and --replications, as given to gatesim sweep.
// ensures: the fingerprint (the first 16 hex digits of a SHA-256) in "sweep", and the readable fields
//          ("scenario", "set", "vary", "replications", "seed") that merge's messages compare.
// throws models::InputError when a file the scenario names cannot be read.
nlohmann::json describe_sweep(const Scenario& base, const std::vector<std::string>& sets, const std::string& vary,
                              const std::string& replications);

// ensures: the first line of a shard's rows file: describe_sweep()'s fields, "shard" k,
//          "shards" n and "jobs" (the count of rows that follow).
nlohmann::json shard_header(const nlohmann::json& sweep, const SweepPlan& plan);

// One rows file as merge reads it: its name (for messages) and its JSON lines in order.
struct ShardFile {
  std::string name;
  std::vector<nlohmann::json> lines;
};

// requires: files of gatesim sweep --rows: each a shard header and its rows, repeatable.
// ensures: the rows of one whole sweep: every shard 1..n exactly once, all of one fingerprint,
//          each with the rows its header announces.
// throws models::InputError, one line naming the file and the shard, when there are no lines, a
//        row comes before any header, a shard is cut short, is of another sweep or of another
//        split, comes twice, or is missing.
std::vector<nlohmann::json> shard_rows(const std::vector<ShardFile>& files);

// requires: rows from sweep_row (any order, any shards). ensures: per value (sorted numerically
//           when numbers): replications, and mean with 95% CI half-width of each figure.
// throws models::InputError for a row that lacks the fields (naming its index).
nlohmann::json merge_rows(const std::vector<nlohmann::json>& rows);

// ensures: the merged table as aligned text.
std::string format_table(const nlohmann::json& table);

}  // namespace gatesim::sim
