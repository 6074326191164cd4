#pragma once
// LaneDriver: runs a GateController in real time. A Boost.Asio io_context turns the
// controller's actions into device calls, face analysis, audit writes and steady timers, and
// their completions into events. This is the hardware-in-the-loop path; the port simulator
// runs the same controller on a virtual clock instead.
//
// The driver sees the world through two small interfaces, so the same code runs a USB bench,
// a video file or a test: LaneDevices (camera, document reader, fingerprint reader, barrier,
// indicator; gate/live_lane.hpp's DeviceLane adapts devices/ backends to it) and LaneServices
// (the policy engine, the holder's enrolled templates, the 1:N gallery; PolicyServices there).
// The face pipeline (FaceAnalyzer, assess_face, descriptor distances) and the AuditLog are the
// driver's own.
//
// Threads: run() runs the io_context (controller, timers) on the calling thread, every device
// call on a device thread and every other blocking call — face analysis, services, the audit
// write — on a service thread, each in the order the controller asked for them (so
// ShowIndicator precedes CaptureFrame; the barrier opens only after the controller saw the audit
// row written). A device call that blocks past its step's timeout delays later device calls,
// but neither the timers nor the service thread: the controller refers the traveller with the
// step's timeout reason, the referral is written, and the lane serves the next traveller once
// the device answers again (its late answer is ignored; a late fault is recorded with the next
// transaction).
//
// Liveness: with LaneDriverOptions::liveness set, every analysed frame's largest face goes to
// the detector (restarted at each face step's first frame) and its measurements so far ride on
// FrameAnalysed. Once the face matched, the liveness-only frames follow it from the previous
// box instead of detecting it again (LaneDriverOptions::follow_face), and a face that is not
// the matched one gives the detector nothing (see "Following" in lane_driver.cpp). Passage: after OpenBarrier the driver asks LaneDevices::await_passage(); a lane
// without an exit sensor has the camera watched until the face has left the view (a
// document-free lane also waits so after a referral: LaneDriverOptions::referred_must_leave). Incidents
// (RecordIncident) go to the audit log's incidents table. Anti-passback: the constructor gives
// the controller the audit log's clearances within GateConfig::passback_window.
//
// Time: a LaneClock (gate/lane_clock.hpp; LaneDriverOptions::clock). The default is real time
// with Asio steady timers. A VirtualLaneClock runs the same driver on virtual time: the driver
// moves time to its next timer (or a device's sleep_until on that clock) only when no work is
// under way on any thread, so tests of timeouts wait no real time and do not depend on how
// fast the machine analyses a face.
//
// Cancellation: no device call can hold run() or stop(). A call that never returns (a camera
// read stuck in a driver, a reader waiting for a finger that never comes) cannot be interrupted
// from outside in general: only some backends have a cancel (libfprint's GCancellable); OpenCV's
// VideoCapture and a blocking socket read do not. So run() does not wait for it: when run() ends
// (stop(), no more travellers, a failure) a call under way is abandoned, the calls queued after
// it are dropped, and its thread ends when it returns, touching then only the devices and a small
// shared mailbox that no longer leads to the driver. The devices must live until then: with the
// shared_ptr constructor the call itself keeps them alive (~LaneDriver waits for nothing); with
// the reference one, ~LaneDriver waits for the abandoned call to return (the caller's objects).
// What "shared" protects is only what the shared_ptr owns: the LaneDevices object and whatever
// it owns. Anything the devices refer to without owning it (a TravellerRecords&, the clock a
// device sleeps on, a log, a scripted source) may be gone while the abandoned call still runs,
// unless the shared object owns it too: give the driver an aliasing shared_ptr into one object
// that owns the devices and everything they refer to (gatesim soak's SoakDevices), or use the
// reference constructor, whose destructor waits.
// The service thread's work (our face pipeline, the services, the audit write) always returns.
//
// A document-free lane has no document to say that someone is there: after next_traveller()
// the driver looks at camera frames until one shows a face, and only then starts the
// transaction (that frame is its first), so an empty lane idles instead of referring nobody.
//
// Thread safety: run() once; stop() from any thread at any time; the callbacks are called on the
// run() thread.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "biometrics/face_analyzer.hpp"
#include "biometrics/face_follower.hpp"
#include "biometrics/face_quality.hpp"
#include "devices/device_fault.hpp"
#include "gate/audit_log.hpp"
#include "gate/face_pool.hpp"
#include "gate/frame_memo.hpp"
#include "gate/gate_controller.hpp"
#include "gate/liveness_probe.hpp"
#include "gate/lane_clock.hpp"

