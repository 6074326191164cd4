// The live lane's real components without the face pipeline: DeviceLane on real device backends
// (an image folder camera, chip files, the simulated fingerprint reader, console barrier and
// indicator) and PolicyServices on the shipped policy data and a real enrolment database.
#include "gate/live_lane.hpp"

#include <fstream>
#include <sstream>
#include <tuple>

#include <gtest/gtest.h>

#include "models/traveller_json.hpp"
#include "tests/gate/policy_test_support.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/scratch_folder.hpp"
#include "tests/support/synthetic_faces.hpp"
#include "tests/support/traveller_records.hpp"

namespace gatesim::gate {
namespace {

using gatesim::testing::hong_kong_resident_text;

using gatesim::testing::day;
using gatesim::testing::shipped_policy;

class LiveLaneTest : public gatesim::testing::ScratchFolderTest {
 protected:
  DeviceLane lane(const std::string& documents, const std::string& fingerprint = "") {
    copy("reference/obama.jpg", "frames/1.jpg");
    LaneDeviceSet set;
    set.camera = devices::open_camera("dir:" + (dir_ / "frames").string());
    if (!documents.empty()) set.documents = devices::open_document_reader(documents);
    if (!fingerprint.empty()) set.fingerprint = devices::open_fingerprint_reader(fingerprint);
    set.barrier = std::make_unique<devices::ConsoleBarrier>(console_);
    set.indicator = std::make_unique<devices::ConsoleIndicator>(console_);
    return DeviceLane(std::move(set), records_);
  }
  LanePolicy policy(Channel channel) const {
    return {&shipped_policy(), shipped_policy().find_port("shenzhen-bay"), day("2026-11-27"), models::Direction::exit,
            channel};
  }
  template <class Call>
  // The DeviceFailure `call` throws: device, kind and text.
  static std::tuple<Device, devices::FaultKind, std::string> failure_of(Call call) {
    try {
      call();
    } catch (const DeviceFailure& e) {
      return {e.device(), e.kind(), e.what()};
    }
    return {Device::barrier, devices::FaultKind::disconnected, "no failure"};
  }

