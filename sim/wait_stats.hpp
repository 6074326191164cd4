#pragma once
// WaitStats: the waits of one queue (or of all a traveller stood in), in seconds: exact count,
// mean and max; quantiles from 1-second bins (up to 12 h, then the max), so memory is fixed
// however many travellers pass.
//
// Thread safety: none; one per replication (merge() combines replications afterwards).

#include <cstddef>
#include <cstdint>
#include <vector>

namespace gatesim::sim {

class WaitStats {
 public:
  // requires: wait_s >= 0.
  void add(double wait_s);
  std::uint64_t count() const { return count_; }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0; }
  double max() const { return max_; }
  // requires: 0 <= q <= 1. ensures: linear within the 1 s bin; 0 when empty.
  double quantile(double q) const;
  // ensures: the share of waits under `limit_s`, exact for whole-second limits; 0 when empty.
  double share_within(double limit_s) const;
  // ensures: as if every wait of `other` had been added here.
  void merge(const WaitStats& other);

 private:
  static constexpr std::size_t kBins = 12 * 3600;
  std::uint64_t count_ = 0;
  double sum_ = 0, max_ = 0;
  std::vector<std::uint32_t> bins_;
  std::uint64_t overflow_ = 0;
};

}  // namespace gatesim::sim
