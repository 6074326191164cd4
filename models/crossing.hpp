#pragma once
// A crossing to decide (who, where, when, which way, which lane) and the decision: plain
// values, no I/O. The rule engine (gate/policy_engine.hpp) turns a Crossing into an Eligibility.
//
// Thread safety: values.

#include <optional>
#include <string>
#include <vector>

#include "models/civil_date.hpp"
#include "models/port.hpp"
#include "models/traveller.hpp"

namespace gatesim::models {

enum class Direction { entry, exit };  // into / out of the mainland

// A date and time of day, minutes resolution, local to the port (transit durations only).
struct LocalTime {
  CivilDate date{};
  int minute_of_day = 0;  // 0..1439
  // ensures: minutes since 1970-01-01 00:00 (ordering and differences).
  long long minutes() const;
};

// The travel plan a transit (M5, M6) case needs: where from, where next, when in and out.
struct Itinerary {
  std::string origin;             // country or region arriving from, ISO 3166 alpha-3 (HKG, MAC, TWN count)
  std::string onward;             // country or region of the onward ticket
  std::optional<LocalTime> arrival;
  std::optional<LocalTime> departure;  // the dated onward ticket
  bool leaves_airport = false;         // M5: direct transit must stay airside
};

// Facts only some rules need (M1, M8, M10).
struct CircumstanceFlags {
  bool group_visa = false;       // group visa or group visa-free entry (M10)
  bool cruise_same_ship = false; // cruise passenger returning on the same ship (M10)
  bool vehicle_crew = false;     // foreign crew of the ship, aircraft or train (M10)
};

struct Crossing {
  Traveller traveller;
  std::vector<Traveller> group;  // the people crossing together (a guardian must be among them)
  const Port* port = nullptr;    // points into the PolicyData that evaluates it
  CivilDate date{};
  Direction direction = Direction::exit;
  Channel channel = Channel::smart;
  // HK or Macao trip; nullopt: the port's (Port::destinations; at the HZMB an endorsement for
  // either will do). One the port does not lead to (Port::leads_to) fails the port clause.
  std::optional<Destination> destination;
  std::optional<Itinerary> itinerary;
  CircumstanceFlags flags;
  // M1: the stay in HK/Macao this crossing starts or ends, first and last day.
  std::optional<CivilDate> stay_from, stay_until;
};

// One failed rule: the clause it comes from ("M3.age") and a plain-English message.
struct Reason {
  std::string clause;
  std::string message;
  friend bool operator==(const Reason&, const Reason&) = default;
};

// M10: must this foreigner file an arrival card, and if not, why not.
enum class ArrivalCardExemption {
  permanent_residence_id, hk_macao_permit_non_chinese, group_visa, direct_transit_24h, cruise_same_ship,
  smart_channel, vehicle_crew
};
struct ArrivalCard {
  bool required = true;
  std::optional<ArrivalCardExemption> exemption;
};

struct Eligibility {
  bool eligible = false;
  Channel channel = Channel::manual;
  std::vector<Reason> reasons;                // every failed rule; empty when eligible
  bool guardian_required = false;             // eligible only together with guardian_id
  std::optional<std::string> guardian_id;
  std::optional<ArrivalCard> arrival_card;    // set for a foreign national entering
};

std::string_view name(Direction value);
std::optional<Direction> parse_direction(std::string_view text);
std::string_view name(ArrivalCardExemption value);

}  // namespace gatesim::models
