#include "apps/gatesim/lane_dashboard.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

#include <opencv2/imgcodecs.hpp>

#include "apps/gatesim/command.hpp"
#include "devices/device_fault.hpp"

namespace gatesim::app {
namespace {

constexpr std::size_t kRecent = 20;  // transactions and faults kept for the page
constexpr auto kFrameInterval = std::chrono::milliseconds(500);  // --http-frames: at most 2 frames kept a second
constexpr const char* kStepHelp = "How long each step of a transaction took";

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
  const auto decision_series = [&](gate::Decision decision) {
    return &metrics_.counter("gatesim_transactions_total", "Transactions decided at a lane",
                             {{"lane", name}, {"channel", gate::to_string(channel)}, {"decision", gate::to_string(decision)}});
  };
  lane.decisions = {decision_series(gate::Decision::cleared), decision_series(gate::Decision::referred)};
  lane.transaction_duration = &metrics_.histogram("gatesim_transaction_duration_seconds", "From a transaction's start to its decision",
                                                  web::step_time_buckets(), {{"lane", name}});
  lane.frame_updates = &metrics_.counter("gatesim_frame_updates_total", "Analysed frames and match results the lane reported",
                                         {{"lane", name}});
  if (frames_)
    lane.jpegs_encoded = &metrics_.counter("gatesim_frame_jpegs_encoded_total",
                                           "Frames encoded as JPEG for the dashboard (--http-frames), when asked for", {{"lane", name}});
  lane.barrier_gauge = &metrics_.gauge("gatesim_barrier_open", "1 while the lane's barrier is open", {{"lane", name}});
  lanes_.push_back(std::move(lane));
  return lanes_.size() - 1;
}

void LaneDashboard::changed() {
  if (changed_) changed_();
}

web::Histogram& LaneDashboard::step_series(Lane& lane, std::string_view step) {
  for (auto& [name, series] : lane.steps)
    if (name == step) return *series;
  auto& series = metrics_.histogram("gatesim_step_duration_seconds", kStepHelp, web::step_time_buckets(),
                                    {{"lane", lane.name}, {"step", std::string(step)}});
  lane.steps.emplace_back(step, &series);
  return series;
}

web::Counter& LaneDashboard::referral_series(Lane& lane, const std::string& code) {
  if (const auto found = lane.referrals.find(code); found != lane.referrals.end()) return *found->second;
  auto& series = metrics_.counter("gatesim_referrals_total", "Referral reasons given at a lane", {{"lane", lane.name}, {"reason", code}});
  lane.referrals.emplace(code, &series);
  return series;
}

web::Counter& LaneDashboard::fault_series(Lane& lane, gate::Device device, devices::FaultKind kind) {
  auto& series = lane.device_faults[{device, kind}];
  if (!series)
    series = &metrics_.counter("gatesim_device_faults_total", "Device faults recorded with transactions",
                               {{"lane", lane.name}, {"device", gate::to_string(device)}, {"kind", devices::to_string(kind)}});
  return *series;
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
  {
    const std::lock_guard lock(mutex_);
    assert(lane < lanes_.size());
    auto& l = lanes_[lane];
    l.frame_updates->add();
    // With frames served, the summary is the kept picture's (so the page draws each picture
    // with its own boxes and size), and a frame not kept is not shown at all.
    const auto now = Clock::now();
    const bool keep = frames_ && !view.frame.empty() && now - l.kept_at >= kFrameInterval;
    if (frames_ && !keep) return;
    if (!l.frame) l.frame.emplace();
    auto& f = *l.frame;  // assigned field by field: its lists keep their capacity
    f.width = view.frame.cols;
    f.height = view.frame.rows;
    f.role = view.role;
    f.faces.clear();
    f.landmarks.clear();
    for (const auto& face : view.faces) {
      f.faces.push_back(face.box.clipped_to(view.frame.cols, view.frame.rows));
      f.landmarks.push_back(face.landmarks);
    }
    f.quality_ok.reset();
    f.quality_reason.clear();
    if (view.quality) {
      f.quality_ok = view.quality->acceptable;
      if (!view.quality->reasons.empty()) f.quality_reason = view.quality->reasons.front();
    }
    f.distance = view.distance;
    f.liveness = view.liveness;
    if (keep) {
      // A copy of its own: the camera may reuse its buffer, and frame_jpeg() may still be
      // encoding the previous one (it holds that one, not this).
      l.kept = view.frame.clone();
      l.kept_at = now;
      ++l.frame_number;
    }
  }
  changed();
}

void LaneDashboard::outcome(std::size_t lane, const gate::TransactionOutcome& o) {
  {
    const std::lock_guard lock(mutex_);
    assert(lane < lanes_.size());
    auto& l = lanes_[lane];
    assert(o.channel == l.channel);  // a lane's controller runs its one channel
    ++l.transactions;
    const bool cleared = o.decision == gate::Decision::cleared;
    ++(cleared ? l.cleared : l.referred);
    (cleared ? l.decisions.first : l.decisions.second)->add();
    for (const auto& r : o.reasons) referral_series(l, r.name()).add();
    l.transaction_duration->observe(in_seconds(o.decided_at - o.started_at));
    for (const auto& t : o.timings) step_series(l, t.name()).observe(in_seconds(t.duration));
    for (const auto& f : o.device_faults) {
      fault_series(l, f.device, f.kind).add();
      ++l.faults;
      push_bounded(l.recent_faults, {{"transaction", o.transaction}, {"device", gate::to_string(f.device)},
                                     {"kind", devices::to_string(f.kind)}, {"what", f.what}, {"at_s", in_seconds(f.at)}});
    }
    auto reasons = nlohmann::json::array();
    for (const auto& r : o.reasons) reasons.push_back({{"code", r.name()}, {"detail", r.detail}});
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

nlohmann::json LaneDashboard::frame_json(const FrameSummary& f) {
  auto faces = nlohmann::json::array();
  for (const auto& b : f.faces) faces.push_back({b.left, b.top, b.right, b.bottom});
  nlohmann::json frame = {{"width", f.width}, {"height", f.height}, {"role", gate::to_string(f.role)}, {"faces", std::move(faces)}};
  // "landmarks": per face its points as [x, y] to a tenth of a pixel, or null when the face has
  // none; absent when no face has any.
  const auto located = [](const biometrics::FiveLandmarks& points) {
    return std::any_of(points.begin(), points.end(), [](const biometrics::Point2& p) { return p.x != 0 || p.y != 0; });
  };
  if (std::any_of(f.landmarks.begin(), f.landmarks.end(), located)) {
    auto landmarks = nlohmann::json::array();
    for (const auto& points : f.landmarks) {
      if (!located(points)) {
        landmarks.push_back(nullptr);
        continue;
      }
      auto face = nlohmann::json::array();
      for (const auto& p : points) face.push_back({std::round(p.x * 10) / 10, std::round(p.y * 10) / 10});
      landmarks.push_back(std::move(face));
    }
    frame["landmarks"] = std::move(landmarks);
  }
  if (f.quality_ok) {
    frame["quality_ok"] = *f.quality_ok;
    if (!f.quality_reason.empty()) frame["quality_reason"] = f.quality_reason;
  }
  if (f.distance) frame["distance"] = *f.distance;
  if (f.liveness) frame["liveness"] = biometrics::describe(*f.liveness);
  return frame;
}

nlohmann::json LaneDashboard::state() const {
  const std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  auto lanes = nlohmann::json::array();
  for (std::size_t i = 0; i < lanes_.size(); ++i) {
    const auto& l = lanes_[i];
    auto steps = nlohmann::json::array();
    for (const auto& [step, series] : l.steps) {
      const auto s = series->snapshot();
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
        {"frame", l.frame ? frame_json(*l.frame) : nlohmann::json()},
        {"steps", std::move(steps)},
    };
    if (frames_ && l.frame_number > 0) {
      lane["frame_url"] = "/frame/" + l.name + ".jpg";
      lane["frame_number"] = l.frame_number;
    }
    lanes.push_back(std::move(lane));
  }
  return {{"kind", "lanes"}, {"port", port_}, {"finished", finished_}, {"frames", frames_}, {"lanes", std::move(lanes)}};
}

std::optional<std::string> LaneDashboard::frame_jpeg(std::size_t lane) {
  cv::Mat frame;
  std::uint64_t number = 0;
  {
    const std::lock_guard lock(mutex_);
    if (!frames_ || lane >= lanes_.size() || lanes_[lane].frame_number == 0) return std::nullopt;
    const auto& l = lanes_[lane];
    if (l.jpeg_number == l.frame_number) return l.jpeg;
    frame = l.kept;  // shared, not copied: frame() replaces l.kept, never writes into it
    number = l.frame_number;
  }
  // Encoded outside the lock (a few milliseconds), so the lane never waits for it.
  std::vector<unsigned char> bytes;
  cv::imencode(".jpg", frame, bytes, {cv::IMWRITE_JPEG_QUALITY, 80});
  std::string jpeg(bytes.begin(), bytes.end());
  const std::lock_guard lock(mutex_);
  auto& l = lanes_[lane];
  l.jpegs_encoded->add();
  if (number > l.jpeg_number) {
    l.jpeg = jpeg;
    l.jpeg_number = number;
  }
  return jpeg;
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
