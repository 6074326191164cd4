// The shipped policy data: the lists POLICY.md and POLICY-LISTS.md count, and clear errors for
// broken data files.
#include "gate/policy_data.hpp"

#include <fstream>
#include <sstream>
#include <tuple>

#include <gtest/gtest.h>

#include "gate/policy_files.hpp"
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

// The compiled form of the shipped files (gate/codegen/) is what parsing them gives, field by field.
// (The generator cannot leave a field out: gate/CMakeLists.txt.)
TEST(PolicyData, CompiledFormIsWhatTheShippedYamlSays) {
  const auto compiled = policy_files::shipped();
  const auto parsed = policy_files::parse(PolicyData::default_dir());
  ASSERT_EQ(compiled.ports.size(), parsed.ports.size());
  for (std::size_t i = 0; i < parsed.ports.size(); ++i) {
    const auto& a = compiled.ports[i];
    const auto& b = parsed.ports[i];
    SCOPED_TRACE(b.id);
    EXPECT_EQ(std::tie(a.id, a.name_en, a.name_zh, a.city, a.province, a.kind, a.destinations, a.destinations_source),
              std::tie(b.id, b.name_en, b.name_zh, b.city, b.province, b.kind, b.destinations, b.destinations_source));
    ASSERT_EQ(a.capabilities.size(), b.capabilities.size());
    for (std::size_t j = 0; j < b.capabilities.size(); ++j) {
      const auto& x = a.capabilities[j];
      const auto& y = b.capabilities[j];
      EXPECT_EQ(std::tie(x.channel, x.measure, x.from, x.until, x.confirmed, x.source),
                std::tie(y.channel, y.measure, y.from, y.until, y.confirmed, y.source)) << "capability " << j;
    }
  }
  ASSERT_EQ(compiled.countries.size(), parsed.countries.size());
  for (std::size_t i = 0; i < parsed.countries.size(); ++i) {
    const auto& a = compiled.countries[i];
    const auto& b = parsed.countries[i];
    EXPECT_EQ(std::tie(a.code, a.name_en, a.name_zh, a.region, a.from, a.confirmed),
              std::tie(b.code, b.name_en, b.name_zh, b.region, b.from, b.confirmed)) << b.code;
  }
  const auto& a = compiled.parameters;
  const auto& b = parsed.parameters;
  EXPECT_EQ(std::tie(a.smart_minimum_age, a.talent_maximum_stay_days, a.transit_24h_maximum_hours, a.transit_240h_maximum_hours,
                     a.renewal_minimum_working_days, a.renewal_from, a.arrival_card_from, a.transit_24h_list_complete,
                     a.one_time_mtp_list_complete, a.one_time_mtp_total_ports),
            std::tie(b.smart_minimum_age, b.talent_maximum_stay_days, b.transit_24h_maximum_hours, b.transit_240h_maximum_hours,
                     b.renewal_minimum_working_days, b.renewal_from, b.arrival_card_from, b.transit_24h_list_complete,
                     b.one_time_mtp_list_complete, b.one_time_mtp_total_ports));
  // The bytes it was made from are the shipped files' (the build regenerates it when they change).
  EXPECT_TRUE(policy_files::are_shipped(PolicyData::default_dir()));
}

// load() takes the compiled form only for the shipped files unchanged: an edited copy is parsed.
TEST_F(BrokenData, AnUnchangedCopyIsTheCompiledFormAnEditedOneIsParsed) {
  EXPECT_TRUE(policy_files::are_shipped(dir_));  // SetUp copied the shipped files
  std::ostringstream text;
  text << std::ifstream(dir_ / "transit_240h_countries.yaml").rdbuf();
  std::string edited = text.str();
  const std::string france = "name_en: \"France\"";
  const auto at = edited.find(france);
  ASSERT_NE(at, std::string::npos);
  write("transit_240h_countries.yaml", edited.replace(at, france.size(), "name_en: \"Frankreich\""));
  EXPECT_FALSE(policy_files::are_shipped(dir_));
  EXPECT_EQ(PolicyData::load(dir_).find_transit_240h_country("FRA")->name_en, "Frankreich");
  EXPECT_EQ(PolicyData::load(PolicyData::default_dir()).find_transit_240h_country("FRA")->name_en, "France");
  write("transit_240h_countries.yaml", text.str() + "# one more line\n");
  EXPECT_FALSE(policy_files::are_shipped(dir_));
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
