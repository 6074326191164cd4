// The hall: the event loop, the queues and the servers (gates and counters) of one replication.
// Each concern is delegated to the part that owns it (DESIGN.md, "The port simulator"): arrivals
// (sim/arrivals.hpp), routing (sim/routing.hpp), the simulated gates (sim/gate_model.hpp and its
// two backends), faults (sim/faults.hpp), the counters (sim/port_statistics.hpp), the record
// writers (sim/records.hpp) and real-time pacing (sim/realtime.hpp). What stays here: a party
// joins a queue, a free server takes the next party (a simulated gate's model, an external gate's,
// or a counter), a referred party goes on to a counter, and the port empties.
#include "sim/port_model.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <chrono>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gate/gate_controller.hpp"
#include "models/input_error.hpp"
#include "sim/arrivals.hpp"
#include "sim/event_queue.hpp"
#include "sim/external_gate_model.hpp"
#include "sim/face_images.hpp"
#include "sim/faults.hpp"
#include "sim/gate_config.hpp"
#include "sim/gate_devices.hpp"
#include "sim/gate_model.hpp"
#include "sim/hall_passback.hpp"
#include "sim/port_state.hpp"
#include "sim/port_statistics.hpp"
#include "sim/random.hpp"
#include "sim/realtime.hpp"
#include "sim/records.hpp"
#include "sim/referral_reasons.hpp"
#include "sim/routing.hpp"

namespace gatesim::sim {

const char* channel_name(int channel) {
  static const char* names[kChannelCount] = {"document_gates", "document_free_gates", "counters"};
  return names[channel];
}

namespace {

struct Server {
  std::uint8_t channel = 0;
  bool up = true;
  std::int32_t party = -1;  // slot of the party in service
  std::uint64_t token = 0;  // a counter's: bumps to cancel the pending completion
  SimTime down_since = 0;
  bool external = false;  // served outside the simulation (real-time replay only: ExternalGateModel)
};

struct ChannelState {
  std::deque<std::uint32_t> queue;
  std::vector<std::uint32_t> idle;
  std::uint64_t queued_travellers = 0;
};

class PortSimulation final : public PacedSimulation, GateHall {
 public:
  PortSimulation(const Scenario& s, const RunOptions& o)
      : scenario_(s), options_(o), service_rng_(o.seed, 2),
        arrivals_(s, o.seed, events_,
                  [this](const PartyProfile& party, std::uint64_t holder) { arrive(party, holder); }),
        devices_(s, o.seed, service_rng_, arrivals_.trace()), stats_(reasons_, devices_.biometrics().enabled),
        router_(s, find_port(s), reasons_), faults_(s.faults, seconds(s.duration_hours * 3600), o.seed, events_),
        gate_configs_{gate_config(s, devices_.pad(), gate::Channel::document),
                      gate_config(s, devices_.pad(), gate::Channel::document_free)},
        passback_(gate_configs_[0].passback_window, s.population.passback > 0),
        end_(seconds(s.duration_hours * 3600)),
        warmup_(seconds(s.warmup_hours * 3600)), interval_(seconds(s.interval_minutes * 60)) {
    const int counts[kChannelCount] = {s.channels.document_gates, s.channels.document_free_gates, s.channels.counters};
    for (int c = 0; c < kChannelCount; ++c) {
      stats_.result().servers[c] = counts[c];
      for (int i = 0; i < counts[c]; ++i) {
        servers_.push_back(Server{static_cast<std::uint8_t>(c)});
        channels_[c].idle.push_back(static_cast<std::uint32_t>(servers_.size() - 1));
      }
      std::reverse(channels_[c].idle.begin(), channels_[c].idle.end());  // lowest index first
    }
    const auto& external = o.realtime.external_gates;
    if (!external.empty() && !(o.realtime.speed > 0))
      throw models::InputError("external gates need real-time pacing (a speed above 0)");
    assert(external.empty() || !o.realtime.control);  // a live lane cannot be paused (RealtimeOptions::control)
    if (external.size() > static_cast<std::size_t>(s.channels.document_gates))
      throw models::InputError(s.file + ": channels.document_gates: " + std::to_string(s.channels.document_gates) +
                               ", fewer than the " + std::to_string(external.size()) + " external gates");
    std::vector<ExternalGate*> external_gates(servers_.size(), nullptr);
    for (std::size_t i = 0; i < external.size(); ++i) {  // document gates come first
      servers_[i].external = true;
      external_gates[i] = external[i];
    }
    std::vector<int> gate_channels(servers_.size(), -1);  // the simulated gates the gate model serves
    for (std::size_t g = 0; g < servers_.size(); ++g)
      if (servers_[g].channel != kCounters && !servers_[g].external) gate_channels[g] = servers_[g].channel;
    const GateModelParts parts{scenario_, events_,          *this,           devices_, passback_,
                               reasons_,  gate_configs_[0], gate_configs_[1]};
    gate_model_ = make_gate_model(parts, gate_channels);
    if (!external.empty())
      external_model_ = std::make_unique<ExternalGateModel>(parts, std::move(external_gates), o.realtime.speed);
    stats_.result().scenario = s.name;
    stats_.result().pad_model = devices_.pad();
    stats_.result().pad_reported = devices_.pad().on() || s.population.presentation_attack > 0;
    stats_.result().passback_reported = s.population.passback > 0;
    stats_.result().passback_window_s = std::chrono::duration<double>(passback_.window()).count();
    stats_.result().tailgating_share = s.population.tailgating;
    stats_.result().seed = o.seed;
    stats_.result().hours = s.duration_hours;
  }

