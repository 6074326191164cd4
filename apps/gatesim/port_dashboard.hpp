#pragma once
// What the Port page and /metrics show of `gatesim simulate`: progress, who is in the port,
// queues and waits per channel, what each gate and counter is doing (the page's picture of the
// hall: busy, idle or down, from the real-time status; unknown in a run as fast as possible until
// it ends), referrals by reason, and a live gate's lane (show_lanes) — gathered from the hooks the simulation
// already has (RunOptions::progress, RealtimeOptions::status, the travellers.jsonl stream as it
// is written) and, once the run is over, from its summary. Nothing here feeds back into the run.
//
// Metrics: gatesim_queue_length{channel} (travellers waiting), gatesim_travellers_in_port,
// gatesim_simulation_progress_ratio, gatesim_simulated_seconds, gatesim_channel_servers{channel};
// as travellers leave (warm-up included, unlike summary.json): gatesim_travellers_departed_total
// {decision}, gatesim_referrals_total{reason} and the gatesim_wait_seconds{channel} histogram.
//
// Thread safety: every member may be called from any thread (one mutex).

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <mutex>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/port_model.hpp"
#include "sim/realtime.hpp"
#include "sim/scenario.hpp"
#include "web/metrics.hpp"

namespace gatesim::app {

class PortDashboard {
 public:
  // speed: the real-time replay's (0: as fast as possible).
  PortDashboard(web::MetricsRegistry& metrics, const sim::Scenario& scenario, double speed);
  void on_change(std::function<void()> changed) { changed_ = std::move(changed); }
  // The replay's controls (apps/gatesim/replay_control.hpp): the state shows them and their state.
  void show_control(std::shared_ptr<const sim::PaceControl> control);
  // A control was used: the page gets the new state.
  void control_changed() { changed(); }
  // `simulate --live-gate`: the live lanes as the Lanes page draws them, put in the state as
  // "lanes" (the page shows them beside the hall). requires: before the state is first asked for.
  void show_lanes(std::function<nlohmann::json()> lanes) { lanes_ = std::move(lanes); }

  void progress(double fraction);
  void realtime(const sim::RealtimeStatus& status);
  // One line of travellers.jsonl (a traveller who left the port). Lines that do not parse are
  // ignored: the dashboard is not the judge of the simulator's output.
  void traveller_left(std::string_view json_line);
  // The run is over: its summary (sim::summary_json) replaces the live figures.
  void finished(const nlohmann::json& summary);

  nlohmann::json state() const;

 private:
  void changed();
  struct Channel {
    int servers = 0;
    std::uint64_t queued = 0, served = 0;
    double wait_sum_s = 0;
    std::optional<double> wait_mean_s, wait_p95_s;
    std::vector<sim::ServerStatus> gates;  // the channel's gates or counters, as last reported
    web::Gauge* queue_gauge = nullptr;
    web::Histogram* waits = nullptr;
  };
  web::MetricsRegistry& metrics_;
  std::string scenario_;
  double speed_;
  std::function<void()> changed_;
  std::shared_ptr<const sim::PaceControl> control_;
  std::function<nlohmann::json()> lanes_;
  mutable std::mutex mutex_;
  std::array<Channel, sim::kChannelCount> channels_;
  std::map<std::string, std::uint64_t> referrals_;
  double progress_ = 0, simulated_s_ = 0, wall_s_ = 0;
  std::uint64_t in_port_ = 0, departed_ = 0;
  bool finished_ = false;
  web::Gauge *in_port_gauge_ = nullptr, *progress_gauge_ = nullptr, *simulated_gauge_ = nullptr;
};

// A stream buffer that passes everything on to `next` (null: nowhere) and hands each complete
// line to `line`, so the simulation's travellers.jsonl can be watched as it is written.
// Thread safety: one writer at a time, as any streambuf.
class LineTap : public std::streambuf {
 public:
  LineTap(std::streambuf* next, std::function<void(std::string_view)> line) : next_(next), line_(std::move(line)) {}

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override { return next_ ? next_->pubsync() : 0; }

 private:
  std::streambuf* next_;
  std::function<void(std::string_view)> line_;
  std::string partial_;
};

}  // namespace gatesim::app
