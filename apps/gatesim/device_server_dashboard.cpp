#include "apps/gatesim/device_server_dashboard.hpp"

#include "devices/device_fault.hpp"

namespace gatesim::app {
namespace {

constexpr std::array kFaultKinds{devices::FaultKind::disconnected, devices::FaultKind::timeout, devices::FaultKind::corrupt,
                                 devices::FaultKind::end_of_stream};

// Advances `counter` to `now` (the server's counts only grow).
void advance(web::Counter& counter, std::uint64_t before, std::uint64_t now) {
  if (now > before) counter.add(static_cast<double>(now - before));
}

}  // namespace

DeviceServerDashboard::DeviceServerDashboard(web::MetricsRegistry& metrics, const devices::DeviceServer& server, nlohmann::json served)
    : metrics_(metrics), server_(server), served_(std::move(served)) {
  refresh();
}

DeviceServerDashboard::Figures DeviceServerDashboard::read() const {
  Figures f;
  f.requests = server_.requests_served();
  f.frames = server_.frames_served();
  for (std::size_t k = 0; k < kFaultKinds.size(); ++k) f.faults[k] = server_.faults_served(kFaultKinds[k]);
  const auto c = server_.counts();
  f.touches_refused = c.touches_refused;
  f.ended = {{"refused", c.refused},         {"evicted", c.evicted},         {"idle", c.idle_closed},
             {"read_timeout", c.read_timeouts}, {"slow_reader", c.slow_readers}, {"bad_message", c.bad_messages},
             {"handshake_failed", c.handshakes_failed}};
  f.ended["accepted"] = c.accepted;  // not an ending: kept here to be read with the others
  return f;
}

void DeviceServerDashboard::refresh_locked(const Figures& now) {
  metrics_.gauge("gatesim_device_server_sessions_open", "Device sessions open now").set(static_cast<double>(server_.sessions()));
  advance(metrics_.counter("gatesim_device_server_requests_total", "Device requests answered, faults included"), counted_.requests,
          now.requests);
  advance(metrics_.counter("gatesim_device_server_frames_served_total", "Camera frames served"), counted_.frames, now.frames);
  advance(metrics_.counter("gatesim_device_server_touches_refused_total", "Fingerprint requests of a client not allowed to"),
          counted_.touches_refused, now.touches_refused);
  for (std::size_t k = 0; k < kFaultKinds.size(); ++k)
    advance(metrics_.counter("gatesim_device_server_faults_served_total", "Device faults answered to clients, by kind",
                             {{"kind", devices::to_string(kFaultKinds[k])}}),
            counted_.faults[k], now.faults[k]);
  for (const auto& [reason, n] : now.ended) {
    const auto before = counted_.ended.count(reason) ? counted_.ended.at(reason) : 0;
    if (reason == "accepted")
      advance(metrics_.counter("gatesim_device_server_sessions_total", "Device sessions started"), before, n);
    else
      advance(metrics_.counter("gatesim_device_server_sessions_ended_total", "Device sessions ended or refused by the server, by reason",
                               {{"reason", reason}}),
              before, n);
  }
  counted_ = now;
}

void DeviceServerDashboard::refresh() {
  const std::lock_guard lock(mutex_);
  refresh_locked(read());
}

nlohmann::json DeviceServerDashboard::state() {
  const std::lock_guard lock(mutex_);
  const Figures now = read();
  refresh_locked(now);
  nlohmann::json faults = nlohmann::json::object();
  for (std::size_t k = 0; k < kFaultKinds.size(); ++k) faults[devices::to_string(kFaultKinds[k])] = now.faults[k];
  nlohmann::json ended = now.ended;
  ended.erase("accepted");
  return {{"kind", "device-server"},  {"served", served_},          {"sessions_open", server_.sessions()},
          {"sessions", now.ended.at("accepted")}, {"sessions_ended", std::move(ended)}, {"requests", now.requests},
          {"frames", now.frames},     {"faults", std::move(faults)}, {"touches_refused", now.touches_refused}};
}

}  // namespace gatesim::app
