#pragma once
// What the Lanes page and /metrics show of `gatesim gate`'s lanes, gathered from the hooks the
// lane already has: LaneDriverOptions::on_outcome and on_frame, and ObservedLane, a LaneDevices
// that passes every call on to the real devices and notes what the lane is doing (waiting,
// reading a document, capturing faces or a fingerprint, the barrier open) and the barrier and
// indicator state. Nothing here feeds back into the lane: the dashboard only watches.
//
// Frames leave the process only when constructed with `frames`: then the latest analysed frame
// of each lane is kept (a copy at most twice a second) and encoded as a JPEG only when
// /frame/LANE.jpg asks for it, on the asking thread, once per kept frame; the state's frame
// summary (size, boxes, scores) is then the kept frame's, so the page draws a picture with its
// own boxes, and frames between two kept ones are counted but not shown. Otherwise the page gets
// the face boxes and scores of every analysed frame only and draws them on a blank frame.
//
// The lane's own calls (frame(), outcome(), activity() ...) only copy what they are given into
// plain fields and add to metric series found once per lane: no JSON, no encoding and no metric
// registry look-up once each series has been seen. JSON is built by state(), on the server's
// thread, when a client asks.
//
// Metrics (labels in braces): gatesim_transactions_total{lane,channel,decision},
// gatesim_referrals_total{lane,reason}, gatesim_step_duration_seconds{lane,step} and
// gatesim_transaction_duration_seconds{lane} (histograms), gatesim_device_faults_total{lane,
// device,kind} (the kind each fault carries, devices::FaultKind), gatesim_frame_updates_total{lane},
// gatesim_frame_jpegs_encoded_total{lane}, gatesim_barrier_open{lane}.
//
// Thread safety: every member may be called from any thread (one mutex); the lane calls from
// its device and run() threads, the server reads from its own.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core/mat.hpp>

#include "devices/device_fault.hpp"
#include "gate/lane_driver.hpp"
#include "web/metrics.hpp"

namespace gatesim::app {

// What a lane is doing, as its device calls show it.
enum class LaneActivity { starting, waiting, reading_document, capturing_face, capturing_fingerprint, passage, stopped };
std::string to_string(LaneActivity activity);

class LaneDashboard {
 public:
  LaneDashboard(web::MetricsRegistry& metrics, std::string port, bool frames);

  // ensures: a new lane, its index returned (0, 1, ...).
  std::size_t add_lane(const std::string& name, gate::Channel channel);
  // `changed` is called after every change (a server's notify); requires: set before the run.
  void on_change(std::function<void()> changed) { changed_ = std::move(changed); }

  // requires: lane < the number of lanes added.
  void activity(std::size_t lane, LaneActivity activity);
  void barrier(std::size_t lane, bool open);
  void indicator(std::size_t lane, gate::Signal signal);
  void frame(std::size_t lane, const gate::FrameView& view);
  void outcome(std::size_t lane, const gate::TransactionOutcome& outcome);
  void finished();  // every lane has stopped

  nlohmann::json state() const;
  // ensures: the lane's latest kept frame as JPEG (encoded now if it was not yet); nullopt
  //          without `frames` or before the first frame.
  std::optional<std::string> frame_jpeg(std::size_t lane);

 private:
  using Clock = std::chrono::steady_clock;
  // What the page draws of an analysed frame (FrameView without the image).
  struct FrameSummary {
    int width = 0, height = 0;
    gate::Role role = gate::Role::traveller;
    std::vector<biometrics::FaceBox> faces;  // clipped to the frame
    // Each face's landmarks (the analyser's 5 points: eye corners and the base of the nose), in
    // the faces' order; none (all zero) for a face found by the boxes-only pass.
    std::vector<biometrics::FiveLandmarks> landmarks;
    std::optional<bool> quality_ok;
    std::string quality_reason;              // the first, when not ok
    std::optional<double> distance;
    std::optional<biometrics::LivenessMeasurements> liveness;
  };
  struct Lane {
    std::string name;
    gate::Channel channel = gate::Channel::document;
    LaneActivity activity = LaneActivity::starting;
    Clock::time_point since = Clock::now();
    bool barrier_open = false;
    std::string indicator = "off";
    std::uint64_t transactions = 0, cleared = 0, referred = 0, faults = 0;
    std::deque<nlohmann::json> recent, recent_faults;  // newest first, bounded (one of each per transaction)
    std::optional<FrameSummary> frame;                  // the latest analysed frame (with frames: kept)
    // --http-frames: the frame last kept, its number (1, 2, ...; 0: none yet) and when; the JPEG
    // of frame `jpeg_number`, encoded when asked for.
    cv::Mat kept;
    std::uint64_t frame_number = 0;
    Clock::time_point kept_at{};
    std::string jpeg;
    std::uint64_t jpeg_number = 0;
    // The lane's metric series, found in the registry once each.
    std::pair<web::Counter*, web::Counter*> decisions{};  // cleared, referred
    web::Histogram* transaction_duration = nullptr;
    std::vector<std::pair<std::string, web::Histogram*>> steps;  // timed steps, in the order first seen
    std::map<std::string, web::Counter*, std::less<>> referrals;  // by reason code
    std::map<std::pair<gate::Device, devices::FaultKind>, web::Counter*> device_faults;
    web::Counter* frame_updates = nullptr;
    web::Counter* jpegs_encoded = nullptr;
    web::Gauge* barrier_gauge = nullptr;
  };
  void changed();
  static nlohmann::json frame_json(const FrameSummary& frame);
  // The lane's series (found in the registry the first time); requires: mutex_ held.
  web::Histogram& step_series(Lane& lane, std::string_view step);
  web::Counter& referral_series(Lane& lane, const std::string& code);
  web::Counter& fault_series(Lane& lane, gate::Device device, devices::FaultKind kind);

  web::MetricsRegistry& metrics_;
  std::string port_;
  bool frames_;
  std::function<void()> changed_;
  mutable std::mutex mutex_;
  std::vector<Lane> lanes_;
  bool finished_ = false;
};

// LaneDevices passing every call to `devices` and telling `dashboard` about it.
// Thread safety: as the devices it wraps (the driver calls from its device thread).
class ObservedLane final : public gate::LaneDevices {
 public:
  // requires: both outlive this.
  ObservedLane(gate::LaneDevices& devices, LaneDashboard& dashboard, std::size_t lane)
      : devices_(devices), dashboard_(dashboard), lane_(lane) {}

  bool next_traveller() override;
  gate::DocumentReading read_document(gate::Role role) override;
  cv::Mat capture_frame() override;
  gate::FingerprintOutcome capture_fingerprint(const std::string& holder_id) override;
  void open_barrier() override;
  std::optional<int> await_passage() override;
  void close_barrier() override;
  void show(gate::Signal signal) override;
  void alarm(const std::string& what) override;

 private:
  gate::LaneDevices& devices_;
  LaneDashboard& dashboard_;
  std::size_t lane_;
};

}  // namespace gatesim::app
