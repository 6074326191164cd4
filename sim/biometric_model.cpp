#include "sim/biometric_model.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "models/input_error.hpp"

namespace gatesim::sim {

ScoreDistribution ScoreDistribution::normal(double mean, double sd) {
  ScoreDistribution d;
  d.mean_ = mean;
  d.sd_ = sd;
  return d;
}

ScoreDistribution ScoreDistribution::histogram(std::vector<double> edges, std::vector<double> counts) {
  ScoreDistribution d;
  d.edges_ = std::move(edges);
  double total = 0;
  for (double c : counts) d.cumulative_.push_back(total += c);
  for (double& c : d.cumulative_) c /= total;
  return d;
}

double ScoreDistribution::sample(Rng& rng) const {
  if (edges_.empty()) return std::max(0.0, rng.normal(mean_, sd_));
  const double u = rng.uniform();
  const auto bin = static_cast<std::size_t>(std::upper_bound(cumulative_.begin(), cumulative_.end(), u) - cumulative_.begin());
  const std::size_t b = std::min(bin, cumulative_.size() - 1);
  return edges_[b] + rng.uniform() * (edges_[b + 1] - edges_[b]);
}

double ScoreDistribution::cdf(double threshold) const {
  if (edges_.empty()) return sd_ <= 0 ? (mean_ < threshold ? 1.0 : 0.0) : 0.5 * std::erfc((mean_ - threshold) / (sd_ * std::sqrt(2.0)));
  double below = 0, previous = 0;
  for (std::size_t b = 0; b < cumulative_.size(); ++b) {
    const double mass = cumulative_[b] - previous;
    previous = cumulative_[b];
    if (edges_[b + 1] <= threshold) below += mass;
    else if (edges_[b] < threshold) below += mass * (threshold - edges_[b]) / (edges_[b + 1] - edges_[b]);
  }
  return below;
}

namespace {

ScoreDistribution read_distribution(const nlohmann::json& entry, const std::string& file, const std::string& name) {
  auto bad = [&](const std::string& what) -> models::InputError {
    return models::InputError(file + ": " + name + ": " + what);
  };
  if (entry.is_array()) {  // raw distances: a histogram of 0.01-wide bins
    std::vector<double> edges, counts;
    for (int i = 0; i <= 200; ++i) edges.push_back(i * 0.01);
    counts.assign(200, 0);
    for (const auto& v : entry) {
      if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 2) throw bad("expected distances in [0, 2]");
      counts[std::min<std::size_t>(199, static_cast<std::size_t>(v.get<double>() / 0.01))] += 1;
    }
    if (entry.empty()) throw bad("expected at least one distance");
    return ScoreDistribution::histogram(edges, counts);
  }
  if (!entry.is_object()) throw bad("expected a list of distances or {\"edges\": [...], \"counts\": [...]}");
  const nlohmann::json* edges = nullptr;
  for (const char* key : {"edges", "bin_edges", "bins"})
    if (entry.contains(key)) edges = &entry[key];
  if (!edges || !entry.contains("counts") || !edges->is_array() || !entry["counts"].is_array())
    throw bad("expected {\"edges\": [n+1 numbers], \"counts\": [n numbers]}");
  std::vector<double> e, c;
  double total = 0;
  for (const auto& v : *edges) {
    if (!v.is_number()) throw bad("edges must be numbers");
    e.push_back(v.get<double>());
  }
  for (const auto& v : entry["counts"]) {
    if (!v.is_number() || v.get<double>() < 0) throw bad("counts must be non-negative numbers");
    c.push_back(v.get<double>());
    total += c.back();
  }
  if (e.size() != c.size() + 1 || c.empty()) throw bad("expected one more edge than counts");
  for (std::size_t i = 1; i < e.size(); ++i)
    if (!(e[i] > e[i - 1])) throw bad("edges must increase");
  if (e.front() < 0) throw bad("edges must be distances (>= 0)");
  if (total <= 0) throw bad("all counts are zero");
  return ScoreDistribution::histogram(e, c);
}

}  // namespace

BiometricModel make_biometric_model(const BiometricSpec& spec) {
  BiometricModel m;
  m.enabled = spec.enabled;
  m.genuine = ScoreDistribution::normal(spec.genuine_mean, spec.genuine_sd);
  m.impostor = ScoreDistribution::normal(spec.impostor_mean, spec.impostor_sd);
  m.frame_failure = spec.frame_failure;
  m.fingerprint_fnmr = spec.fingerprint_fnmr;
  if (spec.calibration.empty()) return m;

  nlohmann::json doc = read_calibration_file(spec.calibration, "calibration file", "biometrics.calibration");
  const nlohmann::json* holder = nullptr;
  for (const nlohmann::json* candidate : {&doc, doc.contains("histograms") ? &doc["histograms"] : nullptr,
                                          doc.contains("distances") ? &doc["distances"] : nullptr})
    if (candidate && candidate->is_object() && candidate->contains("genuine") && candidate->contains("impostor"))
      holder = candidate;
  if (!holder)
    throw models::InputError(spec.calibration +
                             ": expected \"genuine\" and \"impostor\" distance histograms (top level, \"histograms\" or \"distances\")");
  m.genuine = read_distribution((*holder)["genuine"], spec.calibration, "genuine");
  m.impostor = read_distribution((*holder)["impostor"], spec.calibration, "impostor");
  for (const char* key : {"failure_to_acquire", "fta_rate"}) {
    if (!doc.contains(key)) continue;
    if (!doc[key].is_number() || doc[key].get<double>() < 0 || doc[key].get<double>() >= 1)
      throw models::InputError(spec.calibration + ": " + key + ": expected a rate in [0, 1)");
    m.frame_failure = doc[key].get<double>();
  }
  m.calibrated_from = spec.calibration;
  return m;
}

nlohmann::json read_calibration_file(const std::string& file, const std::string& what, const std::string& key) {
  std::ifstream in(file);
  if (!in) throw models::InputError(file + ": cannot open the " + what + " (" + key + ")");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw models::InputError(file + ": not valid JSON (byte " + std::to_string(e.byte) + ") (" + key + ")");
  }
}

}  // namespace gatesim::sim
