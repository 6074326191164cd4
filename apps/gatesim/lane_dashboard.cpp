#include "apps/gatesim/lane_dashboard.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>

#include <opencv2/imgcodecs.hpp>

#include "apps/gatesim/command.hpp"
#include "devices/device_fault.hpp"

namespace gatesim::app {
namespace {

constexpr std::size_t kRecent = 20;  // transactions and faults kept for the page
constexpr auto kFrameInterval = std::chrono::milliseconds(500);  // --http-frames: at most 2 JPEGs a second


void push_bounded(std::deque<nlohmann::json>& list, nlohmann::json item) {
  list.push_front(std::move(item));
  if (list.size() > kRecent) list.pop_back();
}

}  // namespace

std::string to_string(LaneActivity activity) {
  switch (activity) {
    case LaneActivity::starting: return "starting";
    case LaneActivity::waiting: return "waiting for a traveller";
    case LaneActivity::reading_document: return "reading a document";
    case LaneActivity::capturing_face: return "capturing faces";
    case LaneActivity::capturing_fingerprint: return "capturing a fingerprint";
    case LaneActivity::passage: return "passage (barrier open)";
    case LaneActivity::stopped: return "stopped";
  }
  return "?";
}

LaneDashboard::LaneDashboard(web::MetricsRegistry& metrics, std::string port, bool frames)
    : metrics_(metrics), port_(std::move(port)), frames_(frames) {}

std::size_t LaneDashboard::add_lane(const std::string& name, gate::Channel channel) {
  const std::lock_guard lock(mutex_);
  Lane lane;
  lane.name = name;
  lane.channel = channel;
  // The lane's counters exist from the start, at zero, so a scrape before the first transaction
  // already shows them.
  for (const auto decision : {gate::Decision::cleared, gate::Decision::referred})
    metrics_.counter("gatesim_transactions_total", "Transactions decided at a lane",
                     {{"lane", name}, {"channel", gate::to_string(channel)}, {"decision", gate::to_string(decision)}});
  lane.frame_updates = &metrics_.counter("gatesim_frame_updates_total", "Analysed frames and match results the lane reported",
                                         {{"lane", name}});
  lane.barrier_gauge = &metrics_.gauge("gatesim_barrier_open", "1 while the lane's barrier is open", {{"lane", name}});
  lanes_.push_back(std::move(lane));
  return lanes_.size() - 1;
}

void LaneDashboard::changed() {
  if (changed_) changed_();
}

void LaneDashboard::activity(std::size_t lane, LaneActivity activity) {
  {
    const std::lock_guard lock(mutex_);
    assert(lane < lanes_.size());
    auto& l = lanes_[lane];
    if (l.activity == activity) return;
    l.activity = activity;
    l.since = Clock::now();
  }
  changed();
}

void LaneDashboard::barrier(std::size_t lane, bool open) {
  {
    const std::lock_guard lock(mutex_);
    assert(lane < lanes_.size());
    lanes_[lane].barrier_open = open;
    lanes_[lane].barrier_gauge->set(open ? 1 : 0);
  }
  changed();
}

void LaneDashboard::indicator(std::size_t lane, gate::Signal signal) {
  {
    const std::lock_guard lock(mutex_);
    assert(lane < lanes_.size());
    lanes_[lane].indicator = gate::to_string(signal);
  }
  changed();
}

void LaneDashboard::frame(std::size_t lane, const gate::FrameView& view) {
  // Encoded outside the lock (a few milliseconds), at most every kFrameInterval.
  std::string jpeg;
  const auto now = Clock::now();
  bool encode = false;
  {
    const std::lock_guard lock(mutex_);
    encode = frames_ && !view.frame.empty() && now - lanes_[lane].jpeg_at >= kFrameInterval;
    if (encode) lanes_[lane].jpeg_at = now;
  }
  if (encode) {
    std::vector<unsigned char> bytes;
    cv::imencode(".jpg", view.frame, bytes, {cv::IMWRITE_JPEG_QUALITY, 80});
    jpeg.assign(bytes.begin(), bytes.end());
  }
  nlohmann::json frame = {{"width", view.frame.cols}, {"height", view.frame.rows}, {"role", gate::to_string(view.role)}};
  auto faces = nlohmann::json::array();
  for (const auto& f : view.faces) {
    const auto b = f.box.clipped_to(view.frame.cols, view.frame.rows);
    faces.push_back({std::lround(b.left), std::lround(b.top), std::lround(b.right), std::lround(b.bottom)});
  }
  frame["faces"] = std::move(faces);
  if (view.quality) {
    frame["quality_ok"] = view.quality->acceptable;
    if (!view.quality->reasons.empty()) frame["quality_reason"] = view.quality->reasons.front();
  }
  if (view.distance) frame["distance"] = *view.distance;
  if (view.liveness) {
    std::string text = std::to_string(view.liveness->frames) + " frames";
    if (view.liveness->passive) text += ", passive " + std::to_string(*view.liveness->passive).substr(0, 4);
    if (view.liveness->temporal) text += ", temporal " + std::to_string(*view.liveness->temporal).substr(0, 6);
    if (view.liveness->frozen) text += ", frozen";
    frame["liveness"] = text;
  }
  {
    const std::lock_guard lock(mutex_);
    auto& l = lanes_[lane];
    l.frame = std::move(frame);
    if (encode) {
      l.jpeg = std::move(jpeg);
      ++l.frame_number;
    }
    l.frame_updates->add();
  }
  changed();
}

void LaneDashboard::outcome(std::size_t lane, const gate::TransactionOutcome& o) {
  {
    const std::lock_guard lock(mutex_);
    assert(lane < lanes_.size());
    auto& l = lanes_[lane];
    const web::Labels lane_label{{"lane", l.name}};
    ++l.transactions;
    ++(o.decision == gate::Decision::cleared ? l.cleared : l.referred);
    metrics_
        .counter("gatesim_transactions_total", "Transactions decided at a lane",
                 {{"lane", l.name}, {"channel", gate::to_string(o.channel)}, {"decision", gate::to_string(o.decision)}})
        .add();
    for (const auto& r : o.reasons)
      metrics_.counter("gatesim_referrals_total", "Referral reasons given at a lane", {{"lane", l.name}, {"reason", r.code}}).add();
    metrics_
        .histogram("gatesim_transaction_duration_seconds", "From a transaction's start to its decision",
                   web::step_time_buckets(), lane_label)
        .observe(in_seconds(o.decided_at - o.started_at));
    for (const auto& t : o.timings) {
      const std::string step(t.step);
      metrics_
          .histogram("gatesim_step_duration_seconds", "How long each step of a transaction took",
                     web::step_time_buckets(), {{"lane", l.name}, {"step", step}})
          .observe(in_seconds(t.duration));
      if (std::find(l.steps.begin(), l.steps.end(), step) == l.steps.end()) l.steps.push_back(step);
    }
    for (const auto& f : o.device_faults) {
      const auto kind = devices::to_string(f.kind);
      metrics_
          .counter("gatesim_device_faults_total", "Device faults recorded with transactions",
                   {{"lane", l.name}, {"device", gate::to_string(f.device)}, {"kind", kind}})
          .add();
      ++l.faults;
      push_bounded(l.recent_faults, {{"transaction", o.transaction}, {"device", gate::to_string(f.device)}, {"kind", kind},
                                     {"what", f.what}, {"at_s", in_seconds(f.at)}});
    }
    auto reasons = nlohmann::json::array();
    for (const auto& r : o.reasons) reasons.push_back({{"code", r.code}, {"detail", r.detail}});
    nlohmann::json row = {{"transaction", o.transaction}, {"decision", gate::to_string(o.decision)},
                          {"holder_id", o.holder_id}, {"reasons", std::move(reasons)},
                          {"duration_s", in_seconds(o.decided_at - o.started_at)}};
    if (!o.people.empty() && o.people[0].distance) row["distance"] = *o.people[0].distance;
    push_bounded(l.recent, std::move(row));
  }
  changed();
}

void LaneDashboard::finished() {
  {
    const std::lock_guard lock(mutex_);
    finished_ = true;
    for (auto& l : lanes_) {
      l.activity = LaneActivity::stopped;
      l.since = Clock::now();
    }
  }
  changed();
}

nlohmann::json LaneDashboard::state() const {
  const std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  auto lanes = nlohmann::json::array();
  for (std::size_t i = 0; i < lanes_.size(); ++i) {
    const auto& l = lanes_[i];
    auto steps = nlohmann::json::array();
    for (const auto& step : l.steps) {
      const auto s = metrics_
                         .histogram("gatesim_step_duration_seconds", "How long each step of a transaction took",
                                    web::step_time_buckets(), {{"lane", l.name}, {"step", step}})
                         .snapshot();
      std::vector<std::uint64_t> cumulative(s.cumulative.begin(), s.cumulative.end() - 1);  // without +Inf (== count)
      steps.push_back({{"step", step}, {"count", s.count}, {"sum_s", s.sum}, {"bounds", s.bounds}, {"cumulative", cumulative}});
    }
    nlohmann::json lane = {
        {"name", l.name},
        {"channel", gate::to_string(l.channel)},
        {"activity", to_string(l.activity)},
        {"activity_ms", std::chrono::duration<double, std::milli>(now - l.since).count()},
        {"barrier", l.barrier_open ? "open" : "closed"},
        {"indicator", l.indicator},
        {"transactions", l.transactions},
        {"cleared", l.cleared},
        {"referred", l.referred},
        {"fault_count", l.faults},
        {"recent", nlohmann::json(l.recent)},
        {"faults", nlohmann::json(l.recent_faults)},
        {"frame", l.frame},
        {"steps", std::move(steps)},
    };
    if (frames_ && !l.jpeg.empty()) {
      lane["frame_url"] = "/frame/" + l.name + ".jpg";
      lane["frame_number"] = l.frame_number;
    }
    lanes.push_back(std::move(lane));
  }
  return {{"kind", "lanes"}, {"port", port_}, {"finished", finished_}, {"frames", frames_}, {"lanes", std::move(lanes)}};
}

std::optional<std::string> LaneDashboard::frame_jpeg(std::size_t lane) const {
  const std::lock_guard lock(mutex_);
  if (!frames_ || lane >= lanes_.size() || lanes_[lane].jpeg.empty()) return std::nullopt;
  return lanes_[lane].jpeg;
}

bool ObservedLane::next_traveller() {
  dashboard_.activity(lane_, LaneActivity::waiting);
  return devices_.next_traveller();
}

gate::DocumentReading ObservedLane::read_document(gate::Role role) {
  dashboard_.activity(lane_, LaneActivity::reading_document);
  return devices_.read_document(role);
}

cv::Mat ObservedLane::capture_frame() {
  dashboard_.activity(lane_, LaneActivity::capturing_face);
  return devices_.capture_frame();
}

gate::FingerprintOutcome ObservedLane::capture_fingerprint(const std::string& holder_id) {
  dashboard_.activity(lane_, LaneActivity::capturing_fingerprint);
  return devices_.capture_fingerprint(holder_id);
}

void ObservedLane::open_barrier() {
  devices_.open_barrier();
  dashboard_.barrier(lane_, true);
  dashboard_.activity(lane_, LaneActivity::passage);
}

std::optional<int> ObservedLane::await_passage() { return devices_.await_passage(); }

void ObservedLane::close_barrier() {
  devices_.close_barrier();
  dashboard_.barrier(lane_, false);
}

void ObservedLane::show(gate::Signal signal) {
  devices_.show(signal);
  dashboard_.indicator(lane_, signal);
}

void ObservedLane::alarm(const std::string& what) { devices_.alarm(what); }

}  // namespace gatesim::app
