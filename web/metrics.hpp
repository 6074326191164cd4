#pragma once
// MetricsRegistry: counters, gauges and histograms with labels, rendered in the Prometheus text
// exposition format (version 0.0.4) for a `/metrics` endpoint.
//
// Names follow Prometheus conventions (base units, `_total` on counters, `_seconds`); a family
// is one name with one type and help text, a series one set of label values in it. Series are
// created on first use and live as long as the registry, so the references handed out stay
// valid.
//
// Thread safety: every member function may be called from any thread. Counter, Gauge and
// Histogram updates are lock-free (counters, gauges) or take the histogram's own lock; text()
// takes the registry's lock and reads each value once (a scrape sees each series consistently,
// not the whole registry at one instant).

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace gatesim::web {

// Label name/value pairs, in the order they are rendered. requires: names are valid Prometheus
// label names ([a-zA-Z_][a-zA-Z0-9_]*); values may be any UTF-8 text (escaped on output).
using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  // requires: amount >= 0 (a counter only goes up).
  void add(double amount = 1);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // requires: `bounds` strictly increasing (the +Inf bucket is implied).
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf (== count)
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;  // per bucket, not cumulative; last: above every bound
  double sum_ = 0;
};

// Bucket bounds for step and transaction times at a gate: 10 ms to 60 s.
std::vector<double> step_time_buckets();

class MetricsRegistry {
 public:
  // requires: `name` a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*), counters' ending in
  //           "_total"; the same name always with the same type (and, for histograms, bounds).
  // ensures: the series of `name` with `labels`, created (at zero) on first use.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help, const std::vector<double>& bounds,
                       const Labels& labels = {});

  // ensures: every family in name order, with # HELP and # TYPE lines, each series on its own
  //          line (histograms as _bucket{le=...}, _sum, _count).
  std::string text() const;

 private:
  enum class Type { counter, gauge, histogram };
  struct Family {
    Type type;
    std::string help;
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
  };
  Family& family(const std::string& name, Type type, const std::string& help);

  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
};

// The content type of MetricsRegistry::text().
inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace gatesim::web
