#include "web/metrics.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <regex>
#include <stdexcept>

namespace gatesim::web {
namespace {

bool valid_name(const std::string& name, bool metric) {
  static const std::regex metric_name("[a-zA-Z_:][a-zA-Z0-9_:]*"), label_name("[a-zA-Z_][a-zA-Z0-9_]*");
  return std::regex_match(name, metric ? metric_name : label_name);
}

// Prometheus reads Go's float syntax: shortest round-trip decimal, +Inf, -Inf, NaN.
std::string number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  // Prefer the shorter %.15g when it reads back as the same value (0.1, not 0.10000000000000001).
  char shorter[32];
  std::snprintf(shorter, sizeof shorter, "%.15g", value);
  return std::strtod(shorter, nullptr) == value ? shorter : text;
}

void append_escaped(std::string& out, const std::string& value) {
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

void append_labels(std::string& out, const Labels& labels, const std::pair<std::string, std::string>* extra = nullptr) {
  if (labels.empty() && !extra) return;
  out += '{';
  bool first = true;
  const auto put = [&](const std::pair<std::string, std::string>& label) {
    if (!first) out += ',';
    first = false;
    out += label.first;
    out += "=\"";
    append_escaped(out, label.second);
    out += '"';
  };
  for (const auto& label : labels) put(label);
  if (extra) put(*extra);
  out += '}';
}

void append_help(std::string& out, const std::string& help) {
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

}  // namespace

void Counter::add(double amount) {
  assert(amount >= 0);
  value_.fetch_add(amount, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {
  assert(std::is_sorted(bounds_.begin(), bounds_.end()) &&
         std::adjacent_find(bounds_.begin(), bounds_.end()) == bounds_.end());
}

void Histogram::observe(double value) {
  const auto bucket = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  const std::lock_guard lock(mutex_);
  ++counts_[bucket];
  sum_ += value;
}

Histogram::Snapshot Histogram::snapshot() const {
  const std::lock_guard lock(mutex_);
  Snapshot s{bounds_, {}, sum_, 0};
  s.cumulative.reserve(counts_.size());
  for (const auto c : counts_) s.cumulative.push_back(s.count += c);
  return s;
}

std::vector<double> step_time_buckets() { return {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}; }

MetricsRegistry::Family& MetricsRegistry::family(const std::string& name, Type type, const std::string& help) {
  auto [it, added] = families_.try_emplace(name, Family{type, help, {}, {}, {}});
  if (added && (!valid_name(name, true) || (type == Type::counter && !name.ends_with("_total")))) {
    families_.erase(it);
    throw std::logic_error("metric " + name + ": not a valid name for its type");
  }
  if (it->second.type != type) throw std::logic_error("metric " + name + " registered with two types");
  return it->second;
}

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  const std::lock_guard lock(mutex_);
  auto& slot = family(name, Type::counter, help).counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& MetricsRegistry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  const std::lock_guard lock(mutex_);
  auto& slot = family(name, Type::gauge, help).gauges[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& MetricsRegistry::histogram(const std::string& name, const std::string& help, const std::vector<double>& bounds,
                                      const Labels& labels) {
  const std::lock_guard lock(mutex_);
  auto& slot = family(name, Type::histogram, help).histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>(bounds);
  return *slot;
}

std::string MetricsRegistry::text() const {
  const std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + ' ';
    append_help(out, f.help);
    out += "\n# TYPE " + name + ' ';
    out += f.type == Type::counter ? "counter" : f.type == Type::gauge ? "gauge" : "histogram";
    out += '\n';
    for (const auto& [labels, c] : f.counters) {
      out += name;
      append_labels(out, labels);
      out += ' ' + number(c->value()) + '\n';
    }
    for (const auto& [labels, g] : f.gauges) {
      out += name;
      append_labels(out, labels);
      out += ' ' + number(g->value()) + '\n';
    }
    for (const auto& [labels, h] : f.histograms) {
      const auto s = h->snapshot();
      for (std::size_t i = 0; i < s.cumulative.size(); ++i) {
        const std::pair<std::string, std::string> le{"le", i < s.bounds.size() ? number(s.bounds[i]) : "+Inf"};
        out += name + "_bucket";
        append_labels(out, labels, &le);
        out += ' ' + std::to_string(s.cumulative[i]) + '\n';
      }
      out += name + "_sum";
      append_labels(out, labels);
      out += ' ' + number(s.sum) + '\n';
      out += name + "_count";
      append_labels(out, labels);
      out += ' ' + std::to_string(s.count) + '\n';
    }
  }
  return out;
}

}  // namespace gatesim::web