namespace gatesim::gate {

// Thrown by a LaneDevices call when the device failed (unplugged, stalled past its own
// timeout, corrupt data); the driver turns it into a DeviceFault event of the same kind.
class DeviceFailure : public std::runtime_error {
 public:
  DeviceFailure(Device device, devices::FaultKind kind, const std::string& what)
      : std::runtime_error(what), device_(device), kind_(kind) {}
  // ensures: `fault`'s kind and text, for `device`.
  DeviceFailure(Device device, const devices::DeviceFault& fault) : DeviceFailure(device, fault.kind(), fault.what()) {}
  Device device() const { return device_; }
  devices::FaultKind kind() const { return kind_; }

 private:
  Device device_;
  devices::FaultKind kind_;
};

struct DocumentReading {
  std::optional<DocumentInfo> document;  // nullopt: unreadable
  std::string problem;
};

// The lane's devices. Every call may block; all are made from the driver's device thread, one
// at a time. A call may still be under way after run() returned and the driver is gone (see
// Cancellation above); it must not use the driver then, only the device.
// requires of implementations: throw DeviceFailure for a device fault, nothing else.
class LaneDevices {
 public:
  virtual ~LaneDevices() = default;
  // Blocks until the next traveller stands at the lane (document-free: until the lane may be
  // watched for the next face); false: no more travellers (end of run).
  virtual bool next_traveller() = 0;
  virtual DocumentReading read_document(Role role) = 0;
  // ensures: a non-empty 8-bit BGR frame.
  virtual cv::Mat capture_frame() = 0;
  virtual FingerprintOutcome capture_fingerprint(const std::string& holder_id) = 0;
  virtual void open_barrier() = 0;
  // After open_barrier(): blocks until the exit sensor says the passage is clear again and
  // returns how many people went through it (more than were cleared is tailgating; 0: the
  // traveller turned back). nullopt: the lane has no exit sensor, and the driver watches the
  // camera instead: the passage is clear once no face has been in view for
  // LaneDriverOptions::passage_clear.
  virtual std::optional<int> await_passage() = 0;
  virtual void close_barrier() = 0;
  virtual void show(Signal signal) = 0;
  virtual void alarm(const std::string& what) = 0;
};

// Answers the lane needs from the rest of the system. Called from the driver's service thread.
class LaneServices {
 public:
  virtual ~LaneServices() = default;
  // ensures: the verdict for the person of `request` (fields other than `at`/`request`).
  virtual PolicyChecked check_policy(const CheckPolicy& request) = 0;
  // ensures: the holder's enrolled face templates; empty when the holder is not enrolled.
  virtual std::vector<biometrics::FaceDescriptor> enrolled_faces(const std::string& holder_id) = 0;
  // ensures: the nearest enrolled person and the nearest other person, at their exact distances
  //          wherever judge_identification with the query's threshold and margin reads them.
  virtual IdentificationDone identify(const Identify& query, const biometrics::FaceDescriptor& probe) = 0;
};

// What the driver saw in one analysed frame, for a display (--show) or a log.
struct FrameView {
  cv::Mat frame;
  Role role = Role::traveller;
  std::vector<biometrics::DetectedFace> faces;
  std::optional<biometrics::FaceQuality> quality;  // of the largest face
  std::optional<double> distance;                  // after MatchFace / Identify
  std::optional<biometrics::LivenessMeasurements> liveness = std::nullopt;  // when the lane runs a liveness detector
};

struct LaneDriverOptions {
  biometrics::DetectorOptions detector = biometrics::kGateCameraDetector;
  biometrics::QualityThresholds quality;
  std::filesystem::path keep_images;  // empty: keep no image; else save analysed frames here
  std::function<void(const TransactionOutcome&)> on_outcome;  // after each completed transaction
  std::function<void(const FrameView&)> on_frame;             // after each analysed frame / match
  // Document-free lanes: how long to wait before asking a failing camera again while nobody
  // is at the lane.
  Duration camera_retry = std::chrono::seconds(1);
  // The liveness detector run on every analysed frame of a face step (null: none; the
  // controller then sees no measurements and, unless its liveness is off, refers).
  std::shared_ptr<LivenessProbe> liveness;
  // A lane without an exit sensor: how long no face may be seen, in any look, before the
  // cleared traveller counts as gone; it also takes passage_clear / passage_look_every looks
  // without a face (at least one), however long they take.
  Duration passage_clear = std::chrono::seconds(1);
  // How long between two looks at the camera while a watch waits (requires: > 0).
  Duration passage_look_every = std::chrono::milliseconds(100);
  // Document-free lanes: after a referral the next transaction waits until no face has been
  // in view for passage_clear (the referred traveller has stepped away), rather than trying
  // the person still standing there again at once. false: the next face starts a transaction
  // at once (benches of unrelated still images).
  bool referred_must_leave = true;
  // The camera's watches (passage, referred traveller) count only near faces: a box at least
  // this share of the height of the traveller's face at the face step (in the passage, not the
  // next traveller waiting further back). While the barrier is open, more near faces in one
  // frame than people cleared is tailgating. 0: every face counts.
  double tailgate_near = 0.5;
  // Benches that show the same few images again and again (a soak on a `dir:` camera): the
  // pipeline's analysis (faces, quality, descriptor) of frames already seen is kept here and
  // reused for a frame with the same pixels, so the pipeline runs once per image (see
  // gate/frame_memo.hpp). Null (the default, every live lane): every frame is analysed.
  std::shared_ptr<FrameMemo> frame_memo;
  // Once the face matched, the face step's liveness-only frames follow the face from the
  // previous frame's box instead of detecting it in the whole frame again; the matched face's
  // descriptor is checked where following cannot vouch for it (see "Following" in
  // lane_driver.cpp); not with a frame_memo. The camera's watches (passage, referred
  // traveller) follow the near face of their last look the same way while no one is to be
  // counted (the barrier closed), and detect in full when following finds no near face and on
  // every watch_detect_every-th look. false: every frame and every look is detected in full.
  bool follow_face = true;
  biometrics::FollowSettings follow;
  // A watch detects in full at least every this many looks while it follows a face (requires:
  // >= 1), so following cannot hold the lane on something a full detection does not see.
  int watch_detect_every = 10;
  // The lane's time (requires: outlives the driver); null: real time (steady_lane_clock()).
  LaneClock* clock = nullptr;
  // A lane of a bank: its face analysis runs as jobs of the bank's pool (gate/face_pool.hpp),
  // which must outlive the driver; null: the driver loads its own analyzer and runs it on its
  // service thread.
  FacePool::Lane* face_pool = nullptr;
  // After each clearance the audit log holds (the controller's anti-passback record), with the
  // holder and the transaction's name ("#3"); called on the run() thread. A bank hands it to
  // its other lanes' remember().
  std::function<void(const std::string& holder_id, const std::string& transaction)> on_clearance;
  // Where the lane says what an operator must know at once (the audit log cannot be written,
  // and when it can again); null: nowhere. Written from the run() thread.
  std::ostream* diagnostics = &std::cerr;
};

class LaneDriver {
 public:
  // requires: the references outlive the driver; `devices` also outlives any device call the
  //           driver abandoned (use the shared_ptr overload when that cannot be promised).
  // throws models::InputError for missing face models or an unusable keep_images folder.
  LaneDriver(GateConfig config, const biometrics::ModelStore& models, LaneDevices& devices, LaneServices& services,
             AuditLog& audit, LaneDriverOptions options = {});
  // The same, sharing ownership of the devices with the driver and any abandoned device call.
  // requires: everything the devices refer to is owned by what `devices` owns (see Cancellation),
  //           or outlives every device call.
  LaneDriver(GateConfig config, const biometrics::ModelStore& models, std::shared_ptr<LaneDevices> devices,
             LaneServices& services, AuditLog& audit, LaneDriverOptions options = {});
  // ensures: reference form: an abandoned device call has returned; shared form: waits for none.
  ~LaneDriver();