  std::ostringstream console_;
  TravellerRecords records_;
};

TEST_F(LiveLaneTest, ReadsChipsIntoRecordsAndTurnsDeviceFaultsIntoFailuresOfTheRightDevice) {
  auto l = lane("chips:" + write("chips.jsonl", hong_kong_resident_text("H1", [](auto& t) { t["guardian_id"] = "G1"; }) + "\n" + hong_kong_resident_text("G1") + "\n").string(),
                "sim:match:0.9,nofinger,timeout");
  ASSERT_TRUE(l.next_traveller());
  const auto reading = l.read_document(Role::traveller);
  ASSERT_TRUE(reading.document);
  EXPECT_EQ(reading.document->holder_id, "H1");
  EXPECT_EQ(reading.document->document_number, "H-H1");
  EXPECT_EQ(records_.find("H1")->guardian_id, "G1");
  EXPECT_EQ(l.read_document(Role::guardian).document->holder_id, "G1");  // the guardian's is the next chip
  EXPECT_FALSE(l.capture_frame().empty());
  const auto [camera, end_kind, end] = failure_of([&] { l.capture_frame(); });
  EXPECT_EQ(camera, Device::camera);
  EXPECT_EQ(end_kind, devices::FaultKind::end_of_stream);
  EXPECT_NE(end.find("end of stream"), std::string::npos) << end;
  EXPECT_EQ(l.capture_fingerprint("H1"), FingerprintOutcome::matched);
  EXPECT_EQ(l.capture_fingerprint("H1"), FingerprintOutcome::poor_capture);  // no finger
  EXPECT_EQ(failure_of([&] { l.capture_fingerprint("H1"); }),
            std::tuple(Device::fingerprint_reader, devices::FaultKind::timeout, std::string("sim: timeout: scripted")));
  l.show(Signal::proceed);
  l.open_barrier();
  l.alarm("tailgating");
  EXPECT_EQ(console_.str(), "indicator: proceed\nbarrier: open\nALARM: tailgating\n");
  EXPECT_FALSE(l.next_traveller());  // no chip left: the run ends
  EXPECT_FALSE(records_.find("H1"));  // records belong to one transaction
}

TEST_F(LiveLaneTest, ACorruptChipRefersThatTravellerAndTheNextIsRead) {
  std::filesystem::create_directories(dir_ / "reader");
  std::ofstream(dir_ / "reader" / "1.json") << R"({"id": "H1", "birth_date": "yesterday"})";
  std::ofstream(dir_ / "reader" / "2.json") << hong_kong_resident_text("H2");
  auto l = lane("chip-dir:" + (dir_ / "reader").string());
  ASSERT_TRUE(l.next_traveller());
  const auto [device, kind, what] = failure_of([&] { l.read_document(Role::traveller); });
  EXPECT_EQ(device, Device::document_reader);
  EXPECT_EQ(kind, devices::FaultKind::corrupt) << "the reader's own kind, kept from the traveller's arrival";
  EXPECT_NE(what.find("1.json: birth_date: expected a date YYYY-MM-DD"), std::string::npos) << what;
  ASSERT_TRUE(l.next_traveller());
  EXPECT_EQ(l.read_document(Role::traveller).document->holder_id, "H2");
  EXPECT_EQ(failure_of([&] { l.capture_fingerprint("H2"); }),  // the lane has none: as if unplugged
            std::tuple(Device::fingerprint_reader, devices::FaultKind::disconnected,
                       std::string("this lane has no fingerprint reader")));
}

TEST_F(LiveLaneTest, PolicyServicesRunTheEngineOnChipAndStoredRecords) {
  const gatesim::testing::SyntheticFaces faces(9);
  EnrolmentStore store(dir_ / "enrol.db");
  store.enrol({"H1", "", "", "", "", "", hong_kong_resident_text("H1")}, {{faces.sample(1, 0), {"a.jpg", "", ""}}});
  store.enrol({"H2", "", "", "", "", "", ""}, {{faces.sample(2, 0), {"b.jpg", "", ""}}, {faces.sample(2, 1), {"c.jpg", "", ""}}});
  PolicyServices services(policy(Channel::document_free), store, records_);

  // Document-free: the stored record; a holder without one is referred.
  EXPECT_TRUE(services.check_policy({0, Role::traveller, "H1", ""}).eligible);
  const auto no_record = services.check_policy({0, Role::traveller, "H2", ""});
  EXPECT_FALSE(no_record.eligible);
  ASSERT_EQ(no_record.reasons.size(), 1u);
  EXPECT_EQ(no_record.reasons[0].name(), "policy.no_record");
  EXPECT_EQ(services.enrolled_faces("H2").size(), 2u);
  // The decision's query: the holders it ranks at their exact (float) distances, the nearest of
  // a holder's templates.
  const auto probe = faces.sample(2, 5);
  const auto found = services.identify(Identify{0, 10.0, 10.0}, probe);
  ASSERT_TRUE(found.best && found.second);
  EXPECT_EQ(found.best->holder_id, "H2");
  EXPECT_EQ(found.second->holder_id, "H1");
  EXPECT_DOUBLE_EQ(found.best->distance, std::min(biometrics::descriptor_distance(faces.sample(2, 0), probe),
                                                  biometrics::descriptor_distance(faces.sample(2, 1), probe)));
  EXPECT_DOUBLE_EQ(found.second->distance, biometrics::descriptor_distance(faces.sample(1, 0), probe));

  // A record read from a chip takes precedence; a ward is eligible with their guardian to pair.
  records_.put(models::parse_traveller(hong_kong_resident_text("H2", [](auto& t) {
    t["civil_capacity"] = "limited";
    t["guardian_id"] = "H1";
  }), "chip"));
  const auto ward = services.check_policy({0, Role::traveller, "H2", ""});
  EXPECT_TRUE(ward.eligible) << (ward.reasons.empty() ? "" : ward.reasons[0].detail);
  EXPECT_TRUE(ward.guardian_required);
  EXPECT_EQ(ward.guardian_ids, std::vector<std::string>{"H1"});
  records_.put(models::parse_traveller(hong_kong_resident_text("H3", [](auto& t) { t["civil_capacity"] = "none"; }), "chip"));
  const auto alone = services.check_policy({0, Role::traveller, "H3", ""});
  EXPECT_FALSE(alone.eligible);
  EXPECT_EQ(alone.reasons.at(0).name(), "M3.guardian");
  records_.put(models::parse_traveller(R"({"id": "H4", "birth_date": "2027-01-01", "residence": "hong_kong",
    "nationality": "CHN", "civil_capacity": "full", "consent": true, "documents": []})", "chip"));
  EXPECT_EQ(services.check_policy({0, Role::traveller, "H4", ""}).reasons.at(0).name(), "policy.birth_date");

  // The document channel is M3 (smart), the document-free one DF: a mainlander is refused only by DF.
  records_.put(models::parse_traveller(hong_kong_resident_text("H5", [](auto& t) { t["residence"] = "mainland"; }), "chip"));
  EXPECT_EQ(services.check_policy({0, Role::traveller, "H5", ""}).reasons.at(0).name(), "DF.residence");
  PolicyServices smart(policy(Channel::document), store, records_);
  EXPECT_EQ(smart.check_policy({0, Role::traveller, "H5", ""}).reasons.at(0).name(), "M3.document");
}

}  // namespace
}  // namespace gatesim::gate
