#include "gate/live_lane.hpp"

#include <cassert>

#include "gate/policy_engine.hpp"
#include "models/input_error.hpp"
#include "models/traveller_json.hpp"

namespace gatesim::gate {

void TravellerRecords::put(const models::Traveller& traveller) {
  std::lock_guard lock(mutex_);
  records_.insert_or_assign(traveller.id, traveller);
}

std::optional<models::Traveller> TravellerRecords::find(const std::string& holder_id) const {
  std::lock_guard lock(mutex_);
  const auto it = records_.find(holder_id);
  if (it == records_.end()) return std::nullopt;
  return it->second;
}

void TravellerRecords::clear() {
  std::lock_guard lock(mutex_);
  records_.clear();
}

namespace {

// Runs one device call; a DeviceFault becomes the driver's DeviceFailure for `device`.
template <class Call>
auto on_device(Device device, Call call) {
  try {
    return call();
  } catch (const devices::DeviceFault& fault) {
    throw DeviceFailure(device, fault);
  }
}

}  // namespace

DeviceLane::DeviceLane(LaneDeviceSet devices, TravellerRecords& records)
    : devices_(std::move(devices)), records_(records) {}

bool DeviceLane::next_traveller() {
  records_.clear();
  if (!devices_.documents) return !camera_ended_;
  arrived_.reset();
  arrived_fault_.reset();
  try {
    arrived_ = devices_.documents->read();
    return arrived_.has_value();
  } catch (const devices::DeviceFault& fault) {
    arrived_fault_ = fault;  // someone is there; read_document refers them with the fault
    return true;
  }
}

DocumentReading DeviceLane::read_document(Role role) {
  std::optional<devices::ChipRecord> chip;
  if (role == Role::traveller) {
    if (arrived_fault_) throw DeviceFailure(Device::document_reader, *arrived_fault_);
    chip = arrived_;
  } else if (devices_.documents) {
    chip = on_device(Device::document_reader, [&] { return devices_.documents->read(); });
  }
  if (!chip) return {std::nullopt, role == Role::traveller ? "no document" : "no guardian document presented"};
  records_.put(chip->holder);
  return {DocumentInfo{chip->holder.id, chip->presented().number}, ""};
}

cv::Mat DeviceLane::capture_frame() {
  try {
    return devices_.camera->read().image;
  } catch (const devices::DeviceFault& fault) {
    camera_ended_ = camera_ended_ || fault.kind() == devices::FaultKind::end_of_stream;
    throw DeviceFailure(Device::camera, fault);
  }
}

FingerprintOutcome DeviceLane::capture_fingerprint(const std::string& holder_id) {
  if (!devices_.fingerprint)  // as if unplugged
    throw DeviceFailure(Device::fingerprint_reader, devices::FaultKind::disconnected, "this lane has no fingerprint reader");
  const auto reading = on_device(Device::fingerprint_reader, [&] { return devices_.fingerprint->verify(holder_id); });
  switch (reading.status) {
    case devices::FingerprintStatus::matched: return FingerprintOutcome::matched;
    case devices::FingerprintStatus::not_matched: return FingerprintOutcome::not_matched;
    case devices::FingerprintStatus::no_finger:
    case devices::FingerprintStatus::poor_capture: return FingerprintOutcome::poor_capture;
  }
  return FingerprintOutcome::poor_capture;
}

void DeviceLane::open_barrier() {
  on_device(Device::barrier, [&] { devices_.barrier->open(); });
}

std::optional<int> DeviceLane::await_passage() {
  if (devices_.passage)
    return on_device(Device::passage_sensor, [&] { return devices_.passage->await_clear(); });
  if (devices_.camera_watches_passage) return std::nullopt;
  return 1;
}

void DeviceLane::close_barrier() {
  on_device(Device::barrier, [&] { devices_.barrier->close(); });
}

void DeviceLane::show(Signal signal) {
  on_device(Device::indicator, [&] { devices_.indicator->show(to_string(signal)); });
}

void DeviceLane::alarm(const std::string& what) {
  on_device(Device::indicator, [&] { devices_.indicator->alarm(what); });
}

PolicyServices::PolicyServices(LanePolicy lane, const EnrolmentStore& store, const TravellerRecords& records)
    : PolicyServices(lane, store, records, std::make_shared<const biometrics::Gallery>(store.load_gallery())) {}

PolicyServices::PolicyServices(LanePolicy lane, const EnrolmentStore& store, const TravellerRecords& records,
                               std::shared_ptr<const biometrics::Gallery> gallery)
    : lane_(lane), store_(store), records_(records), gallery_(std::move(gallery)) {
  assert(gallery_);
}

PolicyChecked PolicyServices::check_policy(const CheckPolicy& request) {
  PolicyChecked verdict;
  auto refuse = [&](ReasonCode code, const std::string& detail) {
    verdict.reasons.push_back({code, detail});
    return verdict;
  };
  std::optional<models::Traveller> traveller = records_.find(request.holder_id);
  if (!traveller) {
    const auto holder = store_.holder(request.holder_id);
    if (!holder || holder->record.empty())
      return refuse(ReasonCode::policy_no_record, "no traveller record for " + request.holder_id + " in " + store_.file().string());
    traveller = models::parse_traveller(holder->record, store_.file().string() + ": traveller record of " + holder->id);
  }
  if (lane_.date < traveller->birth_date)
    return refuse(ReasonCode::policy_birth_date, "the record of " + traveller->id + " gives a birth date after " + models::to_iso(lane_.date));
  models::Crossing crossing;
  crossing.traveller = *traveller;
  crossing.port = lane_.port;
  crossing.date = lane_.date;
  crossing.direction = lane_.direction;
  crossing.channel = lane_.channel == Channel::document ? models::Channel::smart : models::Channel::document_free;
  // The lane's guardian step pairs the guardian in person, with their own policy check.
  const models::Eligibility eligibility = evaluate(*lane_.policy, crossing, GuardianPairing::at_gate);
  for (const auto& r : eligibility.reasons) verdict.reasons.push_back(Reason::policy(r.clause, r.message));
  verdict.eligible = verdict.reasons.empty();
  verdict.guardian_required = eligibility.guardian_required;
  if (eligibility.guardian_id) verdict.guardian_ids.push_back(*eligibility.guardian_id);
  return verdict;
}

std::vector<biometrics::FaceDescriptor> PolicyServices::enrolled_faces(const std::string& holder_id) {
  return store_.templates(holder_id);
}

IdentificationDone PolicyServices::identify(const Identify& query, const biometrics::FaceDescriptor& probe) {
  IdentificationDone done;
  const auto nearest = gallery_->identify(probe, query.threshold, query.margin,
                                          [this](const std::string& holder) { return store_.templates(holder); });
  if (!nearest.empty()) done.best = Candidate{nearest[0].holder_id, nearest[0].distance};
  if (nearest.size() > 1) done.second = Candidate{nearest[1].holder_id, nearest[1].distance};
  return done;
}

}  // namespace gatesim::gate
