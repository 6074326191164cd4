#pragma once
// LiveGate: a real lane standing in a simulated port as one of its document gates, the
// hardware-in-the-loop half of `gatesim simulate --realtime SPEED --live-gate ...`. It is a
// sim::ExternalGate served by a gate::LaneDriver (the driver of `gatesim gate`) on its own
// thread, over a gate::DeviceLane and the real policy engine (gate::PolicyServices).
//
// When the port hands it a party, the members step up in turn:
// - The lane's document reader is fed each simulated traveller's facts as a chip record (id
//   "P<n>"; a ward's record names the party's guardian). A ward passes in one transaction with
//   the guardian (member 0), who presents the next chip when the lane asks, as at a real lane;
//   every other member has a transaction of their own. The first referral ends the party's
//   turn (it goes to a counter, as from a simulated gate).
// - Who they are: traveller n holds the permit of roster person claimed_person(n)
//   (sim/face_images.hpp, as in the image-level mode). The roster is the enrolment database's
//   holders by id when one is given, else the scenario's faces folder's people, enrolled from
//   each one's first image into an in-memory store (no template is written to disk). The 1:1
//   step matches the face against that person's templates.
// - A trace row's face_image and enrolled_image (sim/trace.hpp) say it instead: the scripted
//   camera shows the face_image at every frame, and the 1:1 step compares with the face of the
//   enrolled_image, the permit's photo (every one in the trace analysed when the gate is set up,
//   in memory, never stored). The roster is still needed for the other travellers.
// - The camera is any devices::Camera — a USB camera where a person stands (the console line
//   says whose permit is on the reader and, for an impostor, that someone else is to look), a
//   dir: or replay: camera — or, with no camera given, a scripted camera showing the faces
//   folder's images of the person at the lane: the traveller's own, an impostor's someone
//   else's (shown_person), the guardian's once the guardian's chip is read.
// - The lane's decision and reason codes go back as the ExternalOutcome (`member`: the
//   traveller whose transaction was referred). The port turns the wall-clock time the party spent
//   at the lane into simulated time at the replay speed (0.5 s at 100x is 50 s simulated). The
//   lane runs on its own settings in wall-clock time (timeouts, faults and thresholds refer as in
//   `gatesim gate`), not on the scenario's `gate` and `biometrics` keys, which model the
//   simulated gates.
// - Its audit log records every transaction.
// - close() ends the run: the reader has no more documents and the driver is stopped (a party
//   still at the lane gets the stopped lane's outcome). It never waits for a device: a call under
//   way (a camera stuck in a read) is abandoned and keeps what it uses alive until it returns.
//
// Thread safety: serve() and close() from one thread (the replay's); `done` is called on the
// lane's thread.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "biometrics/model_store.hpp"
#include "gate/lane_driver.hpp"
#include "gate/live_lane.hpp"
#include "sim/port_model.hpp"
#include "sim/scenario.hpp"

namespace gatesim::sim {

struct LiveGateSetup {
  // camera: null for the scripted camera of the faces folder; fingerprint: optional; barrier and
  // indicator: required; documents: must be null (the gate feeds its own reader).
  gate::LaneDeviceSet devices;
  std::filesystem::path enrolment;  // an enrolment database (`gatesim enroll`); empty: the faces folder
  std::filesystem::path audit;      // the audit log to append to
  gate::GateConfig config;          // the lane's settings; its channel is set to the document channel
  gate::LaneDriverOptions driver;   // detector, kept images, callbacks (on_outcome is called too)
  std::string name = "live gate";   // in console lines and as the audit log's lane label
  std::ostream* console = nullptr;  // a line per traveller stepping up, when set
  // The view side (the dashboard's ObservedLane): when set, called once before the lane starts
  // with the lane's devices; the driver then calls what it returns, which must pass every call on
  // to them. Kept as long as the devices (an abandoned device call included).
  std::function<std::shared_ptr<gate::LaneDevices>(gate::LaneDevices& devices)> observe;
};

class LiveGate final : public ExternalGate {
 public:
  // requires: a checked scenario that outlives the gate.
  // ensures: the lane is running, waiting for the first traveller.
  // throws models::InputError for no roster (neither an enrolment database nor a faces
  //        folder), an enrolment database without templates, the scripted camera with an
  //        enrolment database or without a faces folder, a scenario whose gates take
  //        fingerprints and no fingerprint reader, missing face models, an unusable audit log, a
  //        trace's permit photo (enrolled_image) that cannot be read or holds no single face.
  LiveGate(const Scenario& scenario, const biometrics::ModelStore& models, LiveGateSetup setup);
  ~LiveGate() override;  // close(), with a failure of the lane dropped
  LiveGate(const LiveGate&) = delete;
  LiveGate& operator=(const LiveGate&) = delete;

  void serve(std::uint64_t party, const std::vector<ExternalTraveller>& travellers,
             std::function<void(ExternalOutcome)> done) override;

  // ensures: the lane has stopped (a party still being served gets the stopped lane's outcome;
  //          a device call under way is abandoned, not waited for); returns the transactions it
  //          completed.
  // throws what stopped the lane early (a device or service error other than a device fault).
  std::size_t close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gatesim::sim
