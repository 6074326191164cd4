#pragma once
// What the dashboard of `gatesim device-server --http` shows of the devices it serves: the
// sessions open and how they ended, requests, frames served and the device faults answered by
// kind — read from devices::DeviceServer's counters when a page or a scrape asks (and once a
// second for the page's WebSocket). Nothing here touches the devices or the sessions.
//
// Metrics: gatesim_device_server_sessions_open, gatesim_device_server_requests_total,
// gatesim_device_server_frames_served_total, gatesim_device_server_faults_served_total{kind},
// gatesim_device_server_sessions_ended_total{reason} (refused, evicted, idle, read_timeout,
// slow_reader, bad_message, handshake_failed), gatesim_device_server_touches_refused_total.
//
// Thread safety: every member may be called from any thread (one mutex).

#include <array>
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "devices/device_server.hpp"
#include "web/metrics.hpp"

namespace gatesim::app {

class DeviceServerDashboard {
 public:
  // requires: `server` outlives this. `served`: what is served, as the command describes it
  //           ({"camera": URI, ...}, "uri": the address gates use).
  DeviceServerDashboard(web::MetricsRegistry& metrics, const devices::DeviceServer& server, nlohmann::json served);
  // ensures: the metrics hold the server's figures as of now.
  void refresh();
  // ensures: the page's state, as of now.
  nlohmann::json state();

 private:
  struct Figures {
    std::uint64_t requests = 0, frames = 0, touches_refused = 0;
    std::array<std::uint64_t, 4> faults{};        // by devices::FaultKind
    std::map<std::string, std::uint64_t> ended;   // sessions ended, by reason
  };
  Figures read() const;
  void refresh_locked(const Figures& now);

  web::MetricsRegistry& metrics_;
  const devices::DeviceServer& server_;
  const nlohmann::json served_;
  std::mutex mutex_;
  Figures counted_;  // what the counters have been advanced to
};

}  // namespace gatesim::app