  SimResult run() {
    start();
    if (options_.realtime.speed > 0) {
      RealtimePacer pacer(options_.realtime.speed, options_.realtime.status, options_.realtime.control);
      if (external_model_) external_model_->set_poster(pacer.poster());
      pacer.run(*this);
    } else {
      advance(std::numeric_limits<SimTime>::max());
    }
    return finish();
  }

  // ---- PacedSimulation: what the real-time pacer (sim/realtime.hpp) drives ----
  // True once the arrival window is over and the port is empty (or nothing is left to happen).
  bool finished() const override {
    if (external_model_ && external_model_->busy() > 0) return false;
    return events_.empty() || (events_.now() >= end_ && in_port_ == 0 && !arrivals_.trace_pending());
  }
  // Nobody in the port or still to come from outside: finished() once the clock is past the end.
  bool drained() const {
    return in_port_ == 0 && !arrivals_.trace_pending() && !(external_model_ && external_model_->busy() > 0);
  }

  // Handles the events due up to `until`, in order; the records of those who left are in the
  // stream on return (a real-time replay's reader follows it).
  void advance(SimTime until) override {
    std::uint32_t popped = 0;
    while (!finished()) {
      // With nobody left, a lane timer the kernel dropped when it was cancelled
      // (EventQueue::cancel_last_timeout) ends the run at its time when that is past the end and
      // before the next event, as it did when it was popped and ignored.
      if (drained() && events_.pass_cancelled(end_, until)) continue;
      const auto e = events_.pop_until(until);
      if (!e) break;
      handle(*e);
      if (options_.progress && (++popped & 0xFFFF) == 0) options_.progress(fraction_done());
    }
    if (traveller_records_) traveller_records_->flush();
  }

  void advance_clock(SimTime at) override { events_.advance_to(at); }
  std::optional<SimTime> next_event() const override {
    return events_.empty() ? std::nullopt : std::optional(events_.next_time());
  }

  RealtimeStatus status() const override {
    RealtimeStatus st;
    st.simulated_s = to_seconds(events_.now());
    st.fraction = fraction_done();
    st.in_port = in_port_;
    for (int c = 0; c < kChannelCount; ++c) st.queued[c] = channels_[c].queued_travellers;
    st.servers.reserve(servers_.size());
    for (const Server& g : servers_)
      st.servers.push_back({g.channel, !g.up ? ServerState::down : g.party >= 0 ? ServerState::busy : ServerState::idle, g.external});
    return st;
  }

