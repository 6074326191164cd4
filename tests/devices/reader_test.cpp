#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "devices/barrier.hpp"
#include "devices/document_reader.hpp"
#include "devices/fingerprint_reader.hpp"
#include "devices/indicator.hpp"
#include "models/input_error.hpp"

namespace gatesim::devices {
namespace {

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
  EXPECT_THROW(open_fingerprint_reader("libfprint:virtual-image"), models::InputError);
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

TEST_F(ChipFiles, ReadsRecordsLineByLineAndReportsACorruptChipWithItsLine) {
  std::ofstream(folder_ / "chips.jsonl")
      << R"({"holder_id": "H1", "document_kind": "HKMacaoPermit", "document_number": "C1", "date_of_birth": "2001-02-03",)"
      << R"( "valid_until": "2030-01-01", "endorsements": [{"kind": "tourism", "valid_until": "2026-12-31"}], "sex": "F"})"
      << "\n\n"
      << R"({"holder_id": "H2", "document_kind": "HKMacaoPermit", "document_number": "C2", "valid_until": "2030-02-30"})"
      << "\n"
      << R"({"holder_id": "H3", "document_kind": "HKMacaoPermit", "document_number": "C3"})" << "\n";
  auto reader = open_document_reader("chips:" + (folder_ / "chips.jsonl").string());
  const auto first = reader->read();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->holder_id, "H1");
  EXPECT_EQ(first->document_number, "C1");
  EXPECT_EQ(first->date_of_birth, year(2001) / month(2) / day(3));
  EXPECT_EQ(first->valid_until, year(2030) / month(1) / day(1));
  ASSERT_EQ(first->endorsements.size(), 1u);
  EXPECT_EQ(first->endorsements[0].at("kind"), "tourism");
  EXPECT_EQ(first->extra.at("sex"), "F");
  const std::string message = error_of([&] { reader->read(); });
  EXPECT_NE(message.find("chips.jsonl:3: field \"valid_until\": expected a date YYYY-MM-DD"), std::string::npos)
      << message;
  EXPECT_EQ(reader->read()->holder_id, "H3");  // the lane goes on after a corrupt chip
  EXPECT_FALSE(reader->read());
}

TEST_F(ChipFiles, EachBadRecordNamesTheField) {
  auto message = [](const std::string& json) { return error_of([&] { parse_chip_record(json, "chip"); }); };
  EXPECT_EQ(message("[1]"), "chip: expected a chip record object {\"holder_id\", ...}");
  EXPECT_NE(message("{").find("chip: not JSON"), std::string::npos);
  EXPECT_EQ(message(R"({"document_kind": "P", "document_number": "1"})"),
            "chip: field \"holder_id\": expected a non-empty string");
  EXPECT_EQ(message(R"({"holder_id": "H", "document_kind": "P", "document_number": "1", "name": 3})"),
            "chip: field \"name\": expected a string");
  EXPECT_EQ(message(R"({"holder_id": "H", "document_kind": "P", "document_number": "1", "endorsements": [{"valid_until": "x"}]})"),
            "chip: field \"endorsements[0].valid_until\": expected a date YYYY-MM-DD");
  EXPECT_EQ(message(R"({"holder_id": "H", "document_kind": "P", "document_number": "1", "valid_from": "2030-01-01", "valid_until": "2020-01-01"})"),
            "chip: field \"valid_until\": expected a date not before valid_from");
  EXPECT_EQ(error_of([] { open_document_reader("chips:/no/such.jsonl"); }),
            "--documents chips:/no/such.jsonl: cannot read the chip records file");
  EXPECT_THROW(open_document_reader("mrz:x"), models::InputError);
}

TEST_F(ChipFiles, AFolderReaderTakesFilesDroppedInNameOrder) {
  auto reader = open_document_reader("chip-dir:" + folder_.string());
  EXPECT_FALSE(reader->read());
  std::ofstream(folder_ / "2.json") << R"({"holder_id": "B", "document_kind": "P", "document_number": "2"})";
  std::ofstream(folder_ / "1.json") << R"({"holder_id": "A", "document_kind": "P", "document_number": "1"})";
  EXPECT_EQ(reader->read()->holder_id, "A");
  EXPECT_EQ(reader->read()->holder_id, "B");
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