  // requires: called once.
  // ensures: serves travellers until devices.next_traveller() says there are no more and the
  //          last transaction has completed, or until stop(); returns how many transactions
  //          completed. After stop() a transaction under way gets no further: without its row its
  //          barrier never opens; a barrier already open is left as it is (no device call is made).
  //          Never waits for a device call: one still under way is abandoned (see Cancellation).
  // throws what a device or service threw other than DeviceFailure (a bug or bad data), after
  //        stopping the lane.
  std::size_t run();

  // What the face pipeline did over the face steps' frames, and over the looks of the camera's
  // watches (passage, referred traveller).
  struct FaceCounts {
    std::uint64_t full_detections = 0;      // frames detected in full (not from a FrameMemo)
    std::uint64_t followed = 0;             // liveness-only frames whose face was followed
    std::uint64_t follow_lost = 0;          // ... where following found none (then a full detection)
    std::uint64_t descriptors = 0;          // descriptors computed (matches and identity checks)
    std::uint64_t identity_checks = 0;      // the matched face's descriptor compared again
    std::uint64_t identity_mismatches = 0;  // ... and found to be someone else
    std::uint64_t watch_looks = 0;          // looks of the watches
    std::uint64_t watch_detections = 0;     // ... detected in full
    std::uint64_t watch_followed = 0;       // ... whose near face was followed
    std::uint64_t watch_follow_lost = 0;    // ... where following found no near face (then a full detection)
  };
  // requires: run() has returned.
  const FaceCounts& face_counts() const;

  // Anti-passback across the lanes of one process: the controller counts `holder_id` as cleared
  // now by `transaction` (another lane's "lane 2 #3"). Thread-safe; returns at once; does
  // nothing once run() has returned.
  void remember(std::string holder_id, std::string transaction);

  // Asks run() to return as soon as the controller's current event is handled (before run():
  // run() returns at once). Thread-safe; returns at once; repeated calls do nothing more.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gatesim::gate
