#include "sim/port_statistics.hpp"

#include <algorithm>
#include <bit>

namespace gatesim::sim {

void PortStatistics::arrived(const Party& p, std::uint64_t in_port) {
  for (int i = 0; i < p.size; ++i)
    if (p.members[i].profile.impostor && p.counted) ++result_.impostor_attempts;
  result_.max_in_port = std::max<std::uint64_t>(result_.max_in_port, in_port);
  if (p.counted) {
    result_.travellers += p.size;
    ++result_.parties;
  }
  interval_arrivals_ += p.size;
}

void PortStatistics::departed(const Party& p, const Member& m, Decision decision) {
  SimResult& r = result_;
  double total_wait = 0;
  for (int c = 0; c < kChannelCount; ++c)
    if (p.wait[c] >= 0) {
      r.waits[c].add(p.wait[c]);
      total_wait += p.wait[c];
    }
  r.total_wait.add(total_wait);
  switch (decision) {
    case Decision::unserved: ++r.unserved; break;
    case Decision::refused_entry: ++r.refused_entry; break;
    case Decision::cleared: ++(p.referred ? r.cleared_at_counter : r.cleared_at_gate); break;
  }
  for (std::uint32_t bits = m.reasons; bits != 0; bits &= bits - 1) ++referral_counts_[std::countr_zero(bits)];
  if (m.frames > 0 && face_checks_) ++r.face_checks;
  if (m.incidents & kIncidentFta) ++r.fta;
  if (m.incidents & kIncidentFalseMatch) ++r.false_matches;
  if (m.incidents & kIncidentFalseNonMatch) ++r.false_non_matches;
  if (m.incidents & kIncidentFingerprintFnm) ++r.fingerprint_false_non_matches;
  const TravellerProfile& t = m.profile;
  if (t.impostor && m.served_at_gate && p.referred && !(m.incidents & kIncidentFalseMatch) &&
      !(m.reasons & kReasonDeviceFault))
    ++r.impostors_stopped_at_gate;
  PadCounts& pad = r.pad[p.gate_channel];
  if (t.attack) {
    ++pad.attempted[t.attack_kind];
    if (m.incidents & kIncidentAttackPassed) ++pad.passed[t.attack_kind];
    if (m.reasons & kReasonLiveness) ++pad.stopped_by_liveness[t.attack_kind];
  } else if (m.judged_live >= 0) {  // reached the check's frame and judged (not e.g. stopped by a no-match first)
    ++pad.live_checked;
    if (m.incidents & kIncidentLivenessRefused) ++pad.live_refused;
  }
  if (m.holder != 0) {
    PassbackCounts& back = r.passback[p.gate_channel];
    ++back.attempted;
    const std::uint32_t refused = reasons_.bit_if_known(GateCode::passback);
    if (refused != 0 && (m.reasons & refused)) ++back.refused;
    if (m.incidents & kIncidentPassbackPassed) ++back.passed;
  }
  if (m.followed != 0) {
    TailgatingCounts& tailgaters = r.tailgating[p.gate_channel];
    ++tailgaters.alarms;
    if (decision == Decision::refused_entry) ++tailgaters.refused_entry;
    else if (decision == Decision::unserved) ++tailgaters.unserved;
  }
}

void PortStatistics::account_busy(int channel, SimTime now) {
  ChannelTime& c = channels_[channel];
  const double area = c.busy * to_seconds(now - c.busy_since);
  c.busy_area_s += area;
  c.interval_busy_s += area;
  c.busy_since = now;
}

void PortStatistics::service_started(int channel, SimTime now, double wait_s, int travellers) {
  account_busy(channel, now);
  ChannelTime& c = channels_[channel];
  ++c.busy;
  c.interval_wait_s += wait_s * travellers;
  c.interval_started += static_cast<std::uint64_t>(travellers);
}

void PortStatistics::service_ended(int channel, SimTime now) {
  account_busy(channel, now);
  --channels_[channel].busy;
}

void PortStatistics::served(const Party& p, int channel) {
  channels_[channel].interval_served += p.size;
  if (p.counted) result_.served[channel] += p.size;
}

const IntervalRow* PortStatistics::close_interval(SimTime now, SimTime interval,
                                                  const std::array<std::uint64_t, kChannelCount>& queued,
                                                  std::uint32_t gates_down, bool last) {
  IntervalRow row;
  const SimTime start = interval * static_cast<SimTime>(result_.intervals.size());
  const double length = to_seconds(now - start);
  if (last && length <= 0) return nullptr;
  row.start_h = to_seconds(start) / 3600.0;
  row.arrivals = interval_arrivals_;
  row.departures = interval_departures_;
  interval_arrivals_ = interval_departures_ = 0;
  for (int c = 0; c < kChannelCount; ++c) {
    ChannelTime& ch = channels_[c];
    account_busy(c, now);
    row.queue[c] = queued[c];
    row.served[c] = ch.interval_served;
    const int servers = result_.servers[c];
    row.utilisation[c] = servers > 0 && length > 0 ? ch.interval_busy_s / (servers * length) : 0;
    row.mean_wait_s[c] = ch.interval_started ? ch.interval_wait_s / static_cast<double>(ch.interval_started) : 0;
    ch.interval_busy_s = ch.interval_wait_s = 0;
    ch.interval_started = ch.interval_served = 0;
  }
  row.gates_down = gates_down;
  result_.intervals.push_back(row);
  return &result_.intervals.back();
}

SimResult PortStatistics::finish(SimTime now) {
  for (int c = 0; c < kChannelCount; ++c) {
    account_busy(c, now);
    result_.busy_s[c] = channels_[c].busy_area_s;
  }
  for (std::size_t b = 0; b < reasons_.names().size(); ++b)
    if (referral_counts_[b] > 0) result_.referrals[reasons_.name_of(b)] += referral_counts_[b];
  return std::move(result_);
}

}  // namespace gatesim::sim
