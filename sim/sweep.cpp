#include "sim/sweep.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>
#include <utility>

#include "biometrics/sha256.hpp"
#include "models/input_error.hpp"

namespace gatesim::sim {

namespace {

bool to_int(const std::string& s, long& out) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// Student's t at 0.975 for n - 1 degrees of freedom (1.96 from 30 on).
double t975(std::size_t n) {
  static const double table[] = {0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045};
  const std::size_t df = n - 1;
  return df < 30 ? table[df] : 1.96;
}

// One field of the text a fingerprint hashes, its length first, so that the fields ("ab", "c")
// and ("a", "bc") differ.
void append_field(std::string& text, std::string_view field) {
  text += std::to_string(field.size());
  text += ':';
  text += field;
}

std::string file_bytes(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw models::InputError(path + ": cannot read (" + what + ")");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::string shard_name(const nlohmann::json& header) {
  return std::to_string(header["shard"].get<long>()) + "/" + std::to_string(header["shards"].get<long>());
}

const char* kFigures[] = {"wait_mean_s", "wait_p95_s", "within_5_min", "referral_rate", "gate_utilisation",
                          "counter_wait_mean_s"};

}  // namespace

SweepPlan plan_sweep(const std::string& vary, const std::string& replications, const std::string& shard) {
  SweepPlan plan;
  const auto eq = vary.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == vary.size())
    throw models::InputError("--vary " + vary + ": expected key=A..B, key=A..B:STEP or key=v1,v2,...");
  plan.key = vary.substr(0, eq);
  const std::string range = vary.substr(eq + 1);
  std::vector<std::string> values;
  if (const auto dots = range.find(".."); dots != std::string::npos) {
    long a = 0, b = 0, step = 1;
    std::string end = range.substr(dots + 2);
    if (const auto colon = end.find(':'); colon != std::string::npos) {
      if (!to_int(end.substr(colon + 1), step) || step <= 0)
        throw models::InputError("--vary " + vary + ": the step after ':' must be a positive integer");
      end = end.substr(0, colon);
    }
    if (!to_int(range.substr(0, dots), a) || !to_int(end, b) || b < a || (b - a) / step > 10000)
      throw models::InputError("--vary " + vary + ": expected integers A..B with A <= B (at most 10000 values)");
    for (long v = a; v <= b; v += step) values.push_back(std::to_string(v));
  } else {
    std::size_t start = 0;
    while (start <= range.size()) {
      const auto comma = range.find(',', start);
      const std::string v = range.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (v.empty()) throw models::InputError("--vary " + vary + ": empty value in the list");
      values.push_back(v);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  long r0 = 0, r1 = 0;
  if (const auto dash = replications.find('-'); dash != std::string::npos) {
    if (!to_int(replications.substr(0, dash), r0) || !to_int(replications.substr(dash + 1), r1) || r0 < 0 || r1 < r0)
      throw models::InputError("--replications " + replications + ": expected R or R0-R1 with 0 <= R0 <= R1");
  } else {
    if (!to_int(replications, r1) || r1 < 1)
      throw models::InputError("--replications " + replications + ": expected a count >= 1 or a range R0-R1");
    r1 -= 1;
  }
  if (r1 - r0 >= 100000) throw models::InputError("--replications " + replications + ": at most 100000");
  long k = 1, n = 1;
  if (!shard.empty()) {
    const auto slash = shard.find('/');
    if (slash == std::string::npos || !to_int(shard.substr(0, slash), k) || !to_int(shard.substr(slash + 1), n) || n < 1 ||
        k < 1 || k > n || n > 1000000)
      throw models::InputError("--shard " + shard + ": expected k/n with 1 <= k <= n <= 1000000");
  }
  plan.shard = static_cast<int>(k);
  plan.shards = static_cast<int>(n);
  long index = 0;
  for (const auto& v : values)
    for (long r = r0; r <= r1; ++r, ++index)
      if (index % n == k - 1) plan.jobs.push_back({v, static_cast<int>(r)});
  return plan;
}

nlohmann::json sweep_row(const std::string& key, const SweepJob& job, std::uint64_t seed, const SimResult& r) {
  double gate_busy = 0, gate_capacity = 0;
  for (int c : {kDocumentGates, kDocumentFreeGates}) {
    gate_busy += r.busy_s[c];
    gate_capacity += r.servers[c] * r.drained_at_h * 3600;
  }
  const std::uint64_t referred = r.travellers - r.cleared_at_gate - r.unserved;
  return {{"key", key},
          {"value", job.value},
          {"replication", job.replication},
          {"seed", seed},
          {"travellers", r.travellers},
          {"wait_mean_s", r.total_wait.mean()},
          {"wait_p95_s", r.total_wait.quantile(0.95)},
          {"within_5_min", r.total_wait.share_within(300)},
          {"referral_rate", r.travellers ? static_cast<double>(referred) / static_cast<double>(r.travellers) : 0.0},
          {"gate_utilisation", gate_capacity > 0 ? gate_busy / gate_capacity : 0.0},
          {"counter_wait_mean_s", r.waits[kCounters].mean()}};
}

nlohmann::json describe_sweep(const Scenario& base, const std::vector<std::string>& sets, const std::string& vary,
                              const std::string& replications) {
  std::string text;
  append_field(text, file_bytes(base.file, "the scenario"));
  for (const auto& [key, path] : {std::pair<std::string, std::string>{"arrivals.trace", base.arrivals.trace},
                                  {"biometrics.calibration", base.biometrics.calibration},
                                  {"biometrics.pad_calibration", base.biometrics.pad_calibration}}) {
    append_field(text, key);
    append_field(text, path.empty() ? "" : file_bytes(path, key));
  }
  append_field(text, std::to_string(sets.size()));
  for (const auto& set : sets) append_field(text, set);
  append_field(text, vary);
  append_field(text, replications);
  append_field(text, std::to_string(base.seed));
  // SHA-256 (the same from every build and machine; std::hash promises neither), cut to 16 hex digits.
  const std::string hex = biometrics::sha256_hex(text).substr(0, 16);
  return {{"sweep", hex},          {"scenario", base.file},         {"set", sets},
          {"vary", vary},          {"replications", replications}, {"seed", base.seed}};
}

nlohmann::json shard_header(const nlohmann::json& sweep, const SweepPlan& plan) {
  nlohmann::json header = sweep;
  header["shard"] = plan.shard;
  header["shards"] = plan.shards;
  header["jobs"] = plan.jobs.size();
  return header;
}

std::vector<nlohmann::json> shard_rows(const std::vector<ShardFile>& files) {
  struct Shard {
    const std::string* file;
    nlohmann::json header;
    std::size_t rows = 0;
  };
  std::vector<Shard> shards;
  std::map<long, const std::string*> seen;  // shard k: the file that held it
  std::vector<nlohmann::json> rows;
  auto fail = [](const Shard& s, const std::string& what) {
    return models::InputError(*s.file + ": shard " + shard_name(s.header) + " " + what);
  };
  auto finish = [&] {
    const Shard& s = shards.back();
    const auto announced = s.header["jobs"].get<std::size_t>();
    if (s.rows != announced)
      throw fail(s, "holds " + std::to_string(s.rows) + (s.rows == 1 ? " row" : " rows") + ", its header announces " +
                        std::to_string(announced) + " (cut short?)");
  };
  for (const auto& file : files) {
    bool in_shard = false;
    for (const auto& line : file.lines) {
      if (!line.is_object() || !line.contains("shards")) {
        if (!in_shard)
          throw models::InputError(file.name + ": starts with a row, not a shard header (gatesim sweep --rows writes "
                                               "one first; a file of an older gatesim?)");
        rows.push_back(line);
        ++shards.back().rows;
        continue;
      }
      if (in_shard) finish();
      in_shard = true;
      if (!line.contains("sweep") || !line["sweep"].is_string() || !line.contains("shard") ||
          !line["shard"].is_number_integer() || !line["shards"].is_number_integer() || !line.contains("jobs") ||
          !line["jobs"].is_number_unsigned())
        throw models::InputError(file.name + ": a shard header without the fields sweep, shard, shards and jobs");
      shards.push_back({&file.name, line});
      const Shard& s = shards.back();
      const long k = line["shard"].get<long>(), n = line["shards"].get<long>();
      if (n < 1 || k < 1 || k > n) throw fail(s, "is not a shard (expected k/n with 1 <= k <= n)");
      const Shard& first = shards.front();
      if (line["sweep"] != first.header["sweep"]) {
        std::string what = "the scenario's content or a file it names differs (fingerprint " +
                           line["sweep"].get<std::string>() + " against " + first.header["sweep"].get<std::string>() + ")";
        for (const std::string field : {"set", "vary", "replications", "seed"}) {
          const auto mine = line.value(field, nlohmann::json()), theirs = first.header.value(field, nlohmann::json());
          if (mine != theirs) {
            what = (field == "seed" ? "seed " : "--" + field + " ") + mine.dump() + " against " + theirs.dump();
            break;
          }
        }
        throw fail(s, "is of another sweep than " + *first.file + ": " + what);
      }
      if (n != first.header["shards"].get<long>())
        throw fail(s, "is of another split of the sweep than " + *first.file + " (shard " + shard_name(first.header) + ")");
      if (const auto [at, fresh] = seen.emplace(k, s.file); !fresh)
        throw fail(s, "comes twice (also in " + *at->second + ")");
    }
    if (in_shard) finish();
  }
  if (shards.empty())
    throw models::InputError("no rows in " + (files.empty() ? std::string("no file") : files.front().name) +
                             (files.size() > 1 ? " ..." : ""));
  const long n = shards.front().header["shards"].get<long>();
  if (static_cast<long>(seen.size()) < n) {
    std::string missing;
    long listed = 0;
    for (long k = 1; k <= n; ++k)
      if (!seen.contains(k) && listed++ < 10) missing += (missing.empty() ? "" : ", ") + std::to_string(k);
    if (listed > 10) missing += " and " + std::to_string(listed - 10) + " more";
    throw models::InputError("shard" + std::string(listed > 1 ? "s " : " ") + missing + " of " + std::to_string(n) +
                             (listed > 1 ? " are" : " is") + " missing (the files hold the other " +
                             std::to_string(seen.size()) + "): merge needs every shard");
  }
  return rows;
}

nlohmann::json merge_rows(const std::vector<nlohmann::json>& rows) {
  struct Group {
    std::vector<int> replications;
    std::map<std::string, std::vector<double>> figures;
  };
  std::map<std::string, Group> groups;
  std::string key;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    auto bad = [&](const std::string& what) {
      return models::InputError("row " + std::to_string(i + 1) + ": " + what);
    };
    if (!row.is_object() || !row.contains("key") || !row.contains("value") || !row.contains("replication"))
      throw bad("not a sweep row (expected key, value, replication and the figures)");
    if (key.empty()) key = row["key"].get<std::string>();
    if (row["key"] != key) throw bad("varies " + row["key"].get<std::string>() + ", other rows vary " + key);
    Group& g = groups[row["value"].get<std::string>()];
    g.replications.push_back(row["replication"].get<int>());
    for (const char* f : kFigures) {
      if (!row.contains(f) || !row[f].is_number()) throw bad(std::string("missing the figure ") + f);
      g.figures[f].push_back(row[f].get<double>());
    }
  }
  std::vector<std::string> order;
  for (const auto& [v, g] : groups) order.push_back(v);
  std::stable_sort(order.begin(), order.end(), [](const std::string& a, const std::string& b) {
    long x = 0, y = 0;
    if (to_int(a, x) && to_int(b, y)) return x < y;
    return a < b;
  });
  nlohmann::json table = {{"key", key}, {"rows", nlohmann::json::array()}};
  for (const auto& v : order) {
    Group& g = groups[v];
    // Figures in replication order whatever the shards' order: with FMA contraction the sums
    // below depend on the order, and a merged table must equal the whole sweep's bit for bit.
    std::vector<std::size_t> by_replication(g.replications.size());
    for (std::size_t i = 0; i < by_replication.size(); ++i) by_replication[i] = i;
    std::stable_sort(by_replication.begin(), by_replication.end(),
                     [&](std::size_t a, std::size_t b) { return g.replications[a] < g.replications[b]; });
    for (auto& [name, xs] : g.figures) {
      std::vector<double> sorted;
      for (std::size_t i : by_replication) sorted.push_back(xs[i]);
      xs = std::move(sorted);
    }
    std::sort(g.replications.begin(), g.replications.end());
    if (std::adjacent_find(g.replications.begin(), g.replications.end()) != g.replications.end())
      throw models::InputError(key + "=" + v + ": a replication appears twice (shards merged twice?)");
    nlohmann::json out = {{"value", v}, {"replications", g.replications.size()}};
    for (const char* f : kFigures) {
      const auto& xs = g.figures[f];
      double mean = 0, sq = 0;
      for (double x : xs) mean += x;
      mean /= static_cast<double>(xs.size());
      for (double x : xs) sq += (x - mean) * (x - mean);
      const double half = xs.size() > 1 ? t975(xs.size()) * std::sqrt(sq / static_cast<double>(xs.size() - 1)) /
                                              std::sqrt(static_cast<double>(xs.size()))
                                        : 0.0;
      out[f] = {{"mean", mean}, {"ci95", half}};
    }
    table["rows"].push_back(out);
  }
  return table;
}

std::string format_table(const nlohmann::json& table) {
  std::string text;
  char line[256];
  std::snprintf(line, sizeof line, "%-12s %5s %20s %20s %16s %16s %10s\n", table["key"].get<std::string>().c_str(), "reps",
                "wait mean s", "wait p95 s", "within 5 min", "referral rate", "gate util");
  text += line;
  auto cell = [](const nlohmann::json& f, double scale) {
    char c[64];
    std::snprintf(c, sizeof c, "%.1f ± %.1f", f["mean"].get<double>() * scale, f["ci95"].get<double>() * scale);
    return std::string(c);
  };
  for (const auto& row : table["rows"]) {
    std::snprintf(line, sizeof line, "%-12s %5d %20s %20s %15s%% %15s%% %9.0f%%\n", row["value"].get<std::string>().c_str(),
                  row["replications"].get<int>(), cell(row["wait_mean_s"], 1).c_str(), cell(row["wait_p95_s"], 1).c_str(),
                  cell(row["within_5_min"], 100).c_str(), cell(row["referral_rate"], 100).c_str(),
                  100 * row["gate_utilisation"]["mean"].get<double>());
    text += line;
  }
  return text;
}

}  // namespace gatesim::sim
