#include "sim/arrivals.hpp"

#include <algorithm>
#include <cmath>

namespace gatesim::sim {

Arrivals::Arrivals(const Scenario& scenario, std::uint64_t seed, EventQueue& events, Arrive arrive)
    : scenario_(scenario), events_(events), arrive_(std::move(arrive)), end_(seconds(scenario.duration_hours * 3600)),
      arrivals_rng_(seed, 1), passback_rng_(seed, 7), population_(scenario.population, Rng(seed, 4), Rng(seed, 5)) {
  if (scenario.population.tailgating > 0) tailgaters_.emplace(scenario.population, Rng(seed, 9), Rng(seed, 10));
  if (!scenario.arrivals.trace.empty())
    trace_ = std::make_unique<TraceReader>(scenario.arrivals.trace, scenario.start_hour);
  const auto& profile = scenario.arrivals.hourly_profile;
  double profile_total = 0;
  for (double w : profile) profile_total += w;
  for (int h = 0; h < 24; ++h) {
    const double share = profile.empty() ? 1.0 / 24 : profile[h] / profile_total;
    party_rate_[h] = scenario.arrivals.travellers_per_day * share / 3600.0 / population_.mean_party_size();
  }
}

void Arrivals::start() {
  if (scenario_.arrivals.travellers_per_day > 0) events_.schedule_at(0, kPoissonArrival, 0, 0);
  for (std::uint32_t b = 0; b < scenario_.arrivals.batches.size(); ++b) {
    const Batch& batch = scenario_.arrivals.batches[b];
    if (auto first = next_batch_time(batch, 0)) events_.schedule_at(*first, kBatchStart, b);
  }
  if (trace_) schedule_trace();
}

void Arrivals::handle(const SimEvent& e) {
  switch (e.kind) {
    case kPoissonArrival: on_poisson(e); break;
    case kBatchStart: on_batch_start(e); break;
    case kBatchMember: on_batch_member(e); break;
    case kTraceArrival:
      arrive_(next_trace_->party, 0);
      schedule_trace();
      break;
    case kPassbackArrival: on_comeback(e); break;
    default: break;
  }
}

int Arrivals::hour_of_day(SimTime t) const {
  return static_cast<int>(std::floor(scenario_.start_hour + to_seconds(t) / 3600.0)) % 24;
}

SimTime Arrivals::next_hour_boundary(SimTime t) const {
  const double h = scenario_.start_hour + to_seconds(t) / 3600.0;
  return seconds((std::floor(h) + 1 - scenario_.start_hour) * 3600.0);
}

// The first unloading at or after `from`, within the arrival window.
std::optional<SimTime> Arrivals::next_batch_time(const Batch& b, SimTime from) const {
  const double period = b.every_minutes * 60;
  for (double day = std::floor((scenario_.start_hour * 3600 + to_seconds(from)) / 86400.0);; day += 1) {
    const double day_start = day * 86400 - scenario_.start_hour * 3600;  // seconds since scenario start
    if (day_start >= to_seconds(end_)) return std::nullopt;
    const double first = day_start + b.first_hour * 3600, last = day_start + b.last_hour * 3600;
    double t = first;
    if (to_seconds(from) > first) t = first + std::ceil((to_seconds(from) - first) / period) * period;
    if (t <= last && t < to_seconds(end_)) return seconds(t);
  }
}

// `data` 1: a party arrives now (0: the hour's rate starts).
void Arrivals::on_poisson(const SimEvent& e) {
  if (e.data == 1) arrive_(population_.next_party(), 0);
  // Piecewise-constant rate: draw within this hour; past the hour, restart at its end
  // (memorylessness makes this exact).
  const SimTime now = events_.now(), boundary = next_hour_boundary(now);
  const double rate = party_rate_[hour_of_day(now)];
  const SimTime next = rate > 0 ? now + seconds(arrivals_rng_.exponential(rate)) : boundary;
  if (next < boundary) {
    if (next < end_) events_.schedule_at(next, kPoissonArrival, 0, 1);
  } else if (boundary < end_) {
    events_.schedule_at(boundary, kPoissonArrival, 0, 0);
  }
}

void Arrivals::on_batch_start(const SimEvent& e) {
  const Batch& b = scenario_.arrivals.batches[e.target];
  const auto travellers = arrivals_rng_.poisson(b.travellers);
  if (travellers > 0) events_.schedule_at(events_.now(), kBatchMember, e.target, travellers);
  if (auto next = next_batch_time(b, events_.now() + 1)) events_.schedule_at(*next, kBatchStart, e.target);
}

// One party of an unloading; the rest follow evenly over unload_minutes. `data`: travellers left.
void Arrivals::on_batch_member(const SimEvent& e) {
  const Batch& b = scenario_.arrivals.batches[e.target];
  const PartyProfile party = population_.next_party();
  arrive_(party, 0);
  if (e.data > party.size) {
    const double spacing = b.unload_minutes * 60 / std::max(1.0, b.travellers);
    events_.schedule_in(seconds(spacing * party.size), kBatchMember, e.target, e.data - party.size);
  }
}

void Arrivals::schedule_trace() {
  next_trace_ = trace_->next();
  trace_pending_ = next_trace_.has_value();
  if (next_trace_) events_.schedule_at(next_trace_->time, kTraceArrival);
}

// Drawn from its own stream, so a scenario without attempts draws nothing new.
void Arrivals::maybe_come_back(const Member& m) {
  const TravellerProfile& t = m.profile;
  if (!(scenario_.population.passback > 0) || m.holder != 0 || t.age < 18 || t.limited_capacity || t.impostor ||
      t.attack || !passback_rng_.bernoulli(scenario_.population.passback))
    return;
  const SimTime at = events_.now() + seconds(sample(scenario_.population.passback_delay, passback_rng_));
  if (at >= end_) return;
  std::uint32_t slot = 0;
  if (free_comebacks_.empty()) {
    slot = static_cast<std::uint32_t>(comebacks_.size());
    comebacks_.emplace_back();
  } else {
    slot = free_comebacks_.back();
    free_comebacks_.pop_back();
  }
  comebacks_[slot] = {t, m.id};
  events_.schedule_at(at, kPassbackArrival, slot);
}

TravellerProfile Arrivals::tailgater() {
  TravellerProfile t = tailgaters_->next_adult();
  t.impostor = t.attack = false;
  return t;
}

void Arrivals::on_comeback(const SimEvent& e) {
  PartyProfile party;
  party.members[0] = comebacks_[e.target].profile;
  const std::uint64_t holder = comebacks_[e.target].holder;
  free_comebacks_.push_back(e.target);
  arrive_(party, holder);
}

}  // namespace gatesim::sim
