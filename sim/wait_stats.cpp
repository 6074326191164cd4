#include "sim/wait_stats.hpp"

#include <algorithm>

namespace gatesim::sim {

void WaitStats::add(double wait_s) {
  if (bins_.empty()) bins_.assign(kBins, 0);
  ++count_;
  sum_ += wait_s;
  max_ = std::max(max_, wait_s);
  const auto bin = static_cast<std::size_t>(wait_s);
  if (bin < kBins) ++bins_[bin];
  else ++overflow_;
}

double WaitStats::quantile(double q) const {
  if (count_ == 0) return 0;
  const double target = q * static_cast<double>(count_);
  double seen = 0;
  for (std::size_t b = 0; b < bins_.size(); ++b) {
    if (bins_[b] == 0) continue;
    if (seen + bins_[b] >= target) return std::min(max_, static_cast<double>(b) + (target - seen) / bins_[b]);
    seen += bins_[b];
  }
  return max_;
}

double WaitStats::share_within(double limit_s) const {
  if (count_ == 0) return 0;
  std::uint64_t within = 0;
  for (std::size_t b = 0; b < bins_.size() && static_cast<double>(b) < limit_s; ++b) within += bins_[b];
  return static_cast<double>(within) / static_cast<double>(count_);
}

void WaitStats::merge(const WaitStats& other) {
  if (other.count_ == 0) return;
  if (bins_.empty()) bins_.assign(kBins, 0);
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
  overflow_ += other.overflow_;
  for (std::size_t b = 0; b < kBins; ++b) bins_[b] += other.bins_[b];
}

}  // namespace gatesim::sim
