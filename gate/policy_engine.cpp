#include "gate/policy_engine.hpp"

#include <algorithm>
#include <span>

#include <chrono>
#include <string>

namespace gatesim::gate {
namespace {

using namespace models;
using std::chrono::sys_days;

int days_between(CivilDate from, CivilDate to) { return static_cast<int>((sys_days{to} - sys_days{from}).count()); }

std::string iso(CivilDate d) { return to_iso(d); }
std::string str(std::string_view s) { return std::string(s); }

void fail(std::vector<Reason>& reasons, const char* clause, std::string message) {
  reasons.push_back({clause, std::move(message)});
}

// The port clause for a lane: open on the day, or when it opens, or never.
void check_port(const Port& port, Channel channel, CivilDate day, const char* clause, std::vector<Reason>& reasons) {
  if (port.offers(channel, day)) return;
  const Capability* later = port.any_capability(channel);
  if (later && later->from && day < *later->from)
    fail(reasons, clause, port.name_en + " offers the " + str(name(channel)) + " channel from " + iso(*later->from) +
                              ", not on " + iso(day));
  else
    fail(reasons, clause, port.name_en + " has no " + str(name(channel)) + " channel");
}

bool is_tourism(EndorsementKind k) {
  return k == EndorsementKind::individual_tourism || k == EndorsementKind::group_tourism;
}

// The trip's possible destinations, as a message names them: the stated one; else the port's
// (the HZMB's two: an endorsement for either will do); else none listed (an airport: anywhere).
// Whether the trip can go somewhere is trip_goes_to's question.
std::span<const Destination> trip_destinations(const Crossing& c) {
  if (c.destination) return {&*c.destination, 1};
  if (c.port) return c.port->destinations;
  return {};
}

// Whether the trip can go to `d`: the stated destination, else where the port leads
// (models::Port::leads_to, the one rule; no port: anywhere).
bool trip_goes_to(const Crossing& c, Destination d) {
  if (c.destination) return *c.destination == d;
  return !c.port || c.port->leads_to(d);
}

// The port clause for a stated destination: a crossing at Luohu does not go to Macao, whatever
// the case says (a wrong lane or a wrong record: a counter sorts it out).
void check_destination(const Crossing& c, const char* clause, std::vector<Reason>& reasons) {
  if (!c.destination || c.port->leads_to(*c.destination)) return;
  std::string leads;
  for (Destination d : c.port->destinations) leads += (leads.empty() ? "" : " and ") + str(name(d));
  fail(reasons, clause, c.port->name_en + " leads to " + leads + ", not to the stated destination " +
                            str(name(*c.destination)));
}

// Why one endorsement does not qualify for M3 on `day`; empty when it does.
std::string endorsement_problem(const Endorsement& e, CivilDate day, const Crossing& crossing) {
  std::string problems;
  auto add = [&](const std::string& p) { problems += (problems.empty() ? "" : ", ") + p; };
  if (!trip_goes_to(crossing, e.destination)) {
    std::string trip;
    for (Destination d : trip_destinations(crossing)) trip += (trip.empty() ? "" : " or ") + str(name(d));
    add("for " + str(name(e.destination)) + ", not " + trip);
  }
  if (is_tourism(e.kind)) add("tourism endorsements are not eligible");
  if (e.entries != Entries::multiple) add(str(name(e.entries)) + "-entry (multiple-entry required)");
  if (day < e.valid_from) add("not valid before " + iso(e.valid_from));
  if (e.valid_until < day) add("expired on " + iso(e.valid_until));
  return problems;
}

// M3 document and endorsement rules for one person.
void check_m3_document(const Traveller& t, CivilDate day, const Crossing& crossing,
                       std::vector<Reason>& reasons) {
  auto valid_of_kind = [&](DocumentKind kind) {
    const Document* expired = nullptr;
    for (const auto& d : t.documents)
      if (d.kind == kind) {
        if (d.valid_on(day)) return std::pair<const Document*, const Document*>{&d, nullptr};
        expired = &d;
      }
    return std::pair<const Document*, const Document*>{nullptr, expired};
  };
  auto missing = [&](DocumentKind kind, const std::string& who) {
    const auto [valid, expired] = valid_of_kind(kind);
    if (valid) return valid;
    fail(reasons, "M3.document",
         expired ? who + "'s " + str(name(kind)) + " " + expired->number + " expired on " + iso(*expired->valid_until)
                 : who + " needs a valid " + str(name(kind)) + " for the smart channel");
    return static_cast<const Document*>(nullptr);
  };
  switch (t.residence) {
    case Residence::mainland: {
      const Document* eep = missing(DocumentKind::eep, "a mainland resident");
      if (!eep) return;
      std::string why;
      for (const auto& e : eep->endorsements) {
        const std::string problem = endorsement_problem(e, day, crossing);
        if (problem.empty()) return;
        why += (why.empty() ? "" : "; ") + str(name(e.destination)) + " " + str(name(e.kind)) + ": " + problem;
      }
      fail(reasons, "M3.endorsement",
           why.empty() ? "EEP " + eep->number + " has no endorsement; a valid multiple-entry stay, family visit, "
                         "business, talent or other endorsement is required"
                       : "no eligible endorsement on EEP " + eep->number + " (" + why + ")");
      return;
    }
    case Residence::hong_kong:
    case Residence::macao: missing(DocumentKind::home_return_permit, "a Hong Kong or Macao resident"); return;
    case Residence::taiwan: {
      const Document* mtp = missing(DocumentKind::mtp, "a Taiwan resident");
      if (mtp && mtp->mtp_validity != MtpValidity::five_year)
        fail(reasons, "M3.document", "MTP " + mtp->number + " is a one-time permit; only the 5-year MTP is eligible");
      return;
    }
    case Residence::foreign:
      fail(reasons, "M3.document",
           "the smart channel is for mainland, Hong Kong, Macao and Taiwan residents; a foreign resident uses a counter");
      return;
  }
}

// M3 conditions 1-3 (age, document, consent) for one person.
void check_m3_person(const PolicyData& policy, const Traveller& t, CivilDate day,
                     const Crossing& crossing, bool document_free, std::vector<Reason>& reasons) {
  const int minimum = policy.parameters().smart_minimum_age;
  const int age = age_in_years(t.birth_date, day);
  if (age < minimum)
    fail(reasons, "M3.age", "aged " + std::to_string(age) + " on " + iso(day) + "; the smart channel is from the " +
                                std::to_string(minimum) + "th birthday");
  if (document_free) {
    if (t.residence != Residence::hong_kong && t.residence != Residence::macao)
      fail(reasons, "DF.residence", "the document-free channel is for Hong Kong and Macao residents only");
    else
      check_m3_document(t, day, crossing, reasons);
  } else {
    check_m3_document(t, day, crossing, reasons);
  }
  if (!t.biometric_consent)
    fail(reasons, "M3.consent", "no consent to the collection and verification of face and fingerprint data");
}

const Traveller* find_in_group(const Crossing& c, const std::string& id) {
  for (const auto& member : c.group)
    if (member.id == id) return &member;
  return nullptr;
}

// M3 condition 4: a person of limited or no civil capacity crosses with their legal guardian,
// who must be in the group and able to use the same lane (or, paired at the gate, on record).
void check_guardian(const PolicyData& policy, const Crossing& c, bool document_free, GuardianPairing pairing,
                    Eligibility& e) {
  const Traveller& t = c.traveller;
  if (t.civil_capacity == CivilCapacity::full) return;
  e.guardian_required = true;
  e.guardian_id = t.guardian_id;
  const std::string capacity = str(name(t.civil_capacity));
  if (!t.guardian_id) {
    fail(e.reasons, "M3.guardian", "a traveller with " + capacity + " civil capacity needs a legal guardian on record");
    return;
  }
  if (pairing == GuardianPairing::at_gate) return;
  const Traveller* guardian = find_in_group(c, *t.guardian_id);
  if (!guardian) {
    fail(e.reasons, "M3.guardian", "legal guardian " + *t.guardian_id + " is not in the group");
    return;
  }
  if (guardian->civil_capacity != CivilCapacity::full) {
    fail(e.reasons, "M3.guardian", "legal guardian " + guardian->id + " does not have full civil capacity");
    return;
  }
  std::vector<Reason> guardian_reasons;
  check_m3_person(policy, *guardian, c.date, c, document_free, guardian_reasons);
  for (const auto& r : guardian_reasons)
    fail(e.reasons, "M3.guardian", "legal guardian " + guardian->id + " cannot use this channel (" + r.clause + ": " + r.message + ")");
}

const Document* valid_document(const Traveller& t, DocumentKind kind, CivilDate day) {
  for (const auto& d : t.documents)
    if (d.kind == kind && d.valid_on(day)) return &d;
  return nullptr;
}

// The itinerary rules M5 and M6 share: a dated onward ticket to a third country or region
// within the limit. `prefix` is "M5" or "M6".
void check_itinerary(const Crossing& c, int maximum_hours, const std::string& prefix, std::vector<Reason>& reasons) {
  auto clause = [&](const char* rule) { return prefix + "." + rule; };
  if (!c.itinerary || !c.itinerary->arrival || !c.itinerary->departure || c.itinerary->onward.empty()) {
    reasons.push_back({clause("itinerary"), "transit needs the arrival, the onward destination and a dated onward ticket"});
    return;
  }
  const Itinerary& it = *c.itinerary;
  if (it.onward == it.origin)
    reasons.push_back({clause("onward"), "the onward ticket goes back to " + it.origin +
                                             "; transit must continue to a third country or region"});
  if (it.onward == "CHN") reasons.push_back({clause("onward"), "the onward ticket must leave the mainland"});
  const long long minutes = it.departure->minutes() - it.arrival->minutes();
  if (minutes < 0) reasons.push_back({clause("duration"), "the onward departure is before the arrival"});
  else if (minutes > static_cast<long long>(maximum_hours) * 60)
    reasons.push_back({clause("duration"), "the onward departure is " + std::to_string(minutes / 60) + " h " +
                                               std::to_string(minutes % 60) + " min after arrival; at most " +
                                               std::to_string(maximum_hours) + " h"});
}

void check_transit_240h(const PolicyData& policy, const Crossing& c, std::vector<Reason>& reasons) {
  const Traveller& t = c.traveller;
  if (c.direction != Direction::entry)
    fail(reasons, "M6.direction", "240-hour visa-free transit is a way to enter; exits use the counter");
  const Country* country = policy.find_transit_240h_country(t.nationality);
  if (!country)
    fail(reasons, "M6.country", "citizens of " + t.nationality + " are not among the 240-hour transit countries");
  else if (c.date < country->from)
    fail(reasons, "M6.country", country->name_en + " joins 240-hour transit on " + iso(country->from));
  if (!valid_document(t, DocumentKind::passport, c.date))
    fail(reasons, "M6.document", "240-hour transit needs a valid passport (international travel document)");
  check_itinerary(c, policy.parameters().transit_240h_maximum_hours, "M6", reasons);
}

void check_transit_24h(const PolicyData& policy, const Crossing& c, std::vector<Reason>& reasons) {
  if (c.port->kind != PortKind::air) fail(reasons, "M5.port", c.port->name_en + " is not an airport");
  check_itinerary(c, policy.parameters().transit_24h_maximum_hours, "M5", reasons);
  if (c.itinerary && c.itinerary->leaves_airport)
    fail(reasons, "M5.airside", "24-hour direct transit is without inspection only for travellers who stay in the airport");
}

// M1: a talent endorsement allows at most N days per stay in HK or Macao.
void check_talent_stay(const PolicyData& policy, const Crossing& c, std::vector<Reason>& reasons) {
  if (!c.stay_from || !c.stay_until) return;
  const int days = days_between(*c.stay_from, *c.stay_until);
  for (const auto& d : c.traveller.documents) {
    if (d.kind != DocumentKind::eep || !d.valid_on(c.date)) continue;
    for (const auto& e : d.endorsements) {
      if (e.kind != EndorsementKind::talent || !trip_goes_to(c, e.destination)) continue;
      if (c.date < e.valid_from || e.valid_until < c.date) continue;
      const int limit = std::min(policy.parameters().talent_maximum_stay_days,
                                 e.stay_limit_days.value_or(policy.parameters().talent_maximum_stay_days));
      if (days > limit)
        fail(reasons, "M1.stay_limit", "a stay of " + std::to_string(days) + " days (" + iso(*c.stay_from) + " to " +
                                           iso(*c.stay_until) + ") exceeds the talent endorsement's " +
                                           std::to_string(limit) + " days per stay");
      return;
    }
  }
}

bool is_working_day(CivilDate day, const std::set<CivilDate>& holidays) {
  const std::chrono::weekday wd{sys_days{day}};
  return wd != std::chrono::Saturday && wd != std::chrono::Sunday && !holidays.contains(day);
}

}  // namespace

Eligibility evaluate(const PolicyData& policy, const Crossing& c, GuardianPairing pairing) {
  Eligibility e;
  e.channel = c.channel;
  switch (c.channel) {
    case Channel::smart:
    case Channel::document_free: {
      const bool df = c.channel == Channel::document_free;
      check_port(*c.port, c.channel, c.date, df ? "DF.port" : "M3.port", e.reasons);
      check_destination(c, df ? "DF.port" : "M3.port", e.reasons);
      check_m3_person(policy, c.traveller, c.date, c, df, e.reasons);
      check_guardian(policy, c, df, pairing, e);
      break;
    }
    case Channel::transit_240h:
      check_port(*c.port, c.channel, c.date, "M6.port", e.reasons);
      check_transit_240h(policy, c, e.reasons);
      break;
    case Channel::transit_24h:
      check_port(*c.port, c.channel, c.date, "M5.port", e.reasons);
      check_transit_24h(policy, c, e.reasons);
      break;
    case Channel::manual: {
      bool any = false;
      for (const auto& d : c.traveller.documents) any = any || (d.kind != DocumentKind::pr_id_card && d.valid_on(c.date));
      if (!any) fail(e.reasons, "manual.document", "no valid travel document on " + iso(c.date));
      break;
    }
    case Channel::one_time_mtp:
      // A service, not a lane: asking for it means "can this port issue one?".
      check_port(*c.port, c.channel, c.date, "M9.port", e.reasons);
      if (c.traveller.residence != Residence::taiwan)
        fail(e.reasons, "M9.residence", "one-time MTPs are issued to Taiwan residents only");
      break;
  }
  check_talent_stay(policy, c, e.reasons);
  e.eligible = e.reasons.empty();
  if (c.direction == Direction::entry && c.traveller.nationality != "CHN")
    e.arrival_card = arrival_card(policy, c, c.channel == Channel::smart && e.eligible);
  return e;
}

ArrivalCard arrival_card(const PolicyData& policy, const Crossing& c, bool smart_eligible) {
  // Before M10 the data holds no exemption list: the card is required.
  if (c.date < policy.parameters().arrival_card_from) return {true, std::nullopt};
  const Traveller& t = c.traveller;
  auto exempt = [](ArrivalCardExemption why) { return ArrivalCard{false, why}; };
  if (valid_document(t, DocumentKind::pr_id_card, c.date)) return exempt(ArrivalCardExemption::permanent_residence_id);
  if (valid_document(t, DocumentKind::home_return_permit, c.date))
    return exempt(ArrivalCardExemption::hk_macao_permit_non_chinese);
  if (c.flags.group_visa) return exempt(ArrivalCardExemption::group_visa);
  if (c.channel == Channel::transit_24h && !(c.itinerary && c.itinerary->leaves_airport))
    return exempt(ArrivalCardExemption::direct_transit_24h);
  if (c.flags.cruise_same_ship) return exempt(ArrivalCardExemption::cruise_same_ship);
  if (smart_eligible) return exempt(ArrivalCardExemption::smart_channel);
  if (c.flags.vehicle_crew) return exempt(ArrivalCardExemption::vehicle_crew);
  return {true, std::nullopt};
}

CivilDate latest_renewal_day(const PolicyData& policy, CivilDate stay_until, const std::set<CivilDate>& holidays) {
  int needed = policy.parameters().renewal_minimum_working_days;
  sys_days day{stay_until};
  // Walk back over `needed` working days (stay_until included); the day before the earliest is the last to apply.
  while (needed > 0) {
    if (is_working_day(CivilDate{day}, holidays)) --needed;
    day -= std::chrono::days{1};
  }
  return CivilDate{day};
}

std::vector<Reason> check_renewal(const PolicyData& policy, const Traveller& traveller, CivilDate apply_on,
                                  CivilDate stay_until, const std::set<CivilDate>& holidays) {
  std::vector<Reason> reasons;
  if (apply_on < policy.parameters().renewal_from)
    fail(reasons, "M8.date", "renewal in Hong Kong or Macao is possible from " + iso(policy.parameters().renewal_from));
  bool family_visit = false;
  for (const auto& d : traveller.documents)
    for (const auto& e : d.endorsements) family_visit = family_visit || e.kind == EndorsementKind::family_visit;
  if (!family_visit) fail(reasons, "M8.endorsement", "only family-visit endorsement holders can renew in Hong Kong or Macao");
  const CivilDate latest = latest_renewal_day(policy, stay_until, holidays);
  if (latest < apply_on)
    fail(reasons, "M8.window", "apply by " + iso(latest) + ", at least " +
                                   std::to_string(policy.parameters().renewal_minimum_working_days) +
                                   " working days before the stay ends on " + iso(stay_until));
  return reasons;
}

}  // namespace gatesim::gate
