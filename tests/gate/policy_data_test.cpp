// The shipped policy data: the lists POLICY.md and POLICY-LISTS.md count, and clear errors for
// broken data files.
#include "gate/policy_data.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "models/input_error.hpp"

namespace gatesim::gate {
namespace {

using models::Channel;

std::size_t count_ports(const PolicyData& data, Channel channel) {
  std::size_t n = 0;
  for (const auto& port : data.ports()) n += port.any_capability(channel) != nullptr;
  return n;
}

TEST(PolicyData, ShippedListsHaveTheAnnouncedCounts) {
  const auto data = PolicyData::load(PolicyData::default_dir());
  EXPECT_EQ(count_ports(data, Channel::smart), 14u);          // M3: 2 before + 12 added
  EXPECT_EQ(count_ports(data, Channel::document_free), 2u);   // Shenzhen Bay, Gongbei
  EXPECT_EQ(count_ports(data, Channel::transit_240h), 65u);   // M6: 60 + 5
  EXPECT_EQ(count_ports(data, Channel::transit_24h), 10u);    // M5: the 10 named airports
  EXPECT_EQ(count_ports(data, Channel::one_time_mtp), 42u);   // M9: the 42 added ones only
  EXPECT_EQ(data.transit_240h_countries().size(), 55u);
  EXPECT_FALSE(data.parameters().one_time_mtp_list_complete);
  EXPECT_EQ(data.parameters().one_time_mtp_total_ports, 100);
  EXPECT_EQ(data.parameters().smart_minimum_age, 14);
  ASSERT_NE(data.find_port("hzmb"), nullptr);
  EXPECT_EQ(data.find_port("hzmb")->name_zh, "港珠澳大橋");
  EXPECT_EQ(data.find_port("no-such-port"), nullptr);
  ASSERT_NE(data.find_transit_240h_country("IDN"), nullptr);
  EXPECT_EQ(models::to_iso(data.find_transit_240h_country("IDN")->from), "2025-06-12");
  // ⚠ entries keep their mark: Shekou is only in secondary compilations.
  EXPECT_FALSE(data.find_port("shekou-port")->any_capability(Channel::transit_240h)->confirmed);
  EXPECT_TRUE(data.find_port("hengqin")->any_capability(Channel::transit_240h)->confirmed);
}

class BrokenData : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("gatesim-policy-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    for (const char* f : {"ports.yaml", "transit_240h_countries.yaml", "policy.yaml"})
      std::filesystem::copy_file(PolicyData::default_dir() / f, dir_ / f, std::filesystem::copy_options::overwrite_existing);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const char* file, const std::string& text) { std::ofstream(dir_ / file) << text; }
  std::string error() {
    try {
      PolicyData::load(dir_);
    } catch (const models::InputError& e) {
      return e.what();
    }
    return "(no error)";
  }
  std::filesystem::path dir_;
};

constexpr const char* kPort =
    "ports:\n"
    "  - id: a-port\n    name_en: A\n    name_zh: A\n    city: A\n    province: A\n    kind: land\n"
    "    capabilities:\n      - channel: smart\n        measure: M3\n        from: 2025-11-05\n"
    "        confirmed: true\n        source: test\n";

TEST_F(BrokenData, ImpossibleDateNamesFileLineAndField) {
  write("ports.yaml", std::string(kPort).replace(std::string(kPort).find("2025-11-05"), 10, "2025-02-30"));
  EXPECT_EQ(error(), (dir_ / "ports.yaml").string() + ":11: ports[0].capabilities[0].from: expected a date YYYY-MM-DD, got \"2025-02-30\"");
}

TEST_F(BrokenData, UnknownKindAndMissingFieldAndDuplicate) {
  std::string text = kPort;
  write("ports.yaml", text.replace(text.find("kind: land"), 10, "kind: moon"));
  EXPECT_NE(error().find(":7: ports[0].kind: expected one of land, sea, air, rail, got \"moon\""), std::string::npos) << error();
  text = kPort;
  write("ports.yaml", text.replace(text.find("    city: A\n"), 12, ""));
  EXPECT_NE(error().find("ports[0].city: missing"), std::string::npos) << error();
  write("ports.yaml", std::string(kPort) + std::string(kPort).substr(7));
  EXPECT_NE(error().find("ports[1].id: duplicate port id \"a-port\""), std::string::npos) << error();
}

TEST_F(BrokenData, NotYamlAndMissingFile) {
  write("policy.yaml", "smart_channel: [unclosed\n");
  EXPECT_NE(error().find("policy.yaml:"), std::string::npos);
  EXPECT_NE(error().find("not valid YAML"), std::string::npos) << error();
  std::filesystem::remove(dir_ / "transit_240h_countries.yaml");
  EXPECT_NE(error().find("transit_240h_countries.yaml: cannot read the file"), std::string::npos) << error();
}

TEST_F(BrokenData, HolidayCalendar) {
  write("holidays.yaml", "holidays: [2025-10-01, 2025-13-01]\n");
  try {
    load_holiday_calendar(dir_ / "holidays.yaml");
    FAIL();
  } catch (const models::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("holidays[1]: expected a date YYYY-MM-DD, got \"2025-13-01\""), std::string::npos) << e.what();
  }
  write("holidays.yaml", "holidays: [2025-10-01, 2025-10-02]\n");
  EXPECT_EQ(load_holiday_calendar(dir_ / "holidays.yaml").size(), 2u);
}

TEST(PolicyData, BoundaryPortsNameWhereTheyLead) {
  const auto data = PolicyData::load(PolicyData::default_dir());
  using models::Destination;
  for (const char* id : {"luohu", "huanggang", "futian", "liantang", "wenjindu", "shenzhen-bay"}) {
    SCOPED_TRACE(id);
    EXPECT_EQ(data.find_port(id)->destinations, std::vector<Destination>{Destination::hong_kong});
    EXPECT_FALSE(data.find_port(id)->destinations_source.empty());
  }
  for (const char* id : {"gongbei", "hengqin"})
    EXPECT_EQ(data.find_port(id)->destinations, std::vector<Destination>{Destination::macao}) << id;
  EXPECT_EQ(data.find_port("hzmb")->destinations, (std::vector<Destination>{Destination::hong_kong, Destination::macao}));
  EXPECT_TRUE(data.find_port("shanghai-hongqiao-airport")->destinations.empty());
}

TEST_F(BrokenData, DestinationsNameTheFieldAndNeedASource) {
  const std::string with = std::string(kPort) + "    destinations: [HKG, XYZ]\n    destinations_source: test\n";
  write("ports.yaml", with);
  EXPECT_NE(error().find(":14: ports[0].destinations[1]: expected HKG or MAC, got \"XYZ\""), std::string::npos) << error();
  write("ports.yaml", std::string(kPort) + "    destinations: [MAC, MAC]\n    destinations_source: test\n");
  EXPECT_NE(error().find("ports[0].destinations[1]: listed twice"), std::string::npos) << error();
  write("ports.yaml", std::string(kPort) + "    destinations: [MAC]\n");
  EXPECT_NE(error().find("ports[0].destinations_source: missing"), std::string::npos) << error();
  write("ports.yaml", std::string(kPort) + "    destinations: []\n    destinations_source: test\n");
  EXPECT_NE(error().find("ports[0].destinations: expected a list of HKG, MAC"), std::string::npos) << error();
}

}  // namespace
}  // namespace gatesim::gate
