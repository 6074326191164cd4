// The population fits the scenario's port: each party's trip goes to Hong Kong or Macao by
// population.macao_trips, and its mainland residents' endorsements and its HK/Macao residents'
// residence follow, so the policy engine (which takes the destination from the port) lets
// them through where the port leads.
#include <gtest/gtest.h>

#include <cmath>

#include "gate/policy_engine.hpp"
#include "sim/population.hpp"
#include "sim/scenario.hpp"
#include "tests/support/shipped_scenarios.hpp"

namespace gatesim::sim {
namespace {

using models::Destination;

struct Drawn {
  int parties = 0, macao = 0;
};

Drawn draw(double macao_trips, int parties) {
  PopulationSpec spec;
  spec.macao_trips = macao_trips;
  PopulationGenerator generator(spec, Rng(11, 4), Rng(11, 5));
  const models::CivilDate day{std::chrono::year{2025}, std::chrono::month{12}, std::chrono::day{1}};
  Drawn d;
  for (int n = 0; n < parties; ++n) {
    const PartyProfile party = generator.next_party();
    const Destination trip = party.members[0].destination;
    ++d.parties;
    d.macao += trip == Destination::macao;
    for (int i = 0; i < party.size; ++i) {
      const TravellerProfile& t = party.members[i];
      EXPECT_EQ(t.destination, trip) << "a party travels together";
      const models::Traveller facts = to_traveller(t, "T", day);
      if (t.residence == Residence::hk_macao) {
        EXPECT_EQ(facts.residence, trip == Destination::macao ? models::Residence::macao : models::Residence::hong_kong);
      }
      for (const auto& e : facts.documents[0].endorsements) EXPECT_EQ(e.destination, trip);
    }
  }
  return d;
}

TEST(Population, TripsGoWhereTheShareSays) {
  EXPECT_EQ(draw(0, 5000).macao, 0);
  EXPECT_EQ(draw(1, 5000).macao, 5000);
  const Drawn mixed = draw(0.3, 20000);
  const double sd = std::sqrt(20000 * 0.3 * 0.7);
  EXPECT_NEAR(mixed.macao, 20000 * 0.3, 4 * sd);
}

// The shipped Gongbei and HZMB scenarios: every generated mainland resident with an eligible
// endorsement passes the engine at the scenario's port (before, all held Hong Kong
// endorsements, which fail where the port leads to Macao).
TEST(Population, EligibleTravellersPassAtTheirPort) {
  for (const char* name : {"gongbei-record-day", "hzmb-holiday", "luohu-weekday"}) {
    SCOPED_TRACE(name);
    const Scenario s = load_scenario(testing::shipped_scenario(name));
    PopulationGenerator generator(s.population, Rng(5, 4), Rng(5, 5));
    int checked = 0;
    for (int n = 0; n < 3000; ++n) {
      const TravellerProfile t = generator.next_party().members[0];
      if (t.residence != Residence::mainland || t.endorsement == models::EndorsementKind::individual_tourism ||
          !t.document_valid || !t.consent || t.age < 14)
        continue;
      models::Crossing c;
      c.traveller = to_traveller(t, "T", s.date);
      c.port = s.policy->find_port(s.port);
      c.date = s.date;
      c.direction = s.direction;
      c.channel = models::Channel::smart;
      const auto verdict = gate::evaluate(*s.policy, c);
      EXPECT_TRUE(verdict.eligible) << (verdict.reasons.empty() ? "" : verdict.reasons[0].message);
      ++checked;
    }
    EXPECT_GT(checked, 100);
  }
}

}  // namespace
}  // namespace gatesim::sim
