// The rule engine, one table per clause: each row changes the passing traveller of
// policy_test_support.hpp in one way and names the clauses that must fail (none: eligible).
#include "gate/policy_engine.hpp"

#include <functional>

#include <gtest/gtest.h>

#include "tests/gate/policy_test_support.hpp"

namespace gatesim::gate {
namespace {

using namespace models;
using testing::day;
using testing::endorsement;
using testing::mainland_adult;
using testing::shipped_policy;
using testing::smart_crossing;

struct Row {
  const char* name;
  std::function<void(Crossing&)> change;
  std::vector<std::string> failed;  // clauses, in order; empty: eligible
};

std::vector<std::string> clauses(const Eligibility& e) {
  std::vector<std::string> out;
  for (const auto& r : e.reasons) out.push_back(r.clause);
  return out;
}

void run_table(const std::vector<Row>& rows, const std::function<Crossing()>& base = [] { return smart_crossing(mainland_adult()); }) {
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    Crossing c = base();
    row.change(c);
    const auto e = evaluate(shipped_policy(), c);
    EXPECT_EQ(clauses(e), row.failed);
    EXPECT_EQ(e.eligible, row.failed.empty());
    for (const auto& r : e.reasons) EXPECT_FALSE(r.message.empty());
  }
}

TEST(Policy, M3_age) {
  run_table({
      {"14th birthday itself", [](Crossing& c) { c.traveller.birth_date = day("2011-11-06"); }, {}},
      {"day before 14th birthday", [](Crossing& c) { c.traveller.birth_date = day("2011-11-07"); }, {"M3.age"}},
      {"29 Feb birthday, 28 Feb of a common year: still 13",
       [](Crossing& c) { c.traveller.birth_date = day("2012-02-29"); c.date = day("2026-02-28"); }, {"M3.age"}},
      {"29 Feb birthday, 1 Mar of a common year: 14",
       [](Crossing& c) { c.traveller.birth_date = day("2012-02-29"); c.date = day("2026-03-01"); }, {}},
      {"newborn", [](Crossing& c) { c.traveller.birth_date = c.date; }, {"M3.age"}},
  });
}

TEST(Policy, M3_document) {
  run_table({
      {"EEP valid through the day of travel", [](Crossing& c) { c.traveller.documents[0].valid_until = day("2025-11-06"); }, {}},
      {"EEP expired the day before", [](Crossing& c) { c.traveller.documents[0].valid_until = day("2025-11-05"); }, {"M3.document"}},
      {"mainland resident with a passport only",
       [](Crossing& c) { c.traveller.documents = {{DocumentKind::passport, "E1", day("2030-01-01"), {}, {}}}; }, {"M3.document"}},
      {"HK resident with a Home Return Permit",
       [](Crossing& c) { c.traveller.residence = Residence::hong_kong; c.traveller.documents = {{DocumentKind::home_return_permit, "H1", day("2030-01-01"), {}, {}}}; }, {}},
      {"non-Chinese HK resident with a Home Return Permit",
       [](Crossing& c) { c.traveller.residence = Residence::hong_kong; c.traveller.nationality = "GBR"; c.traveller.documents = {{DocumentKind::home_return_permit, "H2", day("2030-01-01"), {}, {}}}; }, {}},
      {"Macao resident whose permit expired",
       [](Crossing& c) { c.traveller.residence = Residence::macao; c.traveller.documents = {{DocumentKind::home_return_permit, "M1", day("2025-01-01"), {}, {}}}; }, {"M3.document"}},
      {"Taiwan resident, 5-year MTP",
       [](Crossing& c) { c.traveller.residence = Residence::taiwan; c.traveller.documents = {{DocumentKind::mtp, "T1", day("2029-01-01"), {}, MtpValidity::five_year}}; }, {}},
      {"Taiwan resident, one-time MTP",
       [](Crossing& c) { c.traveller.residence = Residence::taiwan; c.traveller.documents = {{DocumentKind::mtp, "T2", day("2025-12-01"), {}, MtpValidity::one_time}}; }, {"M3.document"}},
      {"foreign resident with a passport",
       [](Crossing& c) { c.traveller.residence = Residence::foreign; c.traveller.nationality = "FRA"; c.traveller.documents = {{DocumentKind::passport, "P1", day("2030-01-01"), {}, {}}}; }, {"M3.document"}},
  });
}

TEST(Policy, M3_endorsement) {
  auto with = [](Endorsement e) { return [e](Crossing& c) { c.traveller.documents[0].endorsements = {e}; }; };
  run_table({
      {"stay", with(endorsement(EndorsementKind::stay)), {}},
      {"business", with(endorsement(EndorsementKind::business)), {}},
      {"talent", with(endorsement(EndorsementKind::talent)), {}},
      {"other", with(endorsement(EndorsementKind::other)), {}},
      {"individual tourism", with(endorsement(EndorsementKind::individual_tourism)), {"M3.endorsement"}},
      {"group tourism", with(endorsement(EndorsementKind::group_tourism)), {"M3.endorsement"}},
      {"single entry", with(endorsement(EndorsementKind::family_visit, Entries::single)), {"M3.endorsement"}},
      {"double entry", with(endorsement(EndorsementKind::business, Entries::twice)), {"M3.endorsement"}},
      {"expires on the day of travel", with(endorsement(EndorsementKind::stay, Entries::multiple, "2025-01-01", "2025-11-06")), {}},
      {"expired the day before", with(endorsement(EndorsementKind::stay, Entries::multiple, "2025-01-01", "2025-11-05")), {"M3.endorsement"}},
      {"valid from the day of travel", with(endorsement(EndorsementKind::stay, Entries::multiple, "2025-11-06", "2026-11-06")), {}},
      {"valid from the day after", with(endorsement(EndorsementKind::stay, Entries::multiple, "2025-11-07", "2026-11-06")), {"M3.endorsement"}},
      {"no endorsement", [](Crossing& c) { c.traveller.documents[0].endorsements.clear(); }, {"M3.endorsement"}},
      {"Macao endorsement for a Hong Kong trip",
       [](Crossing& c) { c.traveller.documents[0].endorsements[0].destination = Destination::macao; c.destination = Destination::hong_kong; }, {"M3.endorsement"}},
      {"a tourism and an eligible endorsement",
       [](Crossing& c) { c.traveller.documents[0].endorsements.insert(c.traveller.documents[0].endorsements.begin(), endorsement(EndorsementKind::individual_tourism)); }, {}},
  });
}

TEST(Policy, M3_consent) {
  run_table({{"no consent", [](Crossing& c) { c.traveller.biometric_consent = false; }, {"M3.consent"}}});
}

TEST(Policy, M3_guardian) {
  auto ward = [](CivilCapacity capacity, bool guardian_in_group, bool guardian_consents = true) {
    return [=](Crossing& c) {
      c.traveller.civil_capacity = capacity;
      c.traveller.guardian_id = "G1";
      if (guardian_in_group) {
        auto g = mainland_adult("G1");
        g.biometric_consent = guardian_consents;
        c.group.push_back(g);
      }
    };
  };
  run_table({
      {"limited capacity with guardian in group", ward(CivilCapacity::limited, true), {}},
      {"limited capacity without guardian in group", ward(CivilCapacity::limited, false), {"M3.guardian"}},
      {"no capacity with guardian in group", ward(CivilCapacity::none, true), {}},
      {"guardian who cannot use the channel", ward(CivilCapacity::limited, true, false), {"M3.guardian"}},
      {"limited capacity, no guardian on record", [](Crossing& c) { c.traveller.civil_capacity = CivilCapacity::limited; }, {"M3.guardian"}},
  });
  Crossing c = smart_crossing(mainland_adult());
  ward(CivilCapacity::limited, true)(c);
  const auto e = evaluate(shipped_policy(), c);
  EXPECT_TRUE(e.guardian_required);
  EXPECT_EQ(e.guardian_id, "G1");
}

// A live lane pairs the guardian at the gate: a guardian on record is enough here, and one is
// still required.
TEST(Policy, M3_guardian_paired_at_the_gate) {
  Crossing c = smart_crossing(mainland_adult());
  c.traveller.civil_capacity = CivilCapacity::limited;
  c.traveller.guardian_id = "G1";
  const auto paired = evaluate(shipped_policy(), c, GuardianPairing::at_gate);
  EXPECT_TRUE(paired.eligible);
  EXPECT_TRUE(paired.guardian_required);
  EXPECT_EQ(paired.guardian_id, "G1");
  EXPECT_EQ(clauses(evaluate(shipped_policy(), c)), std::vector<std::string>{"M3.guardian"});  // in_group: not there
  c.traveller.guardian_id.reset();
  EXPECT_EQ(clauses(evaluate(shipped_policy(), c, GuardianPairing::at_gate)), std::vector<std::string>{"M3.guardian"});
}

TEST(Policy, M3_port) {
  run_table({
      {"Luohu the day before the effective date", [](Crossing& c) { c.date = day("2025-11-04"); }, {"M3.port"}},
      {"Luohu on the effective date", [](Crossing& c) { c.date = day("2025-11-05"); }, {}},
      {"Shenzhen Bay before 2025-11-05", [](Crossing& c) { c.port = shipped_policy().find_port("shenzhen-bay"); c.date = day("2025-06-01"); }, {}},
      {"a port without a smart channel", [](Crossing& c) { c.port = shipped_policy().find_port("beijing-capital-airport"); }, {"M3.port"}},
  });
}

TEST(Policy, DF) {
  auto hk = [] {
    auto t = mainland_adult();
    t.residence = Residence::hong_kong;
    t.documents = {{DocumentKind::home_return_permit, "H1", day("2030-01-01"), {}, {}}};
    auto c = smart_crossing(t, "2025-11-06", "shenzhen-bay");
    c.channel = Channel::document_free;
    return c;
  };
  run_table({
      {"HK resident at Shenzhen Bay", [](Crossing&) {}, {}},
      {"HK resident at Gongbei", [](Crossing& c) { c.port = shipped_policy().find_port("gongbei"); }, {}},
      {"HK resident at Luohu", [](Crossing& c) { c.port = shipped_policy().find_port("luohu"); }, {"DF.port"}},
      {"the day before the start", [](Crossing& c) { c.date = day("2024-11-19"); }, {"DF.port"}},
      {"the start date", [](Crossing& c) { c.date = day("2024-11-20"); }, {}},
      {"mainland resident", [](Crossing& c) { c.traveller = mainland_adult(); }, {"DF.residence"}},
      {"Taiwan resident", [](Crossing& c) { c.traveller.residence = Residence::taiwan; }, {"DF.residence"}},
  }, hk);
}

Crossing transit(const char* channel, const char* port, const char* nationality, const char* arrival, const char* departure) {
  auto t = mainland_adult();
  t.residence = Residence::foreign;
  t.nationality = nationality;
  t.documents = {{DocumentKind::passport, "P1", day("2030-01-01"), {}, {}}};
  auto c = smart_crossing(t, "2025-11-10", port);
  c.channel = *parse_channel(channel);
  c.direction = Direction::entry;
  Itinerary it;
  it.origin = "KOR";
  it.onward = "JPN";
  it.arrival = LocalTime{day(arrival), 10 * 60};
  it.departure = LocalTime{day(departure), 10 * 60};
  c.itinerary = it;
  return c;
}

TEST(Policy, M6) {
  auto base = [] { return transit("transit-240h", "shanghai-pudong-airport", "FRA", "2025-11-10", "2025-11-20"); };
  run_table({
      {"France, 240 h exactly", [](Crossing&) {}, {}},
      {"one minute over 240 h", [](Crossing& c) { c.itinerary->departure->minute_of_day += 1; }, {"M6.duration"}},
      {"not an M6 country", [](Crossing& c) { c.traveller.nationality = "IND"; }, {"M6.country"}},
      {"Indonesia before it joined", [](Crossing& c) { c.traveller.nationality = "IDN"; c.date = day("2025-06-11"); c.itinerary->arrival->date = c.date; c.itinerary->departure->date = day("2025-06-15"); }, {"M6.country"}},
      {"Indonesia after it joined", [](Crossing& c) { c.traveller.nationality = "IDN"; }, {}},
      {"onward back to the origin", [](Crossing& c) { c.itinerary->onward = "KOR"; }, {"M6.onward"}},
      {"Hengqin the day before it was added", [](Crossing& c) { c.port = shipped_policy().find_port("hengqin"); c.date = day("2025-11-04"); }, {"M6.port"}},
      {"Hengqin on the day it was added", [](Crossing& c) { c.port = shipped_policy().find_port("hengqin"); c.date = day("2025-11-05"); }, {}},
      {"a port outside the list", [](Crossing& c) { c.port = shipped_policy().find_port("luohu"); }, {"M6.port"}},
      {"no passport", [](Crossing& c) { c.traveller.documents.clear(); }, {"M6.document"}},
      {"no itinerary", [](Crossing& c) { c.itinerary.reset(); }, {"M6.itinerary"}},
      {"exit", [](Crossing& c) { c.direction = Direction::exit; }, {"M6.direction"}},
  }, base);
}

TEST(Policy, M5) {
  auto base = [] { return transit("transit-24h", "kunming-changshui-airport", "IND", "2025-11-10", "2025-11-11"); };
  run_table({
      {"24 h exactly", [](Crossing&) {}, {}},
      {"over 24 h", [](Crossing& c) { c.itinerary->departure->minute_of_day += 1; }, {"M5.duration"}},
      {"leaves the airport", [](Crossing& c) { c.itinerary->leaves_airport = true; }, {"M5.airside"}},
      {"before the airport was added", [](Crossing& c) { c.date = day("2025-11-04"); }, {"M5.port"}},
      {"back to the origin", [](Crossing& c) { c.itinerary->onward = "KOR"; }, {"M5.onward"}},
  }, base);
}

TEST(Policy, M1_stay_limit) {
  auto talent = [](const char* from, const char* until) {
    return [=](Crossing& c) {
      c.traveller.documents[0].endorsements = {endorsement(EndorsementKind::talent)};
      c.stay_from = day(from);
      c.stay_until = day(until);
    };
  };
  run_table({
      {"30 days", talent("2025-11-06", "2025-12-06"), {}},
      {"31 days", talent("2025-11-06", "2025-12-07"), {"M1.stay_limit"}},
  });
}

TEST(Policy, M10_arrival_card) {
  auto entering = [](Crossing& c) {
    c.direction = Direction::entry;
    c.date = day("2025-11-20");
    c.traveller.residence = Residence::foreign;
    c.traveller.nationality = "FRA";
    c.channel = Channel::manual;
    c.traveller.documents = {{DocumentKind::passport, "P1", day("2030-01-01"), {}, {}}};
  };
  struct CardRow {
    const char* name;
    std::function<void(Crossing&)> change;
    std::optional<ArrivalCardExemption> exemption;  // nullopt: card required
  };
  const std::vector<CardRow> rows = {
      {"plain foreign visitor", [](Crossing&) {}, std::nullopt},
      {"before M10", [](Crossing& c) { c.date = day("2025-11-19"); c.flags.group_visa = true; }, std::nullopt},
      {"permanent residence ID", [](Crossing& c) { c.traveller.documents.push_back({DocumentKind::pr_id_card, "", std::nullopt, {}, {}}); }, ArrivalCardExemption::permanent_residence_id},
      {"non-Chinese HK resident with permit", [](Crossing& c) { c.traveller.residence = Residence::hong_kong; c.traveller.documents = {{DocumentKind::home_return_permit, "H1", day("2030-01-01"), {}, {}}}; }, ArrivalCardExemption::hk_macao_permit_non_chinese},
      {"smart channel entrant", [](Crossing& c) { c.traveller.residence = Residence::hong_kong; c.traveller.documents = {{DocumentKind::home_return_permit, "H1", day("2030-01-01"), {}, {}}}; c.channel = Channel::smart; }, ArrivalCardExemption::hk_macao_permit_non_chinese},
      {"group visa", [](Crossing& c) { c.flags.group_visa = true; }, ArrivalCardExemption::group_visa},
      {"cruise, same ship", [](Crossing& c) { c.flags.cruise_same_ship = true; }, ArrivalCardExemption::cruise_same_ship},
      {"crew", [](Crossing& c) { c.flags.vehicle_crew = true; }, ArrivalCardExemption::vehicle_crew},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    Crossing c = smart_crossing(mainland_adult());
    entering(c);
    row.change(c);
    const auto e = evaluate(shipped_policy(), c);
    ASSERT_TRUE(e.arrival_card.has_value());
    EXPECT_EQ(e.arrival_card->required, !row.exemption.has_value());
    EXPECT_EQ(e.arrival_card->exemption, row.exemption);
  }
  auto direct = transit("transit-24h", "kunming-changshui-airport", "IND", "2025-11-20", "2025-11-21");
  direct.date = day("2025-11-20");
  EXPECT_EQ(evaluate(shipped_policy(), direct).arrival_card->exemption, ArrivalCardExemption::direct_transit_24h);
  EXPECT_FALSE(evaluate(shipped_policy(), smart_crossing(mainland_adult())).arrival_card.has_value());
}

TEST(Policy, M8_renewal_window) {
  const std::set<CivilDate> none;
  // Stay ends Friday 2025-12-05: 7 working days back are Nov 27..Dec 5, so the last day is Nov 26.
  EXPECT_EQ(latest_renewal_day(shipped_policy(), day("2025-12-05"), none), day("2025-11-26"));
  // Ends on Sunday 2025-12-07: the weekend does not count.
  EXPECT_EQ(latest_renewal_day(shipped_policy(), day("2025-12-07"), none), day("2025-11-26"));
  // A holiday inside the window moves the last day one working day earlier.
  EXPECT_EQ(latest_renewal_day(shipped_policy(), day("2025-12-05"), {day("2025-12-01")}), day("2025-11-25"));
  const auto t = mainland_adult();
  EXPECT_TRUE(check_renewal(shipped_policy(), t, day("2025-11-26"), day("2025-12-05"), none).empty());
  const auto late = check_renewal(shipped_policy(), t, day("2025-11-27"), day("2025-12-05"), none);
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].clause, "M8.window");
  EXPECT_EQ(check_renewal(shipped_policy(), t, day("2025-11-19"), day("2025-12-31"), none).at(0).clause, "M8.date");
  auto business = t;
  business.documents[0].endorsements = {endorsement(EndorsementKind::business)};
  EXPECT_EQ(check_renewal(shipped_policy(), business, day("2025-11-26"), day("2025-12-31"), none).at(0).clause, "M8.endorsement");
}