 private:
  static const models::Port& find_port(const Scenario& s) {
    const models::Port* port = s.policy ? s.policy->find_port(s.port) : nullptr;
    if (!port) throw models::InputError(s.file + ": port: '" + s.port + "' is not in the policy data");
    return *port;
  }

  void start() {
    arrivals_.start();
    if (faults_.on())
      for (std::uint32_t g = 0; g < servers_.size(); ++g)
        if (servers_[g].channel != kCounters && !servers_[g].external) faults_.schedule_fault(g);
    events_.schedule_at(interval_, kTick);
    if (options_.travellers) traveller_records_.emplace(*options_.travellers, reasons_);
    if (options_.intervals) interval_records_.emplace(*options_.intervals);
  }

  double fraction_done() const {
    return std::min(1.0, to_seconds(events_.now()) / to_seconds(std::max<SimTime>(end_, 1)));
  }

  SimResult finish() {
    close_interval(true);
    SimResult r = stats_.finish(events_.now());
    for (auto& server : servers_)
      if (!server.up) r.downtime_s += to_seconds(events_.now() - server.down_since);
    r.events = events_.handled();
    if (const FaceImages* faces = devices_.faces()) {
      r.images_analysed = faces->images_analysed();
      r.image_analysis_s = faces->analysis_seconds();
    }
    r.drained_at_h = to_seconds(events_.now()) / 3600.0;
    if (traveller_records_) traveller_records_->flush();
    if (options_.progress) options_.progress(1.0);
    return r;
  }

  void handle(const SimEvent& e) {
    switch (e.kind) {
      case kPoissonArrival:
      case kBatchStart:
      case kBatchMember:
      case kTraceArrival:
      case kPassbackArrival: arrivals_.handle(e); break;
      case kServiceDone: on_service_done(e); break;
      case kGateDone:
      case kLaneReply:
      case kLaneTimer: gate_model_->handle(e); break;
      case kFault: on_fault(e); break;
      case kRepair: on_repair(e); break;
      case kTick: on_tick(); break;
    }
  }

  // ---- routing ----
  // `holder`: a passback attempt's (Member::holder), for a party of one.
  void arrive(const PartyProfile& profile, std::uint64_t holder = 0) {
    const std::uint32_t slot = enter(profile.size);
    Party& p = parties_[slot];
    p.has_guardian = profile.size > 1 && profile.members[0].age >= 18 && !profile.members[0].limited_capacity;
    for (int i = 0; i < p.size; ++i)
      p.members[i] = Member{.profile = profile.members[i], .id = ++traveller_count_, .holder = holder};
    const SimResult& r = stats_.result();
    const Channel channel = router_.route(p, r.servers[kDocumentFreeGates] > 0, r.servers[kDocumentGates] > 0);
    in_port_ += p.size;
    stats_.arrived(p, in_port_);
    join(slot, channel);
  }

  void join(std::uint32_t slot, int channel) {
    Party& p = parties_[slot];
    ChannelState& c = channels_[channel];
    p.joined = events_.now();
    if (stats_.result().servers[channel] == 0) {  // a referral with no counter to take it
      depart(slot, false);
      return;
    }
    if (!c.idle.empty()) {
      const std::uint32_t server = c.idle.back();
      c.idle.pop_back();
      start_service(server, slot);
    } else {
      c.queue.push_back(slot);
      c.queued_travellers += p.size;
    }
  }

  // ---- service ----
  void start_service(std::uint32_t server, std::uint32_t slot) {
    Server& g = servers_[server];
    Party& p = parties_[slot];
    const int channel = g.channel;
    const double wait = to_seconds(events_.now() - p.joined);
    stats_.service_started(channel, events_.now(), wait, p.size);
    g.party = static_cast<std::int32_t>(slot);
    p.service_started = events_.now();
    p.wait[channel] = static_cast<float>(wait);
    if (g.external) {
      external_model_->serve(server, channel, p);
    } else if (channel != kCounters) {
      gate_model_->serve(server, channel, p);
    } else {
      events_.schedule_in(seconds(plan_counter(p)), kServiceDone, server, ++g.token);
    }
  }

