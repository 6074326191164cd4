#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "devices/barrier.hpp"
#include "devices/document_reader.hpp"
#include "devices/fingerprint_reader.hpp"
#include "devices/indicator.hpp"
#include "models/input_error.hpp"
#include "tests/support/traveller_records.hpp"

namespace gatesim::devices {
namespace {

using gatesim::testing::hong_kong_resident_text;

using namespace std::chrono_literals;
using std::chrono::day;
using std::chrono::month;
using std::chrono::year;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

TEST(SimulatedFingerprintReader, PlaysItsScriptInVirtualTime) {
  VirtualClock clock;
  auto reader = open_fingerprint_reader("sim:match:0.93,nomatch:0.12@2500,nofinger,poor,timeout@5000", clock);
  auto r = reader->verify("H1");
  EXPECT_EQ(r.status, FingerprintStatus::matched);
  EXPECT_DOUBLE_EQ(r.score, 0.93);
  r = reader->verify("H1");
  EXPECT_EQ(r.status, FingerprintStatus::not_matched);
  EXPECT_EQ(clock.now(), 2500ms);
  EXPECT_EQ(reader->verify("H1").status, FingerprintStatus::no_finger);
  EXPECT_EQ(reader->verify("H1").status, FingerprintStatus::poor_capture);
  EXPECT_EQ(error_of([&] { reader->verify("H1"); }), "sim: timeout: scripted");
  EXPECT_EQ(clock.now(), 7500ms);
  EXPECT_EQ(error_of([&] { reader->verify("H1"); }), "sim: end of stream: no more scripted touches");
}

TEST(SimulatedFingerprintReader, RejectsBadScripts) {
  EXPECT_EQ(error_of([] { open_fingerprint_reader("sim:match:1.5"); }),
            "--fingerprint sim:match:1.5: touch 'match:1.5': expected match:SCORE, nomatch:SCORE, nofinger, poor, "
            "timeout or disconnect, optionally @MS");
  EXPECT_THROW(open_fingerprint_reader("sim:nofinger@soon"), models::InputError);
  EXPECT_THROW(open_fingerprint_reader("sim:match"), models::InputError);
  EXPECT_THROW(open_fingerprint_reader("fprint:virtual-image"), models::InputError);
}

TEST(FingerprintFaults, AnInjectedDisconnectIsReportedOnceThenTheReaderAnswers) {
  VirtualClock clock;
  auto reader = open_fingerprint_reader("sim:match:0.9,match:0.8#faults=disconnect@0", clock);
  EXPECT_EQ(error_of([&] { reader->verify("H1"); }), "sim: disconnected: injected: unplugged at call 0");
  EXPECT_DOUBLE_EQ(reader->verify("H1").score, 0.9);
}

class ChipFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = std::filesystem::temp_directory_path() / ("gatesim-chips-" + std::to_string(::getpid()));
    std::filesystem::remove_all(folder_);
    std::filesystem::create_directories(folder_);
  }
  void TearDown() override { std::filesystem::remove_all(folder_); }
  std::filesystem::path folder_;
};

TEST_F(ChipFiles, ReadsTravellerRecordsLineByLine) {
  std::ofstream(folder_ / "chips.jsonl") << hong_kong_resident_text("H1", [](auto& t) {
    t["name"] = "Chan Tai Man";
    t["guardian_id"] = "G1";
  }) << "\n\n"
                                         << hong_kong_resident_text("H2") << "\n";
  auto reader = open_document_reader("chips:" + (folder_ / "chips.jsonl").string());
  const auto first = reader->read();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->holder.id, "H1");
  EXPECT_EQ(first->holder.name, "Chan Tai Man");
  EXPECT_EQ(first->holder.birth_date, year(1980) / month(1) / day(1));
  EXPECT_EQ(first->holder.residence, models::Residence::hong_kong);
  EXPECT_EQ(first->holder.guardian_id, "G1");
  EXPECT_EQ(first->presented().kind, models::DocumentKind::home_return_permit);
  EXPECT_EQ(first->presented().number, "H-H1");
  EXPECT_EQ(first->presented().valid_until, year(2030) / month(1) / day(1));
  EXPECT_EQ(reader->read()->holder.id, "H2");
  EXPECT_FALSE(reader->read());
}

