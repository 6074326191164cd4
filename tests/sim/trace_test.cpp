#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "models/input_error.hpp"
#include "sim/port_model.hpp"
#include "sim/report.hpp"
#include "sim/trace.hpp"

namespace gatesim::sim {
namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("gatesim-trace-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(path) << text;
  return path.string();
}

std::string error_of(const std::string& path) {
  try {
    TraceReader reader(path, 0);
  } catch (const models::InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Trace, CsvRowsBecomePartiesInTimeOrder) {
  const auto path = write_temp("ok.csv",
                               "time,party,age,residence,document,endorsement,consent\n"
                               "1.5,,40,mainland,eep,business,true\n"
                               "\n"
                               "3,f1,9,hk_macao,,,\n"
                               "3,f1,41,hk_macao,,,\n"
                               "00:00:07,,30,mainland,eep,individual_tourism,true\n");
  TraceReader reader(path, 0);
  auto a = reader.next();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->time, seconds(1.5));
  EXPECT_EQ(a->party.members[0].document, models::DocumentKind::eep);
  EXPECT_EQ(a->party.members[0].endorsement, models::EndorsementKind::business);
  auto family = reader.next();
  ASSERT_TRUE(family);
  EXPECT_EQ(family->party.size, 2);
  EXPECT_EQ(family->party.members[0].age, 41);  // the adult leads as guardian
  auto tourist = reader.next();
  ASSERT_TRUE(tourist);
  EXPECT_EQ(tourist->time, seconds(7));
  EXPECT_EQ(tourist->party.members[0].document, models::DocumentKind::eep);
  EXPECT_EQ(tourist->party.members[0].endorsement, models::EndorsementKind::individual_tourism);
  EXPECT_FALSE(reader.next());
  EXPECT_EQ(reader.rows(), 4u);
}

TEST(Trace, JsonLinesAreReadToo) {
  const auto path = write_temp("ok.jsonl",
                               "{\"time\": 2, \"age\": 70, \"residence\": \"taiwan\", \"document\": \"mtp_one_time\"}\n"
                               "{\"time\": \"00:01\", \"residence\": \"foreign\", \"impostor\": true}\n");
  TraceReader reader(path, 0);
  auto a = reader.next();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->party.members[0].document, models::DocumentKind::mtp);
  EXPECT_EQ(a->party.members[0].mtp, models::MtpValidity::one_time);
  auto b = reader.next();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->time, seconds(60));
  EXPECT_TRUE(b->party.members[0].impostor);
  EXPECT_EQ(b->party.members[0].document, models::DocumentKind::passport);
}

TEST(Trace, MalformedRowsAreReportedByLineNumber) {
  const auto path = write_temp("bad.csv",
                               "time,age,residence\n"
                               "1,30,mainland\n"
                               "2,abc,mainland\n"
                               "3,30,mars\n"
                               "0.5,30,mainland\n"
                               "4,30\n");
  const std::string e = error_of(path);
  EXPECT_NE(e.find("bad.csv:3: column 'age': expected whole years 0..130, got 'abc'"), std::string::npos) << e;
  EXPECT_NE(e.find("bad.csv:4: column 'residence'"), std::string::npos) << e;
  EXPECT_NE(e.find("bad.csv:5: time goes backwards"), std::string::npos) << e;
  EXPECT_NE(e.find("bad.csv:6: expected 3 values"), std::string::npos) << e;
  EXPECT_EQ(e.find("bad.csv:2:"), std::string::npos) << e;

  EXPECT_NE(error_of(write_temp("nohdr.csv", "age\n30\n")).find("nohdr.csv:1: header has no 'time' column"), std::string::npos);
  EXPECT_NE(error_of(write_temp("bad.jsonl", "{\"time\": 1}\n[1,2]\n{\"time\": 2, \"colour\": \"red\"}\n")).find("bad.jsonl:2: not a JSON object"),
            std::string::npos);
  EXPECT_NE(error_of(write_temp("bad2.jsonl", "{\"time\": 2, \"colour\": \"red\"}\n")).find("bad2.jsonl:1: unknown column 'colour'"),
            std::string::npos);
  EXPECT_NE(error_of("/nonexistent/trace.csv").find("cannot open"), std::string::npos);
}

// Routing is the policy engine's (gate::evaluate): its clause codes become the referral reasons.
TEST(Trace, ReplayedTravellersAreRoutedByThePolicyEngine) {
  const auto path = write_temp("route.csv",
                               "time,party,age,residence,document,endorsement,entries,expired,consent,limited_capacity\n"
                               "0,,40,hk_macao,,,,,true,\n"
                               "10,,10,hk_macao,,,,,true,\n"
                               "20,,40,mainland,eep,group_tourism,,,true,\n"
                               "30,,40,hk_macao,,,,,false,\n"
                               "40,,40,mainland,eep,business,single,,true,\n"
                               "50,,40,hk_macao,,,,true,true,\n"
                               "60,,40,taiwan,mtp_one_time,,,,true,\n"
                               "70,,40,foreign,,,,,true,\n"
                               "80,,30,hk_macao,,,,,true,true\n"
                               "90,w,30,hk_macao,,,,,true,true\n"
                               "90,w,55,hk_macao,,,,,true,\n"
                               "100,x,30,hk_macao,,,,,true,true\n"
                               "100,x,55,mainland,eep,individual_tourism,,,true,\n");
  Scenario s = parse_scenario("name: replay\nport: luohu\nduration_hours: 1\nbiometrics: {enabled: false}\n", "replay.yaml",
                              {"arrivals.trace=" + path});
  std::ostringstream travellers;
  RunOptions options;
  options.travellers = &travellers;
  const SimResult r = run_simulation(s, options);
  EXPECT_EQ(r.travellers, 13u);
  // The adult at 0 s and the ward with an eligible guardian (and the guardian) pass the gates.
  EXPECT_EQ(r.cleared_at_gate, 3u);
  EXPECT_EQ(r.cleared_at_counter, 10u);
  EXPECT_EQ(r.referrals.at("M3.age"), 1u);
  EXPECT_EQ(r.referrals.at("M3.endorsement"), 3u);  // tourism, single entry, the guardian's tourism
  EXPECT_EQ(r.referrals.at("M3.consent"), 1u);
  EXPECT_EQ(r.referrals.at("M3.document"), 3u);     // expired, one-time MTP, foreigner
  EXPECT_EQ(r.referrals.at("M3.guardian"), 2u);     // alone; with a guardian who may not use the channel
  EXPECT_EQ(r.referrals.count("party.member_referred"), 0u);
  const std::string out = travellers.str();
  EXPECT_NE(out.find("\"reasons\":[\"M3.age\"]"), std::string::npos);
  EXPECT_NE(out.find("\"document\":\"mtp\",\"mtp\":\"one_time\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"document_expired\":true"), std::string::npos);
}

TEST(Trace, EmptyTraceGivesAnEmptyValidReport) {
  const auto path = write_temp("empty.csv", "time,age\n");
  Scenario s = parse_scenario("name: empty\nport: luohu\nduration_hours: 1\n", "empty.yaml", {"arrivals.trace=" + path});
  const SimResult r = run_simulation(s, RunOptions{});
  EXPECT_EQ(r.travellers, 0u);
  const auto summary = summary_json(r);
  EXPECT_EQ(summary["travellers"], 0);
  EXPECT_EQ(summary["within_5_min"], 0.0);
  EXPECT_NE(report_html(r, summary).find("</html>"), std::string::npos);
}

}  // namespace
}  // namespace gatesim::sim