  double plan_counter(Party& p) {
    double total = 0;
    for (int i = 0; i < p.size; ++i)
      total += sample(scenario_.counter, service_rng_) * slowdown(p.members[i].profile, scenario_.population);
    return total;
  }

  // ---- GateHall: what the gate models see of the hall ----
  Party& party_at(std::uint32_t server) override {
    assert(servers_[server].party >= 0);
    return parties_[static_cast<std::uint32_t>(servers_[server].party)];
  }
  bool serving(std::uint32_t server) const override { return servers_[server].party >= 0; }

  void cut_short(std::uint32_t server) override {
    const auto slot = static_cast<std::uint32_t>(servers_[server].party);
    release(server);
    join(slot, kCounters);
  }

  // The alarm calls an officer, who stops the tailgater beyond the gate and takes them to a
  // counter (refused entry there: they crossed without a check), or, with no counter in the
  // hall, they leave unserved. They enter the port's counts here, on top of the arrivals.
  void tailgated(std::uint32_t server, std::uint64_t followed) override {
    const std::uint32_t slot = enter(1);
    Party& p = parties_[slot];
    p.gate_channel = servers_[server].channel;
    p.referred = true;
    p.members[0] = Member{.profile = arrivals_.tailgater(), .id = ++traveller_count_, .followed = followed,
                          .reasons = reasons_.bit(GateCode::passage_tailgating), .incidents = kIncidentTailgating};
    ++in_port_;
    stats_.arrived(p, in_port_);
    join(slot, kCounters);
  }

  void release(std::uint32_t server) {
    Server& g = servers_[server];
    const int channel = g.channel;
    stats_.service_ended(channel, events_.now());
    g.party = -1;
    if (!g.up) return;
    ChannelState& c = channels_[channel];
    if (c.queue.empty()) {
      c.idle.push_back(server);
      return;
    }
    const std::uint32_t next = c.queue.front();
    c.queue.pop_front();
    c.queued_travellers -= parties_[next].size;
    start_service(server, next);
  }

  // A counter is done with its party.
  void on_service_done(const SimEvent& e) {
    const Server& g = servers_[e.target];
    if (e.data != g.token || g.party < 0) return;
    finish_service(e.target);
  }

  void finish_service(std::uint32_t server) override {
    Server& g = servers_[server];
    const auto slot = static_cast<std::uint32_t>(g.party);
    const int channel = g.channel;
    Party& p = parties_[slot];
    p.service[channel] = static_cast<float>(to_seconds(events_.now() - p.service_started));
    stats_.served(p, channel);
    release(server);
    if (channel != kCounters && p.referred) join(slot, kCounters);
    else depart(slot, true);
  }

  // ---- faults ----
  void on_fault(const SimEvent& e) {
    Server& g = servers_[e.target];
    g.up = false;
    g.down_since = events_.now();
    ++stats_.result().faults;
    ChannelState& c = channels_[g.channel];
    c.idle.erase(std::remove(c.idle.begin(), c.idle.end(), e.target), c.idle.end());
    if (g.party >= 0) gate_model_->fault(e.target);  // external gates never fault
    faults_.schedule_repair(e.target);
  }

  void on_repair(const SimEvent& e) {
    Server& g = servers_[e.target];
    g.up = true;
    stats_.result().downtime_s += to_seconds(events_.now() - g.down_since);
    ChannelState& c = channels_[g.channel];
    if (c.queue.empty()) {
      c.idle.push_back(e.target);
    } else {
      const std::uint32_t next = c.queue.front();
      c.queue.pop_front();
      c.queued_travellers -= parties_[next].size;
      start_service(e.target, next);
    }
    faults_.schedule_fault(e.target);
  }