TEST_F(ChipFiles, ABadLineOfAChipsFileIsBadInputNamingFileLineAndField) {
  const auto file = folder_ / "chips.jsonl";
  std::ofstream(file) << hong_kong_resident_text("H1") << "\n" << R"({"id": "H2", "birth_date": "2001-02-30"})" << "\n";
  EXPECT_EQ(error_of([&] { open_document_reader("chips:" + file.string()); }),
            file.string() + ":2: birth_date: expected a date YYYY-MM-DD, got \"2001-02-30\"");
}

TEST_F(ChipFiles, EachBadRecordNamesTheField) {
  auto message = [](const std::string& json) { return error_of([&] { parse_chip_record(json, "chip"); }); };
  EXPECT_EQ(message("[1]"), "chip: (traveller): expected an object, got [1]");
  EXPECT_NE(message("{").find("chip: not valid JSON"), std::string::npos);
  EXPECT_EQ(message(R"({"birth_date": "2001-02-03"})"), "chip: id: missing");
  EXPECT_EQ(message(hong_kong_resident_text("H", [](auto& t) { t["name"] = 3; })), "chip: name: expected a non-empty string, got 3");
  EXPECT_EQ(message(R"({"id": "H", "birth_date": "2001-02-03", "residence": "hong_kong", "nationality": "CHN",
                       "civil_capacity": "full", "consent": true, "documents": []})"),
            "chip: documents: expected at least one document (the first is the one presented), got []");
  EXPECT_EQ(message(R"({"id": "H", "birth_date": "2001-02-03", "residence": "hong_kong", "nationality": "CHN",
                       "civil_capacity": "full", "consent": true, "documents": [{"kind": "pr_id_card"}]})"),
            "chip: documents[0].kind: expected a travel document (eep, home_return_permit, mtp, passport) presented "
            "first, got pr_id_card");
  EXPECT_EQ(message(R"({"id": "H", "birth_date": "2001-02-03", "residence": "mainland", "nationality": "CHN",
                       "civil_capacity": "full", "consent": true, "documents": [{"kind": "eep", "number": "E1",
                       "valid_until": "2030-01-01", "endorsements": [{"destination": "HKG", "kind": "visit"}]}]})"),
            "chip: documents[0].endorsements[0].kind: expected one of stay, family_visit, business, talent, other, "
            "individual_tourism, group_tourism, got \"visit\"");
  EXPECT_EQ(error_of([] { open_document_reader("chips:/no/such.jsonl"); }),
            "--documents chips:/no/such.jsonl: cannot read the chip records file");
  EXPECT_THROW(open_document_reader("mrz:x"), models::InputError);
}

TEST_F(ChipFiles, AFolderReaderTakesFilesDroppedInNameOrderAndACorruptOneIsADeviceFault) {
  auto reader = open_document_reader("chip-dir:" + folder_.string());
  EXPECT_FALSE(reader->read());
  std::ofstream(folder_ / "3.json") << hong_kong_resident_text("C");
  std::ofstream(folder_ / "2.json") << R"({"id": "B"})";
  std::ofstream(folder_ / "1.json") << hong_kong_resident_text("A");
  EXPECT_EQ(reader->read()->holder.id, "A");
  try {
    reader->read();
    ADD_FAILURE() << "a corrupt chip was read";
  } catch (const DeviceFault& fault) {
    EXPECT_EQ(fault.kind(), FaultKind::corrupt);
    EXPECT_NE(std::string(fault.what()).find("2.json: birth_date: missing"), std::string::npos) << fault.what();
  }
  EXPECT_EQ(reader->read()->holder.id, "C");  // the lane goes on after a corrupt chip
  EXPECT_FALSE(reader->read());
}

TEST(ConsoleDevices, PrintOneLinePerChange) {
  std::ostringstream out;
  ConsoleBarrier barrier(out);
  ConsoleIndicator indicator(out);
  indicator.show("look at the camera");
  barrier.open();
  EXPECT_TRUE(barrier.is_open());
  barrier.close();
  indicator.alarm("two faces");
  EXPECT_EQ(out.str(), "indicator: look at the camera\nbarrier: open\nbarrier: closed\nALARM: two faces\n");
}

}  // namespace
}  // namespace gatesim::devices