TEST(Policy, manual_counter) {
  run_table({
      {"valid EEP", [](Crossing& c) { c.channel = Channel::manual; c.traveller.documents[0].endorsements.clear(); }, {}},
      {"every document expired", [](Crossing& c) { c.channel = Channel::manual; c.traveller.documents[0].valid_until = day("2020-01-01"); }, {"manual.document"}},
  });
}

// The trip's destination comes from the port when the case gives none: Luohu leads to Hong
// Kong, Gongbei to Macao, the HZMB to either (an endorsement for any of them will do), an
// airport the data gives no destination accepts any; a destination the case states wins.
TEST(Policy, M3_destination_from_the_port) {
  auto at = [](const char* port, Destination endorsed, std::optional<Destination> stated = std::nullopt) {
    Crossing c = smart_crossing(mainland_adult(), "2025-11-06", port);
    c.traveller.documents[0].endorsements[0].destination = endorsed;
    c.destination = stated;
    return clauses(evaluate(shipped_policy(), c));
  };
  const std::vector<std::string> eligible, endorsement_fails{"M3.endorsement"};
  EXPECT_EQ(at("luohu", Destination::hong_kong), eligible);
  EXPECT_EQ(at("luohu", Destination::macao), endorsement_fails);
  EXPECT_EQ(at("shenzhen-bay", Destination::macao), endorsement_fails);
  EXPECT_EQ(at("gongbei", Destination::macao), eligible);
  EXPECT_EQ(at("gongbei", Destination::hong_kong), endorsement_fails);
  EXPECT_EQ(at("hengqin", Destination::hong_kong), endorsement_fails);
  EXPECT_EQ(at("hzmb", Destination::hong_kong), eligible);
  EXPECT_EQ(at("hzmb", Destination::macao), eligible);
  EXPECT_EQ(at("hzmb", Destination::macao, Destination::hong_kong), endorsement_fails);
  EXPECT_EQ(at("shanghai-hongqiao-airport", Destination::macao), eligible);
  // A stated destination the port does not lead to is no trip that port serves.
  EXPECT_EQ(at("luohu", Destination::macao, Destination::macao), std::vector<std::string>{"M3.port"});
  EXPECT_EQ(at("gongbei", Destination::hong_kong, Destination::hong_kong), std::vector<std::string>{"M3.port"});
  EXPECT_EQ(at("hzmb", Destination::macao, Destination::macao), eligible);
  EXPECT_EQ(at("shanghai-hongqiao-airport", Destination::macao, Destination::macao), eligible);

  Crossing c = smart_crossing(mainland_adult(), "2025-11-06", "luohu");
  c.traveller.documents[0].endorsements[0].destination = Destination::macao;
  const auto e = evaluate(shipped_policy(), c);
  ASSERT_EQ(e.reasons.size(), 1u);
  EXPECT_NE(e.reasons[0].message.find("for MAC, not HKG"), std::string::npos) << e.reasons[0].message;

  c.destination = Destination::macao;
  const auto stated = evaluate(shipped_policy(), c);
  ASSERT_EQ(stated.reasons.size(), 1u);
  EXPECT_EQ(stated.reasons[0].clause, "M3.port");
  EXPECT_NE(stated.reasons[0].message.find("leads to HKG, not to the stated destination MAC"), std::string::npos)
      << stated.reasons[0].message;
}

}  // namespace
}  // namespace gatesim::gate