  // ---- departures ----
  void depart(std::uint32_t slot, bool served) {
    Party& p = parties_[slot];
    in_port_ -= p.size;
    stats_.left(p);
    for (int i = 0; i < p.size; ++i) {
      Member& m = p.members[i];
      const bool cleared_at_gate = served && m.served_at_gate && !p.referred;
      if (m.profile.attack && cleared_at_gate) m.incidents |= kIncidentAttackPassed;
      if (m.holder != 0 && cleared_at_gate) m.incidents |= kIncidentPassbackPassed;
      const Decision decision = decide(p, m, served);
      if (p.counted) stats_.departed(p, m, decision);
      if (traveller_records_) traveller_records_->write(p, m, decision, events_.now());
      if (cleared_at_gate) arrivals_.maybe_come_back(m);
    }
    free_slots_.push_back(slot);
  }

  // What became of `m` of `p`, who leaves the port (`served`: by a gate or a counter).
  static Decision decide(const Party& p, const Member& m, bool served) {
    if (!served) return Decision::unserved;
    if (!p.referred) return Decision::cleared;
    if (m.profile.impostor && !(m.incidents & kIncidentFalseMatch)) return Decision::refused_entry;
    if (m.profile.attack) return Decision::refused_entry;  // the counter sees a photo, not the holder
    if (m.holder != 0) return Decision::refused_entry;     // the officer sees the earlier crossing
    if (m.followed != 0) return Decision::refused_entry;   // stopped crossing without a check
    return Decision::cleared;
  }

  // ---- intervals ----
  void on_tick() {
    close_interval(false);
    events_.schedule_in(interval_, kTick);
  }

  void close_interval(bool last) {
    std::array<std::uint64_t, kChannelCount> queued{};
    for (int c = 0; c < kChannelCount; ++c) queued[c] = channels_[c].queued_travellers;
    std::uint32_t gates_down = 0;
    for (const auto& g : servers_) gates_down += g.up ? 0 : 1;
    const IntervalRow* row = stats_.close_interval(events_.now(), interval_, queued, gates_down, last);
    if (row && interval_records_) interval_records_->write(*row);
  }

  // ensures: a party slot holding a new party of `size` that has just entered the port (its
  //          members and route are the caller's to set).
  std::uint32_t enter(std::uint8_t size) {
    const std::uint32_t slot = allocate();
    Party& p = parties_[slot];
    static_cast<PartyState&>(p) = PartyState{};
    p.id = ++party_count_;
    p.arrived = events_.now();
    p.counted = events_.now() >= warmup_;
    p.size = size;
    return slot;
  }

  std::uint32_t allocate() {
    if (free_slots_.empty()) {
      parties_.emplace_back();
      return static_cast<std::uint32_t>(parties_.size() - 1);
    }
    const std::uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    return slot;
  }

  const Scenario& scenario_;
  const RunOptions& options_;
  // In the order they are built: each part is built on those above it.
  EventQueue events_;
  ReasonTable reasons_;
  Rng service_rng_;  // the counters' service times and the gates' device answers
  Arrivals arrivals_;
  GateDevices devices_;
  PortStatistics stats_;
  std::optional<TravellerRecords> traveller_records_;  // travellers.jsonl, when asked for
  std::optional<IntervalRecords> interval_records_;    // intervals.csv, when asked for
  Router router_;
  GateFaults faults_;
  gate::GateConfig gate_configs_[2];  // document, document-free: both gate models' rules
  HallPassback passback_;
  std::unique_ptr<GateModel> gate_model_;  // the simulated gates (the scenario's gate.model)
  std::unique_ptr<ExternalGateModel> external_model_;  // the external gates, if any
  SimTime end_, warmup_, interval_;
  std::vector<Server> servers_;
  ChannelState channels_[kChannelCount];
  std::vector<Party> parties_;  // slots, reused: as many as were ever in the port at once
  std::vector<std::uint32_t> free_slots_;
  std::uint64_t party_count_ = 0, traveller_count_ = 0, in_port_ = 0;
};

}  // namespace

SimResult run_simulation(const Scenario& scenario, const RunOptions& options) {
  return PortSimulation(scenario, options).run();
}

}  // namespace gatesim::sim
