#pragma once
// The real components behind a live lane's LaneDevices and LaneServices (gate/lane_driver.hpp):
//
// - DeviceLane: devices/ backends chosen by URI (camera, document reader, fingerprint reader,
//   barrier, indicator). Every devices::DeviceFault becomes a DeviceFailure naming the device,
//   so the controller refers the traveller with the fault and the lane goes on.
// - PolicyServices: the policy engine (gate::evaluate) on the traveller record of the person
//   to check — the record the document's chip carried (document channel) or, document-free,
//   the record the enrolment store keeps for the identified holder — and the enrolment store's
//   templates (1:1 by holder id) and gallery (1:N, the compact index; best and second best).
//
// The two share a TravellerRecords: DeviceLane puts the records it reads, PolicyServices looks
// them up by holder id. `gatesim gate` runs these; so do the end-to-end tests.
//
// Thread safety: TravellerRecords is safe from any thread. DeviceLane and PolicyServices are
// used by one thread each at a time (the driver's device and service threads); PolicyServices
// uses the EnrolmentStore from that thread only (SQLite connections may move between threads
// when they are not used at the same time).

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "devices/barrier.hpp"
#include "devices/camera.hpp"
#include "devices/document_reader.hpp"
#include "devices/fingerprint_reader.hpp"
#include "devices/indicator.hpp"
#include "devices/passage_sensor.hpp"
#include "gate/enrolment_store.hpp"
#include "gate/lane_driver.hpp"
#include "gate/policy_data.hpp"
#include "models/crossing.hpp"

namespace gatesim::gate {

// The traveller records read in the transaction under way, by holder id.
class TravellerRecords {
 public:
  void put(const models::Traveller& traveller);
  std::optional<models::Traveller> find(const std::string& holder_id) const;
  void clear();

 private:
  mutable std::mutex mutex_;
  std::map<std::string, models::Traveller> records_;
};

struct LaneDeviceSet {
  std::unique_ptr<devices::Camera> camera;                  // required
  std::unique_ptr<devices::DocumentReader> documents;       // null: the document-free channel
  std::unique_ptr<devices::FingerprintReader> fingerprint;  // null: the lane has none
  std::unique_ptr<devices::Barrier> barrier;                // required
  std::unique_ptr<devices::Indicator> indicator;            // required
  // How the lane knows the cleared traveller has gone: an exit sensor; or, without one, the
  // camera watched by the driver; or neither (through as soon as the barrier opens, one
  // person: the port simulator's live gate, image-folder benches).
  std::unique_ptr<devices::PassageSensor> passage;          // null: no exit sensor
  bool camera_watches_passage = false;                      // without a sensor
};

// Document channel: a traveller is there when the reader gives the next chip (its end ends the
// run); the guardian's document is the next chip read. Document-free: travellers keep coming
// until the camera reports the end of its stream. Passage: see LaneDeviceSet::passage.
class DeviceLane final : public LaneDevices {
 public:
  // requires: camera, barrier and indicator set; `records` outlives the lane.
  DeviceLane(LaneDeviceSet devices, TravellerRecords& records);

  bool next_traveller() override;
  DocumentReading read_document(Role role) override;
  cv::Mat capture_frame() override;
  FingerprintOutcome capture_fingerprint(const std::string& holder_id) override;
  void open_barrier() override;
  std::optional<int> await_passage() override;
  void close_barrier() override;
  void show(Signal signal) override;
  void alarm(const std::string& what) override;

 private:
  LaneDeviceSet devices_;
  TravellerRecords& records_;
  std::optional<devices::ChipRecord> arrived_;  // the chip of the traveller at the lane
  std::optional<devices::DeviceFault> arrived_fault_;  // or why it could not be read
  bool camera_ended_ = false;
};

// Where and how the lane crosses: everything of a models::Crossing but the traveller.
struct LanePolicy {
  const PolicyData* policy = nullptr;
  const models::Port* port = nullptr;  // points into *policy
  models::CivilDate date{};
  models::Direction direction = models::Direction::exit;
  Channel channel = Channel::document;
};

class PolicyServices final : public LaneServices {
 public:
  // requires: lane.policy and lane.port set; the references outlive the services.
  // ensures: the gallery of every template in `store` is loaded and indexed.
  PolicyServices(LanePolicy lane, const EnrolmentStore& store, const TravellerRecords& records);
  // A lane of a bank: the bank's one gallery (built once from the same enrolments; searched by
  // every lane at once, which Gallery::search allows) instead of a copy of its own.
  // requires: gallery not null.
  PolicyServices(LanePolicy lane, const EnrolmentStore& store, const TravellerRecords& records,
                 std::shared_ptr<const biometrics::Gallery> gallery);

  // The engine's verdict on the person's record (eligible, clauses and messages, guardian).
  // A traveller with a guardian on record is checked without the group condition: the lane's
  // guardian step pairs the guardian, whose own check is the engine's on the guardian's record.
  // No record: not eligible, "policy.no_record".
  // throws models::InputError for a stored record that no longer parses (a damaged store).
  PolicyChecked check_policy(const CheckPolicy& request) override;
  std::vector<biometrics::FaceDescriptor> enrolled_faces(const std::string& holder_id) override;
  // The gallery's exact decision query (Gallery::identify), the enrolment store's templates for
  // the holders it must rank exactly.
  IdentificationDone identify(const Identify& query, const biometrics::FaceDescriptor& probe) override;

 private:
  LanePolicy lane_;
  const EnrolmentStore& store_;
  const TravellerRecords& records_;
  std::shared_ptr<const biometrics::Gallery> gallery_;
};

}  // namespace gatesim::gate
