#pragma once
// PortStatistics: the counters of one run, accumulated into its SimResult as the run goes:
// arrivals, each traveller's outcome as they leave (waits, decisions, referral reasons,
// biometric incidents, presentation attacks, passback attempts, tailgaters), each channel's
// busy time, and the interval rows (utilisation, mean wait, queues). What the summary and
// intervals.csv report comes from here and nowhere else.
//
// Thread safety: none; one per replication.

#include <array>
#include <cstdint>

#include "sim/port_model.hpp"
#include "sim/port_state.hpp"
#include "sim/referral_reasons.hpp"

namespace gatesim::sim {

class PortStatistics {
 public:
  // requires: `reasons` outlives this. `face_checks`: count travellers whose face was checked
  //           (the biometric model is on).
  PortStatistics(const ReasonTable& reasons, bool face_checks) : reasons_(reasons), face_checks_(face_checks) {}

  SimResult& result() { return result_; }

  // A party entered the port; `in_port`: travellers in the port now, them included.
  void arrived(const Party& p, std::uint64_t in_port);
  // A party left the port (before departed() for each member).
  void left(const Party& p) { interval_departures_ += p.size; }
  // requires: `m` is a member of `p`, counted (arrived after the warm-up).
  void departed(const Party& p, const Member& m, Decision decision);

  // A server of `channel` took a party of `travellers` who waited `wait_s`.
  void service_started(int channel, SimTime now, double wait_s, int travellers);
  // A server of `channel` let its party go (served, referred or cut short by a fault).
  void service_ended(int channel, SimTime now);
  // The party `p` finished its service at `channel` (served there, or referred from a gate).
  void served(const Party& p, int channel);

  // Ends the current interval at `now`: `queued` travellers waiting per channel, `gates_down`.
  // requires: intervals are closed in order, each `interval` long.
  // ensures: the row, added to the result; none when `last` and the interval is empty.
  const IntervalRow* close_interval(SimTime now, SimTime interval,
                                    const std::array<std::uint64_t, kChannelCount>& queued, std::uint32_t gates_down,
                                    bool last);

  // ensures: busy time and referral counts are in the result; the result is taken.
  SimResult finish(SimTime now);

 private:
  struct ChannelTime {
    int busy = 0;
    SimTime busy_since = 0;
    double busy_area_s = 0;      // whole run
    double interval_busy_s = 0;  // current interval
    double interval_wait_s = 0;
    std::uint64_t interval_started = 0, interval_served = 0;
  };
  void account_busy(int channel, SimTime now);

  const ReasonTable& reasons_;
  const bool face_checks_;
  SimResult result_;
  std::uint64_t referral_counts_[32] = {};  // travellers counted with each reason bit
  ChannelTime channels_[kChannelCount];
  std::uint64_t interval_arrivals_ = 0, interval_departures_ = 0;
};

}  // namespace gatesim::sim
