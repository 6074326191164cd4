#include "apps/gatesim/port_dashboard.hpp"

namespace gatesim::app {
namespace {

const char* state_name(sim::ServerState state) {
  switch (state) {
    case sim::ServerState::idle: return "idle";
    case sim::ServerState::busy: return "busy";
    case sim::ServerState::down: return "down";
  }
  return "unknown";
}

std::vector<double> wait_buckets() { return {10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200}; }

}  // namespace

PortDashboard::PortDashboard(web::MetricsRegistry& metrics, const sim::Scenario& scenario, double speed)
    : metrics_(metrics), scenario_(scenario.name), speed_(speed) {
  const std::array<int, sim::kChannelCount> servers{scenario.channels.document_gates, scenario.channels.document_free_gates,
                                                    scenario.channels.counters};
  for (int c = 0; c < sim::kChannelCount; ++c) {
    auto& channel = channels_[static_cast<std::size_t>(c)];
    const web::Labels label{{"channel", sim::channel_name(c)}};
    channel.servers = servers[static_cast<std::size_t>(c)];
    metrics_.gauge("gatesim_channel_servers", "Gates or counters of a channel", label).set(channel.servers);
    channel.queue_gauge = &metrics_.gauge("gatesim_queue_length", "Travellers waiting in a channel's queue", label);
    channel.waits = &metrics_.histogram("gatesim_wait_seconds", "Simulated time a departed traveller waited in a channel's queue",
                                        wait_buckets(), label);
  }
  in_port_gauge_ = &metrics_.gauge("gatesim_travellers_in_port", "Travellers in the port (queued, served or walking)");
  progress_gauge_ = &metrics_.gauge("gatesim_simulation_progress_ratio", "Share of the arrival window simulated");
  simulated_gauge_ = &metrics_.gauge("gatesim_simulated_seconds", "Simulated time since the scenario's start");
}

void PortDashboard::show_control(std::shared_ptr<const sim::PaceControl> control) {
  {
    const std::lock_guard lock(mutex_);
    control_ = std::move(control);
  }
  changed();
}

void PortDashboard::changed() {
  if (changed_) changed_();
}

void PortDashboard::progress(double fraction) {
  {
    const std::lock_guard lock(mutex_);
    progress_ = fraction;
    progress_gauge_->set(fraction);
  }
  changed();
}

void PortDashboard::realtime(const sim::RealtimeStatus& status) {
  {
    const std::lock_guard lock(mutex_);
    progress_ = status.fraction;
    simulated_s_ = status.simulated_s;
    wall_s_ = status.wall_s;
    in_port_ = status.in_port;
    progress_gauge_->set(status.fraction);
    simulated_gauge_->set(status.simulated_s);
    in_port_gauge_->set(static_cast<double>(status.in_port));
    for (std::size_t c = 0; c < channels_.size(); ++c) {
      channels_[c].queued = status.queued[c];
      channels_[c].queue_gauge->set(static_cast<double>(status.queued[c]));
      channels_[c].gates.clear();
    }
    for (const auto& server : status.servers)
      if (server.channel >= 0 && server.channel < sim::kChannelCount) channels_[static_cast<std::size_t>(server.channel)].gates.push_back(server);
  }
  changed();
}

void PortDashboard::traveller_left(std::string_view json_line) {
  const auto t = nlohmann::json::parse(json_line, nullptr, false);
  if (t.is_discarded() || !t.is_object()) return;
  {
    const std::lock_guard lock(mutex_);
    ++departed_;
    const auto decision = t.value("decision", std::string("unknown"));
    metrics_.counter("gatesim_travellers_departed_total", "Travellers who left the port, by decision", {{"decision", decision}}).add();
    if (const auto reasons = t.find("reasons"); reasons != t.end() && reasons->is_array())
      for (const auto& r : *reasons)
        if (r.is_string()) {
          ++referrals_[r.get<std::string>()];
          metrics_.counter("gatesim_referrals_total", "Travellers referred, by reason", {{"reason", r.get<std::string>()}}).add();
        }
    for (int c = 0; c < sim::kChannelCount; ++c) {
      const auto visit = t.find(sim::channel_name(c));
      if (visit == t.end() || !visit->is_object() || !visit->contains("wait_s") || !(*visit)["wait_s"].is_number()) continue;
      auto& channel = channels_[static_cast<std::size_t>(c)];
      const double wait = (*visit)["wait_s"].get<double>();
      ++channel.served;
      channel.wait_sum_s += wait;
      channel.wait_mean_s = channel.wait_sum_s / static_cast<double>(channel.served);
      channel.waits->observe(wait);
    }
    if (const auto left = t.find("departure_s"); left != t.end() && left->is_number() && left->get<double>() > simulated_s_ && speed_ == 0)
      simulated_s_ = left->get<double>();
  }
  changed();
}

void PortDashboard::finished(const nlohmann::json& summary) {
  {
    const std::lock_guard lock(mutex_);
    finished_ = true;
    progress_ = 1;
    progress_gauge_->set(1);
    in_port_ = 0;
    in_port_gauge_->set(0);
    for (int c = 0; c < sim::kChannelCount; ++c) {
      auto& channel = channels_[static_cast<std::size_t>(c)];
      channel.queued = 0;
      channel.queue_gauge->set(0);
      // A run as fast as possible reported no gate: over, its port is empty and every gate idle.
      if (channel.gates.empty()) channel.gates.assign(static_cast<std::size_t>(channel.servers), sim::ServerStatus{c, sim::ServerState::idle, false});
      const auto figures = summary["channels"].find(sim::channel_name(c));
      if (figures == summary["channels"].end()) continue;
      channel.served = (*figures)["served"].get<std::uint64_t>();
      channel.wait_mean_s = (*figures)["wait_s"]["mean"].get<double>();
      channel.wait_p95_s = (*figures)["wait_s"]["p95"].get<double>();
    }
    referrals_.clear();
    for (const auto& [code, figures] : summary["referrals"].items()) referrals_[code] = figures["travellers"].get<std::uint64_t>();
    if (summary.contains("drained_at_h")) simulated_s_ = std::max(simulated_s_, summary["drained_at_h"].get<double>() * 3600);
  }
  changed();
}

nlohmann::json PortDashboard::state() const {
  // The live lanes first, outside this mutex: their view has its own.
  auto lanes = lanes_ ? lanes_() : nlohmann::json();
  const std::lock_guard lock(mutex_);
  auto channels = nlohmann::json::array();
  for (int c = 0; c < sim::kChannelCount; ++c) {
    const auto& channel = channels_[static_cast<std::size_t>(c)];
    if (channel.servers == 0) continue;
    nlohmann::json row = {{"name", sim::channel_name(c)}, {"servers", channel.servers}, {"queued", channel.queued}, {"served", channel.served}};
    if (channel.wait_mean_s) row["wait_mean_s"] = *channel.wait_mean_s;
    if (channel.wait_p95_s) row["wait_p95_s"] = *channel.wait_p95_s;
    auto gates = nlohmann::json::array();
    for (const auto& gate : channel.gates) {
      nlohmann::json g = {{"state", state_name(gate.state)}};
      if (gate.live) g["live"] = true;
      gates.push_back(std::move(g));
    }
    row["gates"] = std::move(gates);
    channels.push_back(std::move(row));
  }
  nlohmann::json state = {{"kind", "port"},      {"scenario", scenario_}, {"speed", speed_},         {"progress", progress_},
                           {"simulated_s", simulated_s_}, {"wall_s", wall_s_}, {"in_port", in_port_}, {"departed", departed_},
                           {"arrived", departed_ + in_port_}, {"finished", finished_}, {"channels", std::move(channels)},
                           {"referrals", referrals_}};
  if (control_) {
    const auto pace = control_->state();
    state["speed"] = pace.speed;
    state["control"] = {{"paused", pace.paused}, {"speed", pace.speed}};
  }
  if (!lanes.is_null()) state["lanes"] = std::move(lanes);
  return state;
}

LineTap::int_type LineTap::overflow(int_type c) {
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  const char ch = traits_type::to_char_type(c);
  return xsputn(&ch, 1) == 1 ? c : traits_type::eof();
}

std::streamsize LineTap::xsputn(const char* s, std::streamsize n) {
  if (next_ && next_->sputn(s, n) != n) return 0;
  const std::string_view text(s, static_cast<std::size_t>(n));
  std::size_t start = 0;
  for (std::size_t newline; (newline = text.find('\n', start)) != std::string_view::npos; start = newline + 1) {
    if (partial_.empty()) {
      line_(text.substr(start, newline - start));
    } else {
      partial_.append(text.substr(start, newline - start));
      line_(partial_);
      partial_.clear();
    }
  }
  partial_.append(text.substr(start));
  return n;
}

}  // namespace gatesim::app
